"""The archive: one index directory (SQLite store + FAISS + BM25) behind build/add/remove/search."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.chunking import make_chunks, split_sentences
from index.embedding import Embedder, canonical_model_name, load_document_embedder, load_query_embedder
from index.errors import CorruptIndex, DocumentNotFound, IndexNotBuilt, IndexNotWritable, ModelMismatch
from index.fusion import reciprocal_rank_fusion
from index.lexical import LexicalIndex
from index.models import AddResult, Article, Chunk, DocumentInfo, Hit, Sentence
from index.store import Store
from index.vectors import VectorIndex

logger = logging.getLogger(__name__)

FORMAT_VERSION = "2"
DB_NAME = "dossier.sqlite3"
CANDIDATES = 50  # per retriever, before fusion


def document_id(article: Article) -> str:
    """Id from the normalised title and body: the same article always gets the same id."""
    normalised = unicodedata.normalize("NFKC", f"{article.title}\n{article.text}")
    normalised = " ".join(normalised.split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def origin_key(article: Article) -> str | None:
    """What makes a changed article 'the same article': its URL, else the file it came from."""
    return article.url or article.origin


@dataclass(frozen=True)
class _Prepared:
    item: str
    article: Article
    doc_id: str
    sentences: list[Sentence]
    chunks: list[Chunk]


@dataclass(frozen=True)
class IndexSettings:
    """The parts of the settings the archive uses."""

    data_dir: Path
    model: str
    backend: str = "onnx"
    chunk_tokens: int = 160
    chunk_overlap: int = 1


class Archive:
    """Documents, chunks and sentences of one data directory, searchable by meaning and by words."""

    def __init__(self, settings: IndexSettings, store: Store, embedder: Embedder | None):
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self._document_embedder = embedder
        self.revision = ""
        self._vectors: VectorIndex | None = None
        self._lexical: LexicalIndex | None = None

    # Opening
    @classmethod
    def open(
        cls, settings: IndexSettings, embedder: Embedder | None = None, readonly: bool = True
    ) -> Archive:
        """Open an existing index; refuses one built with another model or format."""
        path = settings.data_dir / DB_NAME
        if not path.exists():
            raise IndexNotBuilt(
                f"there is no index in {settings.data_dir} yet; build it with: dossier index build"
            )
        archive = cls(settings, Store(path, readonly=readonly), embedder)
        archive._check_manifest()
        archive._load_derived()
        return archive

    @classmethod
    def open_or_create(cls, settings: IndexSettings, embedder: Embedder | None = None) -> Archive:
        """Open for writing, creating an empty index when there is none."""
        _ensure_writable(settings.data_dir)
        path = settings.data_dir / DB_NAME
        store = Store(path)
        archive = cls(settings, store, embedder)
        if not store.manifest():
            with store.transaction():
                store.set_manifest(archive._fresh_manifest())
        archive._check_manifest()
        archive._load_derived()
        return archive

    @classmethod
    def for_build(cls, settings: IndexSettings, embedder: Embedder | None = None) -> Archive:
        """Open for a full rebuild: an index of another model, format or a damaged one is set aside."""
        _ensure_writable(settings.data_dir)
        path = settings.data_dir / DB_NAME
        if path.exists():
            try:
                archive = cls.open_or_create(settings, embedder)
                return archive
            except (CorruptIndex, ModelMismatch) as error:
                aside = path.with_name(f"{DB_NAME}.replaced-{datetime.now(UTC):%Y%m%d%H%M%S}")
                logger.warning("setting the old index aside as %s: %s", aside.name, error)
                for suffix in ("", "-wal", "-shm"):
                    old = Path(f"{path}{suffix}")
                    if old.exists():
                        old.rename(Path(f"{aside}{suffix}"))
                for stale in settings.data_dir.glob("chunks-*.faiss"):
                    stale.unlink()
        return cls.open_or_create(settings, embedder)

    def close(self) -> None:
        self.store.close()

    def _fresh_manifest(self) -> dict[str, str]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        embedder = self.document_embedder
        return {
            "format_version": FORMAT_VERSION,
            "model": embedder.name,
            "dimension": str(embedder.dimension),
            "revision": uuid.uuid4().hex,
            "built_at": now,
            "updated_at": now,
            "documents": "0",
            "chunks": "0",
            "sentences": "0",
        }

    def _check_manifest(self) -> None:
        manifest = self.store.manifest()
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelMismatch(
                f"the index in {self.settings.data_dir} has format version "
                f"{manifest.get('format_version', 'unknown')}, this Dossier reads {FORMAT_VERSION}; "
                "rebuild it with: dossier index build"
            )
        wanted = canonical_model_name(self.settings.model)
        if manifest.get("model") != wanted:
            raise ModelMismatch(
                f"the index in {self.settings.data_dir} was built with the model "
                f"{manifest.get('model')}, but DOSSIER_EMBEDDING_MODEL is {wanted}; "
                "rebuild it with: dossier index build"
            )

    @property
    def manifest(self) -> dict[str, str]:
        return self.store.manifest()

    @property
    def dimension(self) -> int:
        return int(self.store.manifest()["dimension"])

    # Embedders are loaded on first use: searching never needs the heavy document model.
    @property
    def query_embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_query_embedder(self.settings.model, self.settings.data_dir)
        return self._embedder

    @property
    def document_embedder(self) -> Embedder:
        if self._document_embedder is None:
            self._document_embedder = load_document_embedder(
                self.settings.model, self.settings.data_dir, self.settings.backend
            )
        return self._document_embedder

    # Derived indexes
    def _faiss_path(self, revision: str) -> Path:
        return self.settings.data_dir / f"chunks-{revision}.faiss"

    def _load_derived(self) -> None:
        """Load FAISS and BM25 for the store's current revision, rebuilding FAISS if it is missing."""
        revision = self.store.manifest()["revision"]
        path = self._faiss_path(revision)
        if path.exists():
            try:
                vectors = VectorIndex.load(path)
            except RuntimeError:
                raise CorruptIndex(
                    f"the vector index {path} is damaged; delete it to have it rebuilt from the "
                    f"database (rm {path}), or rebuild everything with: dossier index build"
                ) from None
        else:
            ids, matrix = self.store.chunk_vectors(self.dimension)
            vectors = VectorIndex.build(ids, matrix, self.dimension)
            logger.info("rebuilt the vector index for revision %s from the store", revision)
            self._save_vectors(vectors, revision)
        self._vectors = vectors
        self._lexical = LexicalIndex(*self.store.chunk_texts())
        self.revision = revision

    def _save_vectors(self, vectors: VectorIndex, revision: str) -> None:
        try:
            vectors.save(self._faiss_path(revision))
        except (OSError, RuntimeError) as error:
            # A read-only data directory can still be searched: the index lives in memory.
            logger.warning("could not save the vector index (%s); it will be rebuilt next time", error)
            return
        for old in self.settings.data_dir.glob("chunks-*.faiss"):
            if old.name != self._faiss_path(revision).name:
                old.unlink(missing_ok=True)

    def refresh(self) -> bool:
        """Pick up changes another process committed; True when the archive changed."""
        if self.store.manifest().get("revision") == self.revision:
            return False
        self._load_derived()
        return True

    # Reading
    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def counts(self) -> dict[str, int]:
        return self.store.counts()

    def term_weight(self, token: str) -> float:
        """How telling a tokenized term is in this archive (BM25 idf)."""
        assert self._lexical is not None
        return self._lexical.idf(token)

    def embed_query(self, query: str) -> np.ndarray:
        """The normalised vector of one query."""
        return self.query_embedder.embed_queries([query])[0]

    def search(self, query: str, k: int = 5, vector: np.ndarray | None = None) -> list[Hit]:
        """The k best passages for a query: dense and BM25 rankings fused."""
        assert self._vectors is not None and self._lexical is not None
        query = " ".join(query.split())
        if not query or k <= 0:
            return []
        if vector is None:
            vector = self.embed_query(query)
        dense = self._vectors.search(vector, max(CANDIDATES, k))
        lexical = self._lexical.search(query, max(CANDIDATES, k))
        fused = reciprocal_rank_fusion({"dense": dense.ids, "lexical": lexical.ids})
        dense_scores = dict(zip(dense.ids.tolist(), dense.scores.tolist(), strict=True))
        lexical_scores = dict(zip(lexical.ids.tolist(), lexical.scores.tolist(), strict=True))
        top = fused[: k * 2]  # extra in case another process removed some chunks meanwhile
        rows = self.store.chunks_by_id([f.id for f in top])
        hits = []
        for entry in top:
            if entry.id not in rows:
                continue
            document, chunk = rows[entry.id]
            hits.append(
                Hit(
                    chunk_id=entry.id,
                    document=document,
                    text=chunk.text,
                    start=chunk.start,
                    end=chunk.end,
                    first_sentence=chunk.first_sentence,
                    last_sentence=chunk.last_sentence,
                    score=entry.score,
                    dense_score=dense_scores.get(entry.id),
                    lexical_score=lexical_scores.get(entry.id),
                    ranks=entry.ranks,
                )
            )
        return hits[:k]

    # Writing
    def _prepare(self, item: str, article: Article) -> _Prepared:
        sentences = split_sentences(article.paragraphs)
        embedder = self.document_embedder
        chunks = make_chunks(
            article.text,
            sentences,
            embedder.count_tokens,
            self.settings.chunk_tokens,
            embedder.max_tokens,
            self.settings.chunk_overlap,
        )
        return _Prepared(item, article, document_id(article), sentences, chunks)

    def _embed(self, prepared: Sequence[_Prepared]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Sentence vectors from the model, in one batched pass; chunk vectors from their sentences.

        A chunk's vector is the normalised mean of its sentences' vectors: the model itself pools by
        averaging, and embedding chunks again would cost more than half the indexing time
        (bench/index_bench.py) for no measured gain in retrieval (README).
        """
        texts = [s.text for p in prepared for s in p.sentences]
        vectors = self.document_embedder.embed_documents(texts)
        result, at = [], 0
        for p in prepared:
            sentence_vectors = vectors[at : at + len(p.sentences)]
            at += len(p.sentences)
            chunk_vectors = (
                np.stack(
                    [sentence_vectors[c.first_sentence : c.last_sentence + 1].mean(axis=0) for c in p.chunks]
                )
                if p.chunks
                else np.zeros((0, vectors.shape[1]), dtype=np.float32)
            )
            norms = np.linalg.norm(chunk_vectors, axis=1, keepdims=True)
            result.append(
                (sentence_vectors, (chunk_vectors / np.clip(norms, 1e-12, None)).astype(np.float32))
            )
        return result

    def add(self, articles: Iterable[tuple[str, Article]], replace_all: bool = False) -> list[AddResult]:
        """Add articles: new ones are added, changed ones replace their old version, same ones skip.

        With `replace_all`, everything else in the index is removed in the same transaction (build).
        """
        results: list[AddResult] = []
        pending: list[_Prepared] = []
        seen: set[str] = set()
        for item, article in articles:
            doc_id = document_id(article)
            # Checked before chunking, so re-adding known articles never loads the model.
            if doc_id in seen or (not replace_all and self.store.find_document(doc_id)):
                results.append(AddResult(item, "unchanged", doc_id, article.title))
                continue
            seen.add(doc_id)
            pending.append(self._prepare(item, article))
        if not pending and not replace_all:
            return results
        vectors = self._embed(pending)
        try:
            results += self._commit(pending, vectors, replace_all)
        except sqlite3.OperationalError as error:
            raise IndexNotWritable(f"cannot write to {self.settings.data_dir}: {error}") from None
        return results

    def _commit(
        self,
        pending: Sequence[_Prepared],
        vectors: Sequence[tuple[np.ndarray, np.ndarray]],
        replace_all: bool,
    ) -> list[AddResult]:
        results = []
        with self.store.transaction():
            if self.store.manifest()["revision"] != self.revision:
                self._load_derived()  # another process wrote since we loaded: start from its state
            assert self._vectors is not None
            removed: list[int] = []
            if replace_all:
                for document in self.store.documents():
                    removed += self.store.delete_document(document.doc_id)
            added_ids: list[int] = []
            added_vectors: list[np.ndarray] = []
            for p, (sentence_vectors, chunk_vectors) in zip(pending, vectors, strict=True):
                key = origin_key(p.article)
                previous = self.store.doc_id_for_origin(key) if key else None
                if previous:
                    removed += self.store.delete_document(previous)
                ids = self.store.insert_document(
                    p.doc_id, key, p.article, p.sentences, sentence_vectors, p.chunks, chunk_vectors
                )
                added_ids += ids
                added_vectors.append(chunk_vectors)
                status = "updated" if previous else "added"
                results.append(AddResult(p.item, status, p.doc_id, p.article.title))
            revision = self._write_manifest(replace_all)
        self._apply_to_vectors(
            np.array(removed, dtype=np.int64), np.array(added_ids, dtype=np.int64), added_vectors, revision
        )
        return results

    def remove(self, doc_id: str) -> DocumentInfo:
        """Remove one document by id."""
        document = self.store.find_document(doc_id)
        if document is None:
            raise DocumentNotFound(f"no document with id {doc_id}; see: dossier index list")
        try:
            with self.store.transaction():
                if self.store.manifest()["revision"] != self.revision:
                    self._load_derived()
                removed = self.store.delete_document(doc_id)
                revision = self._write_manifest(False)
        except sqlite3.OperationalError as error:
            raise IndexNotWritable(f"cannot write to {self.settings.data_dir}: {error}") from None
        self._apply_to_vectors(np.array(removed, dtype=np.int64), np.zeros(0, dtype=np.int64), [], revision)
        return document

    def _write_manifest(self, rebuilt: bool) -> str:
        revision = uuid.uuid4().hex
        now = datetime.now(UTC).isoformat(timespec="seconds")
        values = {
            "revision": revision,
            "updated_at": now,
            **{k: str(v) for k, v in self.store.counts().items()},
        }
        if rebuilt:
            embedder = self.document_embedder
            values.update(
                built_at=now,
                model=embedder.name,
                dimension=str(embedder.dimension),
                format_version=FORMAT_VERSION,
            )
        self.store.set_manifest(values)
        return revision

    def _apply_to_vectors(
        self, removed: np.ndarray, added: np.ndarray, vectors: list[np.ndarray], revision: str
    ) -> None:
        assert self._vectors is not None
        self._vectors.remove(removed)
        if len(added):
            self._vectors.add(added, np.concatenate(vectors))
        if self._vectors.needs_rebuild():
            ids, matrix = self.store.chunk_vectors(self.dimension)
            self._vectors = VectorIndex.build(ids, matrix, self.dimension)
        self._save_vectors(self._vectors, revision)
        self._lexical = LexicalIndex(*self.store.chunk_texts())
        self.revision = revision


def _ensure_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IndexNotWritable(f"cannot create the data directory {data_dir}: {error.strerror}") from None
    if not os.access(data_dir, os.W_OK):
        raise IndexNotWritable(f"the data directory {data_dir} is not writable")
