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
    ranks: tuple[int, ...] = ()  # positions in `summary`, the most central sentence first

    def shortened(self, sentences: int) -> tuple[str, ...]:
        """The `sentences` most central sentences of the summary, in article order (a chat's setting)."""
        ranks = self.ranks or tuple(range(len(self.summary)))
        return tuple(self.summary[i] for i in sorted(ranks[: max(sentences, 1)]))


def summarise(sentences: list[Sentence], vectors: np.ndarray, count: int = 3) -> tuple[str, ...]:
    """Centroid summary: the sentences closest to the article's mean meaning, in reading order."""
    return tuple(sentences[i].text for i in sorted(central(sentences, vectors, count)))


def central(sentences: list[Sentence], vectors: np.ndarray, count: int = 3) -> list[int]:
    """Positions of the sentences closest to the article's mean meaning, the closest first."""
    if not sentences:
        return []
    centroid = vectors.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    scores = vectors @ centroid
    scores[0] += LEAD_BONUS
    count = min(count, 2) if len(sentences) <= 6 else count
    return [int(i) for i in np.argsort(-scores)[:count]]


def notice_of(document: DocumentInfo, sentences: list[Sentence], vectors: np.ndarray) -> Notice:
    """The notice of an article: its summary in reading order, and which sentence is most central."""
    best = central(sentences, vectors)
    order = sorted(best)
    return Notice(document, tuple(sentences[i].text for i in order), tuple(order.index(i) for i in best))
