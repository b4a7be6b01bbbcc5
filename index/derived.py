"""The FAISS and BM25 indexes of one revision of the store: loaded, rebuilt, changed and saved.

Both are derived data. The store holds every chunk's text and vector, so a missing FAISS file (a crash
between the commit and the write) is rebuilt from it, never re-embedded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from index.config import IndexSettings
from index.errors import CorruptIndex
from index.lexical import LexicalHits, LexicalIndex
from index.store import Store
from index.vectors import VectorHits, VectorIndex

logger = logging.getLogger(__name__)


class Derived:
    """Dense and lexical search over the chunks of one revision."""

    def __init__(self, revision: str, vectors: VectorIndex, lexical: LexicalIndex):
        self.revision = revision
        self._vectors = vectors
        self._lexical = lexical

    @classmethod
    def load(cls, store: Store, settings: IndexSettings, revision: str, dimension: int) -> Derived:
        """The indexes for `revision`: FAISS from its file (rebuilt from the store if missing), BM25 built."""
        path = settings.vectors_file(revision)
        ids, texts = store.chunk_texts()
        vectors = None
        if path.exists():
            try:
                vectors = VectorIndex.load(path)
            except RuntimeError:
                raise CorruptIndex(
                    f"the vector index {path} is damaged; delete it to have it rebuilt from the "
                    f"database (rm {path}), or rebuild everything with: dossier index build"
                ) from None
            if not np.array_equal(vectors.ids(), ids):  # ids ascend in both
                # Searched, it would find chunks that are not there: dense search would be lost silently.
                logger.warning(
                    "the vector index %s holds other chunks than the database; rebuilding it", path
                )
                vectors = None
        if vectors is None:
            vectors = VectorIndex.build(*store.chunk_vectors(dimension), dimension)
            logger.info("rebuilt the vector index for revision %s from the store", revision)
            _save(vectors, settings, revision)
        return cls(revision, vectors, LexicalIndex(ids, texts))

    def apply(
        self,
        store: Store,
        settings: IndexSettings,
        change: tuple[Sequence[int], Sequence[int], Sequence[np.ndarray]],
        revision: str,
        dimension: int,
    ) -> None:
        """Follow a committed change (removed chunk ids, added chunk ids, their vectors) to `revision`."""
        removed, added, vectors = change
        self._vectors.remove(np.array(removed, dtype=np.int64))
        if added:
            self._vectors.add(np.array(added, dtype=np.int64), np.concatenate(vectors))
        if self._vectors.needs_rebuild():
            self._vectors = VectorIndex.build(*store.chunk_vectors(dimension), dimension)
        _save(self._vectors, settings, revision)
        self._lexical = LexicalIndex(*store.chunk_texts())
        self.revision = revision

    def dense(self, vector: np.ndarray, k: int) -> VectorHits:
        return self._vectors.search(vector, k)

    def lexical(self, query: str, k: int) -> LexicalHits:
        return self._lexical.search(query, k)

    def idf(self, token: str) -> float:
        return self._lexical.idf(token)


def _save(vectors: VectorIndex, settings: IndexSettings, revision: str) -> None:
    path = settings.vectors_file(revision)
    try:
        vectors.save(path)
    except (OSError, RuntimeError) as error:
        # A read-only data directory can still be searched: the index lives in memory.
        logger.warning("could not save the vector index (%s); it will be rebuilt next time", error)
        return
    for old in settings.vectors_files():
        if old.name != path.name:
            old.unlink(missing_ok=True)
