"""The FAISS vector index over chunk ids, its type chosen by size in one place."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

# Below this many vectors exact search is fast enough (~2 ms at 10k, ~10 ms at 50k on 2 cores) and
# has perfect recall; above it an IVF index answers in a few ms at 1M. IVF rather than HNSW because
# FAISS's HNSW cannot remove vectors, and a news archive replaces and deletes articles in place.
EXACT_LIMIT = 50_000
# nprobe of the IVF index: bench/index_bench.py measured recall@10 against exact search for it.
IVF_NPROBE = 48


@dataclass(frozen=True)
class VectorHits:
    ids: np.ndarray  # chunk ids, best first
    scores: np.ndarray  # inner products of normalised vectors (cosine similarity)


def ivf_lists(count: int) -> int:
    """IVF cell count: ~4·sqrt(n), FAISS's usual choice, so cells hold a few hundred vectors."""
    return max(64, int(4 * math.sqrt(count)))


class VectorIndex:
    """Chunk vectors by chunk id: add, remove, search, save, load."""

    def __init__(self, index: faiss.Index):
        self._index = index

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, dimension: int) -> VectorIndex:
        """A new index for these vectors, exact or IVF by their number."""
        count = len(ids)
        if count < EXACT_LIMIT:
            index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        else:
            quantizer = faiss.IndexFlatIP(dimension)
            ivf = faiss.IndexIVFFlat(quantizer, dimension, ivf_lists(count), faiss.METRIC_INNER_PRODUCT)
            # 40 training points per cell is FAISS's recommended floor; more only slows training.
            sample = vectors[np.random.default_rng(0).permutation(count)[: ivf.nlist * 40]]
            ivf.train(np.ascontiguousarray(sample))
            ivf.nprobe = IVF_NPROBE
            index = ivf
        if count:
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return cls(index)

    @property
    def kind(self) -> str:
        return "ivf" if isinstance(self._index, faiss.IndexIVF) else "exact"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """Every chunk id the index holds, sorted."""
        if isinstance(self._index, faiss.IndexIDMap):
            found = faiss.vector_to_array(self._index.id_map)
        else:
            ivf = faiss.extract_index_ivf(self._index)
            lists = ivf.invlists
            assert lists is not None
            parts = [
                faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy() for i in range(ivf.nlist)
            ]
            found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return np.sort(found.astype(np.int64))

    def needs_rebuild(self) -> bool:
        """True when the index type no longer suits the number of vectors it holds."""
        wanted = "exact" if len(self) < EXACT_LIMIT else "ivf"
        if wanted != self.kind:
            return True
        # IVF cells trained for far fewer vectors grow slow; retrain when the archive has quadrupled.
        return self.kind == "ivf" and ivf_lists(len(self)) > 2 * faiss.extract_index_ivf(self._index).nlist

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]  # FAISS's stub names only IDSelector

    def search(self, vector: np.ndarray, k: int) -> VectorHits:
        if len(self) == 0 or k <= 0:
            return VectorHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        # One query gains nothing from OpenMP threads and pays for waking them (3 ms at 15 vectors).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._index.search(np.ascontiguousarray(vector.reshape(1, -1)), min(k, len(self)))
        finally:
            faiss.omp_set_num_threads(threads)
        keep = ids[0] >= 0
        return VectorHits(ids[0][keep], scores[0][keep])

    def save(self, path: Path) -> None:
        """Write atomically: a reader never opens a half-written file."""
        temporary = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(temporary))
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = IVF_NPROBE
        return cls(index)
