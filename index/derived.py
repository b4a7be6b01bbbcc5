"""What searches run on: the compacted segment, plus the chunks added and removed since, in memory.

Both halves are derived data. The store holds every chunk's text and vector and logs every removed
chunk id, so a view catches up with any later state of the store by reading only what changed
(`follow`), and a missing segment is rebuilt from the store (`dossier index compact`), never
re-embedded.

Like Lucene until a merge, BM25's statistics still count chunks removed since the last compaction,
and term frequencies are normalized by the segment's average length: following a change then costs
nothing, and after compaction the scores are exactly bm25s's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from index.fresh import FreshChunks
from index.lexical import LexicalHits, idf, term_scores, tokenize, top
from index.segment import Segment
from index.store import Store
from index.vectors import Excluded, VectorHits

FOLLOW_BATCH = 10_000  # chunks read from the store at a time while catching up


@dataclass
class Change:
    """Chunks added and removed since a view last looked, up to (last chunk id, last removal)."""

    last_chunk: int
    last_removal: int
    ids: np.ndarray
    texts: list[str]
    languages: list[str]
    vectors: np.ndarray
    removed: np.ndarray
    tokens: list[list[str]] | None = None

    def tokenize(self) -> None:
        self.tokens = [tokenize(t, language) for t, language in zip(self.texts, self.languages, strict=True)]


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

    def changes(self, store: Store) -> Change:
        """What was added and removed since the last look (reads only that, in one snapshot)."""
        with store.snapshot():
            last_chunk, last_removal = store.last_chunk_id(), store.last_removal()
            removed = store.removed_after(self._last_removal, last_removal)
            parts = []
            after = self._last_chunk
            while after < last_chunk:
                part = store.chunks_after(after, last_chunk, self._dimension, FOLLOW_BATCH)
                if not len(part.ids):
                    break
                parts.append(part)
                after = int(part.ids[-1])
        ids = np.concatenate([p.ids for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        texts = [t for p in parts for t in p.texts]
        languages = [language for p in parts for language in p.languages]
        vectors = (
            np.concatenate([p.vectors for p in parts])
            if parts
            else np.zeros((0, self._dimension), np.float32)
        )
        return Change(last_chunk, last_removal, ids, texts, languages, vectors, removed)

    def apply(self, change: Change) -> None:
        """Take in a change read by `changes` (and tokenized: `Change.tokenize`, which needs no lock)."""
        if change.tokens is None:
            change.tokenize()
        assert change.tokens is not None
        self.fresh.append(change.ids, change.tokens, change.vectors)
        # MAX(id) falls back when the newest chunks are removed; ids are never reused, so the
        # cursor need not follow it down.
        self._last_chunk = max(self._last_chunk, change.last_chunk)
        self._last_removal = change.last_removal
        if len(change.removed):
            self.fresh.remove(change.removed)
            self._removed = np.union1d(self._removed, change.removed)
            self._excluded = Excluded(self._removed)
            self._removed_rows = self.segment.rows_of(self._removed)

    def follow(self, store: Store) -> None:
        """Take in the chunks added and removed since the last look."""
        self.apply(self.changes(store))

    def dense(self, vector: np.ndarray, k: int, store: Store | None = None) -> VectorHits:
        """The k nearest chunks. With `store`, an IVF segment's 8-bit candidates (twice k) are
        scored again with the stored float32 vectors: exact cosines, and the quantization's
        misorderings undone (recall@10 at 100,000 articles, nprobe 48: 0.962 -> 0.967)."""
        rescore = store is not None and self.segment.vectors.kind == "ivf"
        compacted = self.segment.vectors.search(vector, 2 * k if rescore else k, self._excluded)
        if rescore and store is not None and len(compacted.ids):
            ids, stored = store.vectors_of(np.sort(compacted.ids).tolist(), self._dimension)
            compacted = VectorHits(ids, stored @ vector.astype(np.float32))
        ids, scores = self.fresh.search(vector, k)
        ids = np.concatenate((compacted.ids, ids))
        scores = np.concatenate((compacted.scores, scores))
        best = np.argsort(-scores, kind="stable")[:k]
        return VectorHits(ids[best], scores[best])

    def _statistics(self) -> tuple[int, float]:
        """(chunk count over both halves, the average length that normalizes term frequencies).

        The average is the segment's, whose postings carry weights computed with it; the fresh part
        (at most a few percent of the chunks) is normalized the same way until the next compaction.
        """
        count = self.segment.postings.count + self.fresh.count
        if self.segment.postings.count:
            return count, self.segment.postings.average_length
        return count, (self.fresh.total_length / count if count else 0.0)

    def idf(self, token: str) -> float:
        count, _ = self._statistics()
        return idf(self.segment.postings.frequency(token) + self.fresh.frequency(token), count)

    def lexical(self, query: str, k: int, language: str = "en") -> LexicalHits:
        """The k best chunks by BM25 for a query in `language` (how its words are tokenized)."""
        count, average = self._statistics()
        tokens = Counter(tokenize(query, language))
        if not tokens or not average or k <= 0:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        compacted = np.zeros(self.segment.postings.count, dtype=np.float32)
        fresh = np.zeros(self.fresh.count, dtype=np.float32)
        for term, times in tokens.items():
            # A repeated query word counts each time, as bm25s counted it.
            weight = times * idf(self.segment.postings.frequency(term) + self.fresh.frequency(term), count)
            found = self.segment.postings.postings(term)
            if found is not None:
                rows, weights = found
                compacted[rows] += weight * weights
            found = self.fresh.postings(term)
            if found is not None:
                rows, tfs = found
                fresh[rows] += term_scores(tfs, self.fresh.lengths[rows], weight, average)
        compacted[self._removed_rows] = 0
        fresh[~self.fresh.alive] = 0
        old, new = top(self.segment.ids, compacted, k), top(self.fresh.ids, fresh, k)
        # Ties go to the older chunk, as when one index held them all: fresh ids are the newest.
        ids, scores = np.concatenate((old.ids, new.ids)), np.concatenate((old.scores, new.scores))
        best = np.argsort(-scores, kind="stable")[:k]
        return LexicalHits(ids[best], scores[best])
