"""Fusing the dense and lexical rankings into one, and the fused ranking into passages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.lexical import LexicalHits
from index.models import Chunk, DocumentInfo, Hit
from index.vectors import VectorHits

# RRF's usual constant (Cormack et al. 2009); bench/fusion_eval.py compared it with others.
RRF_K = 60


@dataclass(frozen=True)
class Fused:
    id: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: dict[str, np.ndarray], k: int = RRF_K) -> list[Fused]:
    """Score each id by the sum of 1/(k + rank) over the rankings it appears in, best first.

    Ranks, not raw scores, are fused because cosine similarities and BM25 scores live on
    unrelated scales that shift with every query and with the size of the archive.
    """
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ids in rankings.items():
        for rank, chunk_id in enumerate(ids.tolist(), start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
            ranks.setdefault(chunk_id, {})[name] = rank
    ordered = sorted(scores, key=lambda i: (-scores[i], min(ranks[i].values())))
    return [Fused(i, scores[i], ranks[i]) for i in ordered]


def passages(
    fused: list[Fused],
    rows: dict[int, tuple[DocumentInfo, Chunk]],
    dense: VectorHits,
    lexical: LexicalHits,
) -> list[Hit]:
    """The fused ranking as hits, each with its chunk, document and both retrievers' scores.

    Ids missing from `rows` (removed by another process since the search) are skipped.
    """
    dense_scores = dict(zip(dense.ids.tolist(), dense.scores.tolist(), strict=True))
    lexical_scores = dict(zip(lexical.ids.tolist(), lexical.scores.tolist(), strict=True))
    hits = []
    for entry in fused:
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
    return hits
