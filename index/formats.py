"""The store's queries for upgrading an index of an earlier format in place (index/compaction.py).

Part of `Store` (index/store.py), kept apart to keep each file to one job.
"""

from __future__ import annotations

import sqlite3

from index.language import ARTICLE_SAMPLE, article_language

BATCH = 500  # articles read at a time


class FormatQueries:
    """Part of `Store`."""

    _db: sqlite3.Connection

    def add_languages(self) -> int:
        """Inside a transaction: format 4's `language` column, filled from each article's stored title
        and first paragraphs (its sentences and vectors are kept as they are); how many were read."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
        if "language" not in columns:
            self._db.execute("ALTER TABLE documents ADD COLUMN language TEXT")
        done, after = 0, 0
        while rows := self._db.execute(
            "SELECT id, title, substr(text, 1, ?) FROM documents WHERE id > ? AND language IS NULL"
            " ORDER BY id LIMIT ?",
            (ARTICLE_SAMPLE, after, BATCH),
        ).fetchall():
            self._db.executemany(
                "UPDATE documents SET language = ? WHERE id = ?",
                [(article_language(title, text.split("\n\n")), row) for row, title, text in rows],
            )
            after, done = rows[-1][0], done + len(rows)
        return done
