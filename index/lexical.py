"""BM25 over chunk texts: exact names and numbers that embeddings blur.

The tokenizer, the scoring formula, and the small in-memory postings of the chunks added since the
last compaction; the compacted postings live on disk (index/postings.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# BM25 as bm25s scored it ("lucene" variant, Kamphuis et al. 2020, and bm25s's k1 and b) before the
# postings moved to disk: rankings, hence the eval table, stay the same (tests/test_lexical.py).
K1 = 1.5
B = 0.75

# Words plus numbers with their inner punctuation ("2021-2025", "18%", "COVID-19") kept whole,
# because news questions quote figures and codes exactly.
_TOKEN = re.compile(r"\w+(?:[-.,%]\w+)*%?", re.UNICODE)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "you",
        "your",
        "about",
        "into",
        "than",
        "then",
        "there",
        "these",
        "those",
        "also",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    # Snowball stems, as bm25s recommends: "agreements" finds "agreement", "signed" finds "sign".
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word and number tokens without stop words."""
    return [_stemmer().stemWord(t) if t.isalpha() else t for t in _raw_tokens(text)]


def _raw_tokens(text: str) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOPWORDS:
            continue
        tokens.append(token)
        # "2021-2025" should also match a question that writes "2021" alone.
        if "-" in token:
            tokens.extend(part for part in token.split("-") if part and part not in _STOPWORDS)
        if token.endswith("%"):
            tokens.append(token[:-1])
    return tokens


def term_counts(tokens: Iterable[str]) -> Counter[str]:
    return Counter(tokens)


def idf(frequency: int, count: int) -> float:
    """BM25's inverse document frequency of a term found in `frequency` of `count` chunks."""
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


def term_scores(tf: np.ndarray, lengths: np.ndarray, weight: float, average_length: float) -> np.ndarray:
    """One query term's BM25 contribution to each chunk that holds it `tf` times."""
    tf = tf.astype(np.float32)
    return weight * tf / (K1 * (1 - B + B * lengths.astype(np.float32) / average_length) + tf)


@dataclass(frozen=True)
class LexicalHits:
    ids: np.ndarray
    scores: np.ndarray


def top(ids: np.ndarray, scores: np.ndarray, k: int) -> LexicalHits:
    """The k best positive scores, ties in the order of `ids` (chunk ids, oldest first)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        threshold = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= threshold]
    order = positive[np.lexsort((positive, -scores[positive]))][:k]
    return LexicalHits(ids[order], scores[order].astype(np.float32))
