"""The new-article notice: what it says, before any surface renders it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.models import DocumentInfo, Sentence

LEAD_BONUS = 0.05  # news puts the gist first; a small nudge towards the lead sentence


@dataclass(frozen=True)
class Notice:
    document: DocumentInfo
    summary: tuple[str, ...]  # two or three sentences, in article order, all cited to [1]


def summarise(sentences: list[Sentence], vectors: np.ndarray, count: int = 3) -> tuple[str, ...]:
    """Centroid summary: the sentences closest to the article's mean meaning, in reading order."""
    if not sentences:
        return ()
    centroid = vectors.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    scores = vectors @ centroid
    scores[0] += LEAD_BONUS
    count = 2 if len(sentences) <= 6 else count
    chosen = sorted(np.argsort(-scores)[:count].tolist())
    return tuple(sentences[i].text for i in chosen)
