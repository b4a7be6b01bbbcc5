"""What searches run on: the compacted segment, plus the chunks added and removed since, in memory.

Both halves are derived data. The store holds every chunk's text and vector and logs every removed
chunk id, so a view catches up with any later state of the store by reading only what changed
(`follow`), and a missing segment is rebuilt from the store (`dossier index compact`), never
re-embedded.

Like Lucene until a merge, BM25's statistics (chunk count, term frequencies, average length) still
count chunks removed since the last compaction: following a removal then costs nothing, and after
compaction the scores are exactly bm25s's.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from index.fresh import FRESH_LIMIT, FreshChunks
from index.lexical import LexicalHits, idf, term_scores, tokenize, top
from index.segment import Segment
from index.store import Store
from index.vectors import Excluded, VectorHits

FOLLOW_BATCH = 10_000  # chunks read from the store at a time while catching up


class Derived:
    """Dense and lexical search over one segment and the changes since; `follow` brings it up to date."""

    def __init__(self, segment: Segment, dimension: int):
        self.segment = segment
        self.fresh = FreshChunks(dimension)
        self._dimension = dimension
        self._last_chunk = segment.last_chunk
        self._last_removal = segment.last_removal
        self._removed = np.zeros(0, dtype=np.int64)  # since the segment was written
        self._excluded: Excluded | None = None
        self._removed_rows = np.zeros(0, dtype=np.int64)  # the segment's BM25 rows of those

    @property
    def needs_compaction(self) -> bool:
        return self.fresh.count + len(self._removed) > FRESH_LIMIT

    def follow(self, store: Store) -> None:
        """Take in the chunks added and removed since the last look; reads only those."""
        with store.snapshot():
            last_chunk, last_removal = store.last_chunk_id(), store.last_removal()
            removed = store.removed_after(self._last_removal, last_removal)
            after = self._last_chunk
            while after < last_chunk:
                ids, texts, vectors = store.chunks_after(after, last_chunk, self._dimension, FOLLOW_BATCH)
                if not len(ids):
                    break
                self.fresh.append(ids, texts, vectors)
                after = int(ids[-1])
        self._last_chunk, self._last_removal = last_chunk, last_removal
        if len(removed):
            self.fresh.remove(np.sort(removed))
            self._removed = np.union1d(self._removed, removed)
            self._excluded = Excluded(self._removed)
            self._removed_rows = self.segment.rows_of(self._removed)

    def dense(self, vector: np.ndarray, k: int) -> VectorHits:
        compacted = self.segment.vectors.search(vector, k, self._excluded)
        ids, scores = self.fresh.search(vector, k)
        if not len(ids):
            return compacted
        ids = np.concatenate((compacted.ids, ids))
        scores = np.concatenate((compacted.scores, scores))
        best = np.argsort(-scores, kind="stable")[:k]
        return VectorHits(ids[best], scores[best])

    def _statistics(self) -> tuple[int, float]:
        """(chunk count, average length in tokens) over both halves."""
        count = self.segment.postings.count + self.fresh.count
        total = self.segment.postings.total_length + self.fresh.total_length
        return count, (total / count if count else 0.0)

    def idf(self, token: str) -> float:
        count, _ = self._statistics()
        return idf(self.segment.postings.frequency(token) + self.fresh.frequency(token), count)

    def lexical(self, query: str, k: int) -> LexicalHits:
        count, average = self._statistics()
        tokens = Counter(tokenize(query))
        if not tokens or not average or k <= 0:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        compacted = np.zeros(self.segment.postings.count, dtype=np.float32)
        fresh = np.zeros(self.fresh.count, dtype=np.float32)
        for term, times in tokens.items():
            # A repeated query word counts each time, as bm25s counted it.
            weight = times * idf(self.segment.postings.frequency(term) + self.fresh.frequency(term), count)
            for source, scores in ((self.segment.postings, compacted), (self.fresh, fresh)):
                found = source.postings(term)
                if found is not None:
                    rows, tfs = found
                    scores[rows] += term_scores(tfs, source.lengths[rows], weight, average)
        compacted[self._removed_rows] = 0
        fresh[~self.fresh.alive] = 0
        old, new = top(self.segment.ids, compacted, k), top(self.fresh.ids, fresh, k)
        # Ties go to the older chunk, as when one index held them all: fresh ids are the newest.
        ids, scores = np.concatenate((old.ids, new.ids)), np.concatenate((old.scores, new.scores))
        best = np.argsort(-scores, kind="stable")[:k]
        return LexicalHits(ids[best], scores[best])
