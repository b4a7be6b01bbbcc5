"""BM25 over chunk texts with bm25s: exact names and numbers that embeddings blur."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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


@dataclass(frozen=True)
class LexicalHits:
    ids: np.ndarray
    scores: np.ndarray


class LexicalIndex:
    """A BM25 index; rebuilt from the store on load, which takes milliseconds per thousand chunks."""

    def __init__(self, ids: np.ndarray, texts: list[str]):
        import bm25s

        # bm25s sets its own logger to DEBUG on import, which would print on every load.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._ids = ids
        self._retriever = bm25s.BM25()
        corpus = [tokenize(t) for t in texts]
        self._document_frequency: dict[str, int] = {}
        for tokens in corpus:
            for token in set(tokens):
                self._document_frequency[token] = self._document_frequency.get(token, 0) + 1
        self._size = len(corpus)
        self._empty = not any(corpus)
        if corpus and not self._empty:
            self._retriever.index(_to_bm25s(corpus), show_progress=False)

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency of a (tokenized) term; unseen terms weigh the most."""
        frequency = self._document_frequency.get(token, 0)
        return math.log(1 + (self._size - frequency + 0.5) / (frequency + 0.5))

    def search(self, query: str, k: int) -> LexicalHits:
        tokens = tokenize(query)
        if self._empty or not tokens or k <= 0:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        scores = self._retriever.get_scores(tokens)
        top = np.argsort(-scores, kind="stable")[:k]
        top = top[scores[top] > 0]
        return LexicalHits(self._ids[top], scores[top].astype(np.float32))


def _to_bm25s(corpus: list[list[str]]):  # type: ignore[no-untyped-def]
    """bm25s's own Tokenized form (ids plus vocabulary) from our token lists."""
    import bm25s

    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(token, len(vocab)) for token in doc] for doc in corpus]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
