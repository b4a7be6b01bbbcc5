"""The archive: the one way into an index directory (SQLite store + FAISS + BM25).

Every surface reads and writes articles through an `Archive`, and a process opens one and shares it:
its methods are safe to call from several threads (one lock guards the SQLite connection and the
search indexes; embedding new articles happens outside it). Adding or removing an article writes the
store only; searches see a compacted segment plus what changed since (index/derived.py), and
following another process's change reads only that change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from index import manifest, progress
from index.compaction import compact, uncompacted, upgrade_store
from index.config import IndexSettings
from index.derived import Derived
from index.embedding import Embedder, load_document_embedder, load_query_embedder
from index.errors import CorruptIndex, IndexNotBuilt, ModelMismatch
from index.fresh import FRESH_LIMIT
from index.fusion import passages, reciprocal_rank_fusion
from index.language import question_language
from index.listing import Listing
from index.model_files import canonical_model_name
from index.model_traits import reads
from index.models import DocumentInfo, Hit, Sentence
from index.segment import open_segment
from index.shipping import Shipping
from index.storage_errors import storage_errors
from index.store import Store
from index.writing import Writing

logger = logging.getLogger(__name__)

CANDIDATES = 50  # per retriever, before fusion


class Archive(Writing, Shipping):
    """Documents, chunks and sentences of one data directory, searchable by meaning and by words."""

    def __init__(
        self, settings: IndexSettings, store: Store, embedder: Embedder | None = None, writable: bool = True
    ):
        self.settings = settings
        self._store = store
        self._writable = writable
        self._query_embedder = embedder
        self._document_embedder = embedder
        self._lock = threading.RLock()
        self._following = threading.Lock()
        self._listing = Listing(settings.database)
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
                "there is no index in {path} yet; build it with: dossier index build", path=settings.data_dir
            )
        archive = cls(settings, Store(settings.database, readonly=readonly), embedder, writable=not readonly)
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
        self._listing.close()

    def _check(self) -> None:
        try:
            with storage_errors(self.settings.database):
                upgrade = manifest.check(self._store.manifest(), self.settings, self._writable)
        except (ModelMismatch, CorruptIndex):
            self._store.close()
            raise
        if upgrade:
            with self._guard(), progress.task("Upgrading the index to this format"):
                upgrade_store(self._store, self.settings, self.dimension)

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
        """Pick up changes another process committed; True when the archive changed.

        Reads only what changed, and tokenizes it outside the lock; a segment that a compaction
        elsewhere wrote is mapped outside it too: questions are answered meanwhile.
        """
        with self._following:  # one refresh at a time: each applies what it read once
            with self._guard():
                current = self._store.manifest()
                revision, segment = current.get("revision", ""), current.get("segment", "")
                changed = revision != self.revision
                derived = self._derived
                if derived is None or (derived.segment.name == segment and not changed):
                    self.revision = revision
                    return changed
                change = derived.changes(self._store) if derived.segment.name == segment else None
            if change is None:  # compacted elsewhere: the previous segment is kept until the next
                derived = self._view(segment)
                with self._guard():
                    change = derived.changes(self._store)
            change.tokenize()
            with self._guard():
                derived.apply(change)
                self._derived = derived
                self.revision = revision
            return changed

    def load(self) -> None:
        """Load the search indexes now rather than on the first search; raises CorruptIndex."""
        with self._guard():
            self._searchable()

    def _searchable(self) -> Derived:
        if self._derived is None:
            with self._store.snapshot():
                current = self._store.manifest()
                self.revision = current.get("revision", "")
                derived = self._view(current.get("segment", ""))
                derived.follow(self._store)
            self._derived = derived
        return self._derived

    def _view(self, segment: str) -> Derived:
        """Search over `segment` (mapped, not read), before it follows the store."""
        return Derived(open_segment(self.settings, segment, self.dimension), self.dimension)

    # Compaction
    def uncompacted(self) -> int:
        """About how many chunks were added or removed since the last compaction."""
        with self._guard():
            return uncompacted(self._store, self.settings)

    def compaction_due(self) -> bool:
        return self.uncompacted() > FRESH_LIMIT

    def compact(self) -> bool:
        """Fold the changes since the last compaction into a new segment; False if there were none.

        Holds this archive's lock throughout (minutes at a million articles): the bot runs it in a
        process of its own, `dossier index compact`.
        """
        with self._guard(), progress.task("Writing the search index"):
            compacted = compact(self._store, self.settings, self.dimension)
        if compacted:
            self.refresh()
        return compacted

    # Reading
    @property
    def manifest(self) -> dict[str, str]:
        with self._guard():
            return self._store.manifest()

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def counts(self) -> dict[str, int]:
        """Documents, chunks and sentences, as the manifest keeps them with every change."""
        current = self.manifest
        return {key: int(current.get(key, 0)) for key in ("documents", "chunks", "sentences")}

    def documents(self) -> list[DocumentInfo]:
        """Every stored article, newest first."""
        return self.documents_after(0)[0]

    def documents_after(self, position: int = 0) -> tuple[list[DocumentInfo], int]:
        """Articles stored since `position` (0: all), newest first, and the position to pass next."""
        with storage_errors(self.settings.database):
            return self._listing.documents_after(position)

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

    def model_reads(self, language: str) -> bool:
        """Do this archive's vectors place a text in this language by its meaning?"""
        return reads(canonical_model_name(self.settings.model), language)

    def embed_query(self, query: str) -> np.ndarray:
        """The normalised vector of one query."""
        return self.query_embedder.embed_queries([query])[0]

    def search(
        self, query: str, k: int = 5, vector: np.ndarray | None = None, language: str | None = None
    ) -> list[Hit]:
        """The k best passages for a query: dense and BM25 rankings fused (BM25 alone for a language
        the model does not read). The query's words are read as `language` (detected when not given)."""
        query = " ".join(query.split())
        if not query or k <= 0:
            return []
        if vector is None:
            vector = self.embed_query(query)
        language = language or question_language(query)
        with self._guard():
            derived = self._searchable()
            dense = derived.dense(vector, max(CANDIDATES, k), self._store)
            lexical = derived.lexical(query, max(CANDIDATES, k), language)
            # A model that does not read the query's language ranks by noise (index/model_traits.py).
            both = self.model_reads(language)
            fused = reciprocal_rank_fusion(
                {"dense": dense.ids, "lexical": lexical.ids} if both else {"lexical": lexical.ids}
            )
            top = fused[: k * 2]  # extra in case another process removed some chunks meanwhile
            rows = self._store.chunks_by_id([f.id for f in top])
        return passages(top, rows, dense, lexical)[:k]
