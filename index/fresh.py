"""The chunks added since the last compaction, held in memory and searched beside the compacted ones.

Following an add costs the size of the add: its chunks' vectors and postings are appended (buffers
grow by doubling), never rebuilt. Exact search suits this part: compaction keeps it below
`FRESH_LIMIT` chunks, a few milliseconds of brute force.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence

import numpy as np

# Above this many fresh chunks compaction is due: exact search over 10,000 vectors takes 0.7 ms here
# (bench/index_bench.py), ~4 ms at 50,000, and the fresh part then holds ~100 MB.
FRESH_LIMIT = 50_000


class Growing:
    """A numpy array that grows at the end in amortised constant time."""

    def __init__(self, dtype: type | np.dtype, width: int = 0):
        shape = (16, width) if width else (16,)
        self._buffer = np.zeros(shape, dtype=dtype)
        self._size = 0

    def extend(self, values: np.ndarray) -> None:
        needed = self._size + len(values)
        if needed > len(self._buffer):
            grown = np.zeros(
                (max(needed, 2 * len(self._buffer)), *self._buffer.shape[1:]), self._buffer.dtype
            )
            grown[: self._size] = self._buffer[: self._size]
            self._buffer = grown
        self._buffer[self._size : needed] = values
        self._size = needed

    @property
    def values(self) -> np.ndarray:
        return self._buffer[: self._size]

    def __len__(self) -> int:
        return self._size


class FreshChunks:
    """Vectors and BM25 postings of the chunks added since the last compaction, rows in id order."""

    def __init__(self, dimension: int):
        self._ids = Growing(np.int64)
        self._alive = Growing(np.bool_)
        self._vectors = Growing(np.float32, dimension)
        self._lengths = Growing(np.int32)
        self.total_length = 0
        self._postings: dict[str, tuple[array, array]] = {}  # term -> (rows, term frequencies)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        return self._ids.values

    @property
    def alive(self) -> np.ndarray:
        return self._alive.values

    @property
    def lengths(self) -> np.ndarray:
        return self._lengths.values

    @property
    def count(self) -> int:
        return len(self._ids)

    def append(self, ids: np.ndarray, token_lists: Sequence[list[str]], vectors: np.ndarray) -> None:
        """Chunks newer than every chunk held (ids ascending), with their tokens."""
        first_row = len(self._ids)
        for row, tokens in enumerate(token_lists, start=first_row):
            for term, count in Counter(tokens).items():
                rows, tfs = self._postings.setdefault(term, (array("i"), array("H")))
                rows.append(row)
                tfs.append(count)
        self._ids.extend(ids)
        self._alive.extend(np.ones(len(ids), dtype=np.bool_))
        self._vectors.extend(vectors)
        lengths = np.array([len(t) for t in token_lists], dtype=np.int32)
        self._lengths.extend(lengths)
        self.total_length += int(lengths.sum())

    def remove(self, ids: np.ndarray) -> None:
        """Mark removed chunks; ids this part does not hold are ignored."""
        held = self.ids
        if not len(held) or not len(ids):
            return
        rows = np.searchsorted(held, ids)
        inside = rows < len(held)
        rows = rows[inside]
        self.alive[rows[held[rows] == ids[inside]]] = False

    def frequency(self, term: str) -> int:
        found = self._postings.get(term)
        return len(found[0]) if found else 0

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = self._postings.get(term)
        if not found:
            return None
        return np.array(found[0], dtype=np.int32), np.array(found[1], dtype=np.uint16)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner-product search: (ids, scores), best first."""
        if not len(self._ids) or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self._vectors.values @ vector.astype(np.float32)
        scores[~self.alive] = -np.inf
        best = np.argsort(-scores, kind="stable")[:k] if len(scores) <= k else _top(scores, k)
        best = best[np.isfinite(scores[best])]
        return self.ids[best], scores[best]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    candidates = np.argpartition(-scores, k - 1)[:k]
    return candidates[np.lexsort((candidates, -scores[candidates]))]
