"""The SQLite store: documents, sentences, chunks, their vectors, and the manifest.

SQLite is the source of truth. Vectors are kept here as float32 blobs so that the FAISS and BM25
files are derived data: a crash between the commit and writing those files is repaired by
rebuilding them from the store, never by re-embedding. Chunk ids only grow (AUTOINCREMENT) and every
removed chunk id is logged in `removed_chunks`, so the search indexes of any earlier state are
brought up to date by reading only what was added and removed since.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from index.changelog import ChangeQueries
from index.copies import CopyQueries
from index.errors import CorruptIndex, DocumentNotFound
from index.formats import FormatQueries
from index.language import known
from index.models import Article, Chunk, DocumentInfo, Sentence
from index.storage_errors import translate

SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL UNIQUE,
    origin_key TEXT UNIQUE,
    title TEXT NOT NULL,
    published TEXT,
    author TEXT,
    source TEXT,
    url TEXT,
    section TEXT,
    dateline TEXT,
    byline TEXT,
    origin TEXT,
    text TEXT NOT NULL,
    added_at TEXT NOT NULL,
    language TEXT
);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_document ON sentences(document_id, position);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id, position);
CREATE TABLE IF NOT EXISTS removed_chunks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS document_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL
);
"""

_DOC_COLUMNS = (
    "d.doc_id, d.title, d.published, d.author, d.source, d.url, d.origin, d.added_at, "
    "(SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id), "
    "(SELECT COUNT(*) FROM sentences s WHERE s.document_id = d.id), d.byline, d.language"
)


def _document_info(row: Sequence) -> DocumentInfo:  # type: ignore[type-arg]
    published = date.fromisoformat(row[2]) if row[2] else None
    doc_id, title, _, author, source, url, origin, added, chunks, sentences, byline, lang = row
    return DocumentInfo(
        doc_id, title, published, author, source, url, origin, added, chunks, sentences, byline, known(lang)
    )


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


class Store(ChangeQueries, CopyQueries, FormatQueries):
    """One SQLite file; every write happens inside `transaction()`."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        try:
            if readonly:
                uri = f"file:{path}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                # WAL lets the bot keep reading while `dossier index add` writes from another process.
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.executescript(SCHEMA)
            self._db.execute("SELECT COUNT(*) FROM manifest").fetchone()
        except sqlite3.DatabaseError as error:
            raise translate(path, error) from None

    def close(self) -> None:
        self._db.close()

    def check_integrity(self) -> None:
        """CorruptIndex unless SQLite's quick check finds every page sound (reads the whole file)."""
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise CorruptIndex(
                "the index database {path} is damaged ({reason}); rebuild it with: dossier index build",
                path=self.path,
                reason=problems[0],
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: readers see either the state before or the state after."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one committed state, whatever other processes write meanwhile."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    # Manifest
    def manifest(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM manifest").fetchall())

    def set_manifest(self, values: dict[str, str]) -> None:
        self._db.executemany(
            "INSERT INTO manifest(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    # Documents
    def find_document(self, doc_id: str) -> DocumentInfo | None:
        row = self._db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents d WHERE d.doc_id = ?", (doc_id,)
        ).fetchone()
        return _document_info(row) if row else None

    def doc_id_for_origin(self, origin_key: str) -> str | None:
        row = self._db.execute("SELECT doc_id FROM documents WHERE origin_key = ?", (origin_key,)).fetchone()
        return row[0] if row else None

    def documents(self, after: int = 0) -> list[DocumentInfo]:
        """Documents stored after row `after` (all by default), newest published first."""
        rows = self._db.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents d WHERE d.id > ?"
            " ORDER BY d.published IS NULL, d.published DESC, d.id",
            (after,),
        ).fetchall()
        return [_document_info(row) for row in rows]

    def document_text(self, doc_id: str) -> str:
        row = self._db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise DocumentNotFound("no document with id {doc_id}", doc_id=doc_id)
        return str(row[0])

    def insert_document(
        self,
        doc_id: str,
        origin_key: str | None,
        article: Article,
        sentences: Sequence[Sentence],
        sentence_vectors: np.ndarray,
        chunks: Sequence[Chunk],
        chunk_vectors: np.ndarray,
    ) -> list[int]:
        """Insert a document with its sentences and chunks; returns the new chunk ids."""
        cursor = self._db.execute(
            "INSERT INTO documents(doc_id, origin_key, title, published, author, source, url, section,"
            " dateline, byline, origin, text, added_at, language)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                origin_key,
                article.title,
                article.published.isoformat() if article.published else None,
                article.author,
                article.source,
                article.url,
                article.section,
                article.dateline,
                article.byline,
                article.origin,
                article.text,
                datetime.now(UTC).isoformat(timespec="seconds"),
                known(article.language),
            ),
        )
        row_id = cursor.lastrowid
        self._db.executemany(
            "INSERT INTO sentences(document_id, position, paragraph, start, end, text, vector)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (row_id, s.position, s.paragraph, s.start, s.end, s.text, _blob(v))
                for s, v in zip(sentences, sentence_vectors, strict=True)
            ],
        )
        chunk_ids = []
        for chunk, vector in zip(chunks, chunk_vectors, strict=True):
            cursor = self._db.execute(
                "INSERT INTO chunks(document_id, position, paragraph, start, end, first_sentence,"
                " last_sentence, text, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row_id,
                    chunk.position,
                    chunk.paragraph,
                    chunk.start,
                    chunk.end,
                    chunk.first_sentence,
                    chunk.last_sentence,
                    chunk.text,
                    _blob(vector),
                ),
            )
            chunk_ids.append(int(cursor.lastrowid or 0))
        return chunk_ids

    def delete_document(self, doc_id: str) -> list[int]:
        """Delete a document and everything under it; returns the chunk ids that went with it."""
        ids = [
            row[0]
            for row in self._db.execute(
                "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.doc_id = ?",
                (doc_id,),
            )
        ]
        deleted = self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,)).rowcount
        if not deleted:
            raise DocumentNotFound("no document with id {doc_id}; see: dossier index list", doc_id=doc_id)
        self._db.executemany("INSERT INTO removed_chunks(chunk_id) VALUES (?)", [(i,) for i in ids])
        return ids

    # Chunks and sentences
    def counts(self) -> dict[str, int]:
        return {
            table: int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("documents", "chunks", "sentences")
        }

    def chunks_by_id(self, ids: Sequence[int]) -> dict[int, tuple[DocumentInfo, Chunk]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT c.id, c.position, c.paragraph, c.start, c.end, c.first_sentence,"
            f" c.last_sentence, c.text, {_DOC_COLUMNS}"
            f" FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks})",
            [int(i) for i in ids],
        ).fetchall()
        return {row[0]: (_document_info(row[8:]), Chunk(*row[1:8])) for row in rows}

    def sentences(self, doc_id: str, dimension: int) -> tuple[list[Sentence], np.ndarray]:
        """Every sentence of a document in order, with its stored vector."""
        rows = self._db.execute(
            "SELECT s.position, s.paragraph, s.start, s.end, s.text, s.vector FROM sentences s"
            " JOIN documents d ON d.id = s.document_id WHERE d.doc_id = ? ORDER BY s.position",
            (doc_id,),
        ).fetchall()
        sentences = [Sentence(*row[:5]) for row in rows]
        return sentences, self._vectors([r[5] for r in rows], dimension, "sentence")
