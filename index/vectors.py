"""The FAISS vector index of a compacted segment, its type chosen by size in one place (`build`)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

# Below this many vectors exact search is fast enough (~2 ms at 10k, ~10 ms at 50k on 2 cores) and
# has perfect recall. Above it: IVF, whose cells hold scalar-quantized vectors (one byte per
# dimension, a quarter of float32: 6M chunks of the 1M-article archive take 2.3 GB instead of 9.2),
# memory-mapped, so only the cells searched are read into memory. The 8-bit codes cost little
# recall (bench/scale_bench.py measures recall@10 against exact search at each size). IVF rather
# than HNSW because FAISS's HNSW cannot remove vectors, and a news archive replaces articles.
EXACT_LIMIT = 50_000
# Cells searched per query. bench/scale_bench.py, 100,000 articles (381,000 chunks, 2,470 cells),
# recall@10 against exact search after re-scoring (derived.py) and ms per search: nprobe 24 0.932,
# 48 0.967, 96 0.978 (~3.5 ms), 192 0.987 (~5 ms). 96: more than a point of recall for ~1 ms.
IVF_NPROBE = 96
TRAINING_PER_CELL = 40  # FAISS's recommended floor of training points per cell; more only slows training


@dataclass(frozen=True)
class VectorHits:
    ids: np.ndarray  # chunk ids, best first
    scores: np.ndarray  # inner products of normalised vectors (cosine similarity)


def ivf_lists(count: int) -> int:
    """IVF cell count: ~4·sqrt(n), FAISS's usual choice, so cells hold a few hundred vectors."""
    return max(64, int(4 * math.sqrt(count)))


def kind_for(count: int) -> str:
    return "exact" if count < EXACT_LIMIT else "ivf"


def training_size(count: int) -> int:
    """How many vectors `trained` wants to see for an index of `count` vectors."""
    return 0 if kind_for(count) == "exact" else min(count, ivf_lists(count) * TRAINING_PER_CELL)


class Excluded:
    """Chunk ids a search must skip (removed since the segment was written), as FAISS selects them."""

    def __init__(self, ids: np.ndarray):
        self.ids = np.asarray(ids, dtype=np.int64)
        self._batch = faiss.IDSelectorBatch(self.ids)  # kept: the Not selector does not own it
        self.selector = faiss.IDSelectorNot(self._batch)


class VectorIndex:
    """Chunk vectors by chunk id: build, add, remove, search, save, load."""

    def __init__(self, index: faiss.Index, mapped: bool = False):
        self._index = index
        self._mapped = mapped  # FAISS aborts the process if a mapped index is changed

    @classmethod
    def trained(cls, sample: np.ndarray, count: int, dimension: int) -> VectorIndex:
        """An empty index of the type that suits `count` vectors, trained on a sample of them."""
        if kind_for(count) == "exact":
            return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))
        quantizer = faiss.IndexFlatIP(dimension)
        lists = min(ivf_lists(count), max(1, len(sample) // TRAINING_PER_CELL))
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
        ivf.nprobe = IVF_NPROBE
        return cls(ivf)

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, dimension: int) -> VectorIndex:
        """A new index holding these vectors, exact or IVF by their number."""
        count = len(ids)
        sample = vectors[np.random.default_rng(0).permutation(count)[: training_size(count)]]
        index = cls.trained(sample, count, dimension)
        index.add(ids, vectors)
        return index

    @property
    def kind(self) -> str:
        return "ivf" if isinstance(self._index, faiss.IndexIVF) else "exact"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def suits(self, count: int) -> bool:
        """Whether this index still suits `count` vectors, or a new one must be trained."""
        if kind_for(count) != self.kind:
            return False
        # IVF cells trained for far fewer vectors grow slow; retrain when the archive has quadrupled.
        return self.kind == "exact" or ivf_lists(count) <= 2 * faiss.extract_index_ivf(self._index).nlist

    def sample_ids(self, count: int) -> np.ndarray:
        """Up to `count` of the chunk ids this index holds, spread over it: a check that reads
        only those, whatever the index's size."""
        if isinstance(self._index, faiss.IndexIDMap):
            id_map = self._index.id_map
            positions = np.unique(np.linspace(0, id_map.size() - 1, min(count, id_map.size())).astype(int))
            return np.array([id_map.at(int(p)) for p in positions], dtype=np.int64)
        ivf = faiss.extract_index_ivf(self._index)
        lists = ivf.invlists
        assert lists is not None
        found = []
        for cell in np.unique(np.linspace(0, ivf.nlist - 1, min(count, ivf.nlist)).astype(int)):
            if size := lists.list_size(int(cell)):
                found.append(int(faiss.rev_swig_ptr(lists.get_ids(int(cell)), size)[0]))
        return np.array(found, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        assert not self._mapped, "a memory-mapped index is read-only"
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        assert not self._mapped, "a memory-mapped index is read-only"
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]  # FAISS's stub names only IDSelector

    def search(self, vector: np.ndarray, k: int, excluded: Excluded | None = None) -> VectorHits:
        if len(self) == 0 or k <= 0:
            return VectorHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        params = None
        if excluded is not None and len(excluded.ids):
            params = faiss.SearchParametersIVF() if self.kind == "ivf" else faiss.SearchParameters()
            params.sel = excluded.selector
            if isinstance(params, faiss.SearchParametersIVF):
                params.nprobe = IVF_NPROBE  # parameters given replace the index's own
        # One query gains nothing from OpenMP threads and pays for waking them (3 ms at 15 vectors).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
            scores, ids = self._index.search(query, min(k, len(self)), params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        keep = ids[0] >= 0
        return VectorHits(ids[0][keep], scores[0][keep])

    def save(self, path: Path) -> None:
        """Write and flush to disk before the segment is named in the manifest."""
        faiss.write_index(self._index, str(path))
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())

    @classmethod
    def load(cls, path: Path, mapped: bool = True) -> VectorIndex:
        """Read an index; `mapped`, its vectors stay on disk (the pages searched are cached) and it is read-only."""
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mapped else 0
        index = faiss.read_index(str(path), flags)
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = IVF_NPROBE
        return cls(index, mapped)
