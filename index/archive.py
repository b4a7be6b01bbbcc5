"""The archive: the one way into an index directory (SQLite store + FAISS + BM25).

Every surface reads and writes articles through an `Archive`, and a process opens one and shares it:
its methods are safe to call from several threads (one lock guards the SQLite connection and the
derived indexes; embedding new articles happens outside it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from index import manifest, progress
from index.config import IndexSettings
from index.derived import Derived
from index.embedding import Embedder, load_document_embedder, load_query_embedder
from index.errors import CorruptIndex, DocumentNotFound, IndexNotBuilt, ModelMismatch, UnsupportedDocument
from index.fusion import passages, reciprocal_rank_fusion
from index.ingest import Embedded, Prepared, check_budget, document_id, embed, origin_key, prepare
from index.models import AddResult, Article, DocumentInfo, Hit, Sentence
from index.storage_errors import storage_errors
from index.store import Store

logger = logging.getLogger(__name__)

CANDIDATES = 50  # per retriever, before fusion


class Archive:
    """Documents, chunks and sentences of one data directory, searchable by meaning and by words."""

    def __init__(self, settings: IndexSettings, store: Store, embedder: Embedder | None = None):
        self.settings = settings
        self._store = store
        self._query_embedder = embedder
        self._document_embedder = embedder
        self._lock = threading.RLock()
        self._derived: Derived | None = None  # loaded on first search: listing needs no index
        self._repair = False  # for a build: a damaged model export is made again, not refused
        self.revision = store.manifest().get("revision", "")

    # Opening
    @classmethod
    def open(
        cls, settings: IndexSettings, embedder: Embedder | None = None, readonly: bool = True
    ) -> Archive:
        """Open an existing index; refuses one built with another model or format."""
        if not settings.database.exists():
            raise IndexNotBuilt(
                f"there is no index in {settings.data_dir} yet; build it with: dossier index build"
            )
        archive = cls(settings, Store(settings.database, readonly=readonly), embedder)
        archive._check()
        return archive

    @classmethod
    def open_or_create(cls, settings: IndexSettings, embedder: Embedder | None = None) -> Archive:
        """Open for writing, creating an empty index when there is none."""
        settings.ensure_writable()
        store = Store(settings.database)
        archive = cls(settings, store, embedder)
        with storage_errors(settings.database):
            if not store.manifest():
                model = archive.document_embedder
                with store.transaction():
                    store.set_manifest(manifest.fresh(model.name, model.dimension))
                archive.revision = store.manifest()["revision"]
        archive._check()
        return archive

    @classmethod
    def for_build(cls, settings: IndexSettings, embedder: Embedder | None = None) -> Archive:
        """Open for a full rebuild: an index of another model, format or a damaged one is set aside."""
        settings.ensure_writable()
        archive = None
        if settings.database.exists():
            try:
                archive = cls.open_or_create(settings, embedder)
                with storage_errors(settings.database):
                    archive._store.check_integrity()
            except (CorruptIndex, ModelMismatch) as error:
                if archive is not None:
                    archive.close()
                settings.set_aside(error)
                archive = None
        archive = archive or cls.open_or_create(settings, embedder)
        archive._repair = True
        return archive

    def close(self) -> None:
        with self._lock:
            self._store.close()

    def _check(self) -> None:
        try:
            with storage_errors(self.settings.database):
                manifest.check(self._store.manifest(), self.settings)
        except (ModelMismatch, CorruptIndex):
            self._store.close()
            raise

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """The lock, with sqlite3's errors turned into the core's (a damaged page, a full disk, a lock)."""
        with self._lock, storage_errors(self.settings.database):
            yield

    # Embedders are loaded on first use: searching never needs the heavy document model.
    @property
    def query_embedder(self) -> Embedder:
        if self._query_embedder is None:
            self._query_embedder = load_query_embedder(self.settings.model, self.settings.data_dir)
        return self._query_embedder

    @property
    def document_embedder(self) -> Embedder:
        if self._document_embedder is None:
            self._document_embedder = load_document_embedder(
                self.settings.model, self.settings.data_dir, self.settings.backend, repair=self._repair
            )
        return self._document_embedder

    # Following other processes
    def refresh(self) -> bool:
        """Pick up changes another process committed; True when the archive changed."""
        with self._guard():
            current = self._store.manifest().get("revision", "")
            if current == self.revision:
                return False
            self.revision = current
            if self._derived is not None:  # searched before: reload now, not in the next question's time
                self._derived = Derived.load(self._store, self.settings, current, self.dimension)
            return True

    def load(self) -> None:
        """Load the search indexes now rather than on the first search; raises CorruptIndex."""
        with self._guard():
            self._searchable()

    def _searchable(self) -> Derived:
        if self._derived is None or self._derived.revision != self.revision:
            self._derived = Derived.load(self._store, self.settings, self.revision, self.dimension)
        return self._derived

    # Reading
    @property
    def manifest(self) -> dict[str, str]:
        with self._guard():
            return self._store.manifest()

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def counts(self) -> dict[str, int]:
        with self._guard():
            return self._store.counts()

    def documents(self) -> list[DocumentInfo]:
        """Every stored article, newest first."""
        with self._guard():
            return self._store.documents()

    def find_document(self, doc_id: str) -> DocumentInfo | None:
        with self._guard():
            return self._store.find_document(doc_id)

    def document_text(self, doc_id: str) -> str:
        with self._guard():
            return self._store.document_text(doc_id)

    def sentences(self, doc_id: str) -> tuple[list[Sentence], np.ndarray]:
        """A document's sentences in order, with their stored vectors."""
        with self._guard():
            return self._store.sentences(doc_id, self.dimension)

    def term_weight(self, token: str) -> float:
        """How telling a tokenized term is in this archive (BM25 idf)."""
        with self._guard():
            return self._searchable().idf(token)

    def embed_query(self, query: str) -> np.ndarray:
        """The normalised vector of one query."""
        return self.query_embedder.embed_queries([query])[0]

    def search(self, query: str, k: int = 5, vector: np.ndarray | None = None) -> list[Hit]:
        """The k best passages for a query: dense and BM25 rankings fused."""
        query = " ".join(query.split())
        if not query or k <= 0:
            return []
        if vector is None:
            vector = self.embed_query(query)
        with self._guard():
            derived = self._searchable()
            dense = derived.dense(vector, max(CANDIDATES, k))
            lexical = derived.lexical(query, max(CANDIDATES, k))
            fused = reciprocal_rank_fusion({"dense": dense.ids, "lexical": lexical.ids})
            top = fused[: k * 2]  # extra in case another process removed some chunks meanwhile
            rows = self._store.chunks_by_id([f.id for f in top])
        return passages(top, rows, dense, lexical)[:k]

    # Writing
    def add(self, articles: Iterable[tuple[str, Article]], replace_all: bool = False) -> list[AddResult]:
        """Add articles: new ones are added, changed ones replace their old version, same ones skip.

        With `replace_all`, everything else in the index is removed in the same transaction (build).
        """
        results: list[AddResult] = []
        pending: list[Prepared] = []
        seen: set[str] = set()
        for item, article in articles:
            try:
                check_budget(article)
            except UnsupportedDocument as error:
                results.append(AddResult(item, "failed", error=str(error)))
                continue
            doc_id = document_id(article)
            # Checked before chunking, so re-adding known articles never loads the model.
            if doc_id in seen or (not replace_all and self.find_document(doc_id)):
                results.append(AddResult(item, "unchanged", doc_id, article.title))
                continue
            seen.add(doc_id)
            embedder = self.document_embedder
            pending.append(
                prepare(item, article, embedder, self.settings.chunk_tokens, self.settings.chunk_overlap)
            )
        if not pending and not replace_all:
            return results
        vectors = embed(pending, self.document_embedder)
        with self._guard(), progress.task("Writing the index"):
            results += self._commit(pending, vectors, replace_all)
        return results

    def _commit(
        self, pending: Sequence[Prepared], vectors: Sequence[Embedded], replace_all: bool
    ) -> list[AddResult]:
        results = []
        removed: list[int] = []
        added: list[int] = []
        with self._store.transaction():
            derived = self._derived_at_head()
            if replace_all:
                for document in self._store.documents():
                    removed += self._store.delete_document(document.doc_id)
            for p, embedded in zip(pending, vectors, strict=True):
                key = origin_key(p.article)
                previous = self._store.doc_id_for_origin(key) if key else None
                if previous:
                    removed += self._store.delete_document(previous)
                added += self._store.insert_document(
                    p.doc_id, key, p.article, p.sentences, embedded.sentences, p.chunks, embedded.chunks
                )
                results.append(
                    AddResult(p.item, "updated" if previous else "added", p.doc_id, p.article.title)
                )
            model = self.document_embedder
            revision = self._write_manifest((model.name, model.dimension) if replace_all else None)
        self._follow(derived, removed, added, [e.chunks for e in vectors], revision)
        return results

    def remove(self, doc_id: str) -> DocumentInfo:
        """Remove one document by id."""
        with self._guard():
            document = self._store.find_document(doc_id)
            if document is None:
                raise DocumentNotFound(f"no document with id {doc_id}; see: dossier index list")
            with self._store.transaction():
                derived = self._derived_at_head()
                removed = self._store.delete_document(doc_id)
                revision = self._write_manifest(None)
            self._follow(derived, removed, [], [], revision)
            return document

    def _derived_at_head(self) -> Derived:
        """Inside a write transaction: the derived indexes of the store's current revision."""
        head = self._store.manifest()["revision"]
        if head != self.revision:
            self.revision = head  # another process wrote since we looked: start from its state
        return self._searchable()

    def _write_manifest(self, rebuilt_with: tuple[str, int] | None) -> str:
        values = manifest.after_change(self._store.counts(), rebuilt_with)
        self._store.set_manifest(values)
        return values["revision"]

    def _follow(
        self, derived: Derived, removed: list[int], added: list[int], vectors: list[np.ndarray], revision: str
    ) -> None:
        """Bring the in-memory indexes to the revision just committed."""
        derived.apply(self._store, self.settings, (removed, added, vectors), revision, self.dimension)
        self._derived = derived
        self.revision = revision
