"""The store's queries for copying an archive: a full backup, and the rows of changed documents.

Part of `Store` (index/store.py), kept apart to keep each file to one job. A delta file is plain
SQLite: the tables `documents`, `sentences` and `chunks` with the writer's rows (ids included) of
every document still present, `touched` with every document added or removed, and `manifest`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import CorruptIndex

TABLES = ("documents", "sentences", "chunks")
# What a copy takes over from the writer's manifest with each delta (not `segment`: its own).
FOLLOWED = ("revision", "updated_at", "documents", "chunks", "sentences", "shipped_seq")


@dataclass(frozen=True)
class Delta:
    """A delta file read back: the writer's manifest, the touched ids, and rows per table."""

    manifest: dict[str, str]
    touched: list[str]
    rows: dict[str, tuple[list[str], list[tuple[object, ...]]]]


class CopyQueries:
    """Part of `Store`."""

    _db: sqlite3.Connection

    if TYPE_CHECKING:  # Store's

        def delete_document(self, doc_id: str) -> list[int]: ...

    def backup_to(self, target: sqlite3.Connection) -> None:
        """Copy the whole database into `target`, consistently, while others may write."""
        self._db.backup(target)

    def export_rows(self, path: Path, doc_ids: Sequence[str], manifest: dict[str, str]) -> None:
        """Write a delta file: the current rows of these documents (those still present)."""
        out = sqlite3.connect(path)
        try:
            with out:
                out.execute("CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                out.executemany("INSERT INTO manifest VALUES (?, ?)", list(manifest.items()))
                out.execute("CREATE TABLE touched (doc_id TEXT PRIMARY KEY)")
                out.executemany("INSERT INTO touched VALUES (?)", [(d,) for d in doc_ids])
                for table in TABLES:
                    columns = self._columns(table)
                    out.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
                    for at in range(0, len(doc_ids), 500):
                        batch = list(doc_ids[at : at + 500])
                        marks = ",".join("?" * len(batch))
                        rows = self._db.execute(_rows_of(table, columns, marks), batch).fetchall()
                        out.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(columns))})", rows)
        finally:
            out.close()

    def _columns(self, table: str) -> list[str]:
        return [row[1] for row in self._db.execute(f"PRAGMA table_info({table})")]

    def apply_rows(self, delta: Delta) -> None:
        """Inside a transaction: replace the touched documents by the writer's rows, take its counts."""
        for doc_id in delta.touched:
            row = self._db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is not None:
                self.delete_document(doc_id)
        for table in TABLES:
            columns, rows = delta.rows[table]
            if rows:
                self._db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                    rows,
                )
        self._db.executemany(
            "INSERT INTO manifest(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(k, delta.manifest[k]) for k in FOLLOWED if k in delta.manifest],
        )


def read_delta(path: Path) -> Delta:
    """A delta file's contents; CorruptIndex if it is not one."""
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            manifest = dict(source.execute("SELECT key, value FROM manifest").fetchall())
            touched = [r[0] for r in source.execute("SELECT doc_id FROM touched")]
            rows = {}
            for table in TABLES:
                cursor = source.execute(f"SELECT * FROM {table}")
                rows[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise CorruptIndex(
            "the published change {path} cannot be read ({reason})", path=path, reason=error
        ) from None
    return Delta(manifest, touched, rows)


def _rows_of(table: str, columns: list[str], marks: str) -> str:
    listed = ", ".join(f"t.{c}" for c in columns)
    if table == "documents":
        return f"SELECT {listed} FROM documents t WHERE t.doc_id IN ({marks}) ORDER BY t.id"
    return (
        f"SELECT {listed} FROM {table} t JOIN documents d ON d.id = t.document_id"
        f" WHERE d.doc_id IN ({marks}) ORDER BY t.id"
    )
