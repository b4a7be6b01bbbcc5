"""BM25 over postings on disk plus fresh ones in memory scores exactly as one BM25 index over all chunks."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from index.chunking import split_sentences
from index.derived import Derived
from index.lexical import K1, B, tokenize
from index.postings import MainPostings, merge
from index.segment import Segment
from tests.support.archive import seed_articles

QUERIES = ["Kazgeology", "butadiene", "88", "2021-2025", "18%", "geological exploration agreement",
           "Prime Minister Mamin Minsk", "cooperation cooperation", "digital initiatives rejected"]  # fmt: skip


def chunk_texts() -> list[str]:
    """Every sentence of the seeds, and pairs of them: varied lengths, shared and rare words."""
    sentences = [s.text for _, a in seed_articles() for s in split_sentences(a.paragraphs)]
    return sentences + [f"{a} {b}" for a, b in itertools.pairwise(sentences)]


def reference(texts: list[str], query: str, compacted: int = 0) -> np.ndarray:
    """BM25 as bm25s computes it by default (the Lucene variant), written out plainly; lengths are
    normalized by the average of the first `compacted` texts (the segment's) if there are any."""
    documents = [Counter(tokenize(t)) for t in texts]
    normalizing = documents[:compacted] or documents
    average = sum(sum(d.values()) for d in normalizing) / len(normalizing)
    scores = np.zeros(len(texts))
    for term in tokenize(query):
        frequency = sum(term in d for d in documents)
        idf = math.log(1 + (len(texts) - frequency + 0.5) / (frequency + 0.5))
        for i, d in enumerate(documents):
            length = sum(d.values())
            scores[i] += idf * d[term] / (d[term] + K1 * (1 - B + B * length / average))
    return scores


def view(tmp_path: Path, texts: list[str], compacted: int) -> Derived:
    """The first `compacted` texts in a segment on disk (chunk ids from 1), the rest fresh."""
    merge(tmp_path, None, np.zeros(0, dtype=np.bool_), (tokenize(t) for t in texts[:compacted]))
    empty = Segment.empty(8)
    segment = Segment(
        "s", compacted, 0, np.arange(1, compacted + 1), empty.vectors, MainPostings.open(tmp_path)
    )
    derived = Derived(segment, 8)
    fresh = np.arange(compacted + 1, len(texts) + 1)
    derived.fresh.append(
        fresh, [tokenize(t) for t in texts[compacted:]], np.zeros((len(fresh), 8), np.float32)
    )
    return derived


@pytest.mark.parametrize("compacted", [0, 30, "all"])
def test_scores_match_one_bm25_index_over_all_chunks(tmp_path: Path, compacted: int | str) -> None:
    """Exactly bm25s's scores when one half holds every chunk; with both, lengths are normalized by
    the segment's average until the next compaction, as Lucene normalizes by its segments'."""
    texts = chunk_texts()
    compacted = len(texts) if compacted == "all" else int(compacted)
    derived = view(tmp_path, texts, compacted)
    for query in QUERIES:
        expected = reference(texts, query, compacted)
        hits = derived.lexical(query, 10)
        assert len(hits.ids) == min(10, int(np.count_nonzero(expected))), query
        assert np.allclose(hits.scores, expected[hits.ids - 1], rtol=1e-5), query
        best = sorted(range(len(texts)), key=lambda i: (-expected[i], i))[: len(hits.ids)]
        assert [int(i) - 1 for i in hits.ids] == best, query
        term = tokenize(query)[0]
        frequency = sum(term in tokenize(t) for t in texts)
        assert derived.idf(term) == pytest.approx(
            math.log(1 + (len(texts) - frequency + 0.5) / (frequency + 0.5))
        )


def test_merging_drops_removed_rows_and_keeps_the_rest(tmp_path: Path) -> None:
    texts = chunk_texts()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    merge(first, None, np.zeros(0, dtype=np.bool_), (tokenize(t) for t in texts[:40]))
    keep = np.ones(40, dtype=np.bool_)
    keep[::3] = False
    merge(second, MainPostings.open(first), keep, (tokenize(t) for t in texts[40:]))
    merged = MainPostings.open(second)
    survivors = [t for t, k in zip(texts[:40], keep, strict=True) if k] + texts[40:]
    assert merged.count == len(survivors)
    assert merged.lengths.tolist() == [len(tokenize(t)) for t in survivors]
    for term in ("kazgeolog", "88", "2021-2025", "minsk", "nothing-like-this"):
        holding = [row for row, t in enumerate(survivors) if term in tokenize(t)]
        found = merged.postings(term)
        assert (found[0].tolist() if found else []) == holding, term
        assert merged.frequency(term) == len(holding)
