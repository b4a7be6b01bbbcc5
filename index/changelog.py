"""The store's queries for following changes: chunks added after an id, removed after a log position.

Chunk ids only grow (AUTOINCREMENT) and `delete_document` logs every removed chunk id in
`removed_chunks`, so any earlier state of the search indexes catches up by reading just these.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.errors import CorruptIndex
from index.language import known


class StoredChunks(NamedTuple):
    """Chunks read back from the store, in id order: what search indexes are derived from."""

    ids: np.ndarray
    texts: list[str]
    vectors: np.ndarray
    languages: list[str]  # each chunk's article's language: how its words are tokenized


class ChangeQueries:
    """Part of `Store` (index/store.py), kept apart to keep each file to one job."""

    _db: sqlite3.Connection
    path: Path

    def last_document_row(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(id), 0) FROM documents").fetchone()[0])

    def last_chunk_id(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(id), 0) FROM chunks").fetchone()[0])

    def log_document(self, doc_id: str) -> None:
        """Inside a transaction: record that a document was added or removed (for published copies)."""
        self._db.execute("INSERT INTO document_log(doc_id) VALUES (?)", (doc_id,))

    def last_document_change(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM document_log").fetchone()[0])

    def documents_changed(self, after: int, upto: int) -> list[str]:
        """Ids of the documents added or removed with after < seq <= upto, each once."""
        rows = self._db.execute(
            "SELECT DISTINCT doc_id FROM document_log WHERE seq > ? AND seq <= ?", (after, upto)
        ).fetchall()
        return [r[0] for r in rows]

    def last_removal(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM removed_chunks").fetchone()[0])

    def chunks_after(self, after: int, upto: int, dimension: int, limit: int = 10_000) -> StoredChunks:
        """Up to `limit` chunks with after < id <= upto, by id, with their articles' languages."""
        rows = self._db.execute(
            "SELECT c.id, c.text, c.vector, d.language FROM chunks c JOIN documents d ON d.id = c.document_id"
            " WHERE c.id > ? AND c.id <= ? ORDER BY c.id LIMIT ?",
            (after, upto, limit),
        ).fetchall()
        vectors = self._vectors([r[2] for r in rows], dimension, "chunk")
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        return StoredChunks(ids, [r[1] for r in rows], vectors, [known(r[3]) for r in rows])

    def removed_after(self, after: int, upto: int) -> np.ndarray:
        """Ids of the chunks removed with after < seq <= upto in the removal log."""
        rows = self._db.execute(
            "SELECT chunk_id FROM removed_chunks WHERE seq > ? AND seq <= ?", (after, upto)
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def forget_removals(self, upto: int) -> None:
        """Drop the log up to `upto`: the compacted segment no longer holds those chunks."""
        self._db.execute("DELETE FROM removed_chunks WHERE seq <= ?", (upto,))

    def count_removed(self, after: int) -> int:
        return int(
            self._db.execute("SELECT COUNT(*) FROM removed_chunks WHERE seq > ?", (after,)).fetchone()[0]
        )

    def chunk_ids(self, upto: int) -> np.ndarray:
        rows = self._db.execute("SELECT id FROM chunks WHERE id <= ? ORDER BY id", (upto,)).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def vectors_of(self, ids: Sequence[int], dimension: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of those of these chunks that exist, by id."""
        found, parts = [], []
        for at in range(0, len(ids), 500):
            batch = [int(i) for i in ids[at : at + 500]]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT id, vector FROM chunks WHERE id IN ({marks}) ORDER BY id", batch)
            for chunk_id, vector in rows:
                found.append(chunk_id)
                parts.append(vector)
        return np.array(found, dtype=np.int64), self._vectors(parts, dimension, "chunk")

    def _vectors(self, blobs: Sequence[bytes], dimension: int, kind: str) -> np.ndarray:
        """float32 blobs as one matrix; CorruptIndex when one has the wrong length."""
        if any(not isinstance(b, bytes) or len(b) != dimension * 4 for b in blobs):
            raise CorruptIndex(
                "the index database {path} is damaged (a {kind} vector of the wrong size); "
                "rebuild it with: dossier index build",
                path=self.path,
                kind=kind,
            )
        return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimension)
