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

from index import stopwords

# BM25 as bm25s scored it ("lucene" variant, Kamphuis et al. 2020, and bm25s's k1 and b) before the
# postings moved to disk: rankings, hence the eval table, stay the same (tests/test_lexical.py).
K1 = 1.5
B = 0.75

# Words plus numbers with their inner punctuation ("2021-2025", "18%", "COVID-19", "Нур-Султан") kept
# whole, because news questions quote figures, codes and names exactly.
_TOKEN = re.compile(r"\w+(?:[-.,%]\w+)*%?", re.UNICODE)
# English and Russian text tokenize alike (each word by its script), so a question taken for the
# other language still finds its words; Kazakh has no Snowball stemmer and keeps its words whole.
_STOPWORDS = {
    "en": stopwords.ENGLISH | stopwords.RUSSIAN,
    "ru": stopwords.ENGLISH | stopwords.RUSSIAN,
    "kk": stopwords.ENGLISH | stopwords.KAZAKH,
}


@lru_cache(maxsize=2)
def _stemmer(algorithm: str):  # type: ignore[no-untyped-def]
    # Snowball stems, as bm25s recommends: "agreements" finds "agreement", "signed" finds "sign",
    # "переговорах" finds "переговоры" (and "Беларуси" "Беларусь", with the help of tokenize).
    import Stemmer

    return Stemmer.Stemmer(algorithm)


def tokenize(text: str, language: str = "en") -> list[str]:
    """Lower-cased word and number tokens without stop words, for text in `language` (en, ru, kk).

    Latin words get English Snowball stems and Cyrillic words Russian ones, except in Kazakh, whose
    Cyrillic words (with ә ғ қ ң ө ұ ү һ і) are kept whole; numbers are never stemmed.
    """
    kazakh = language == "kk"
    english, russian = _stemmer("english"), _stemmer("russian")
    tokens = []
    for token in _raw_tokens(text, _STOPWORDS.get(language, _STOPWORDS["en"])):
        cyrillic = "\u0400" <= token[0] <= "\u04ff"
        if not token.isalpha() or (kazakh and cyrillic):
            tokens.append(token)
        elif cyrillic:
            tokens.append(russian.stemWord(token))
            # Snowball takes a final "сь" for a reflexive verb's and cuts nouns such as "Беларусь" or
            # "смесь" short ("белар"), away from their other cases ("Беларуси": "беларус").
            if token.endswith("сь") and (whole := russian.stemWord(token[:-1])) != tokens[-1]:
                tokens.append(whole)
        else:
            tokens.append(english.stemWord(token))
    return tokens


def _raw_tokens(text: str, stop: frozenset[str]) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(text.lower().replace("ё", "е")):
        if token in stop:
            continue
        tokens.append(token)
        # "2021-2025" should also match a question that writes "2021" alone.
        if "-" in token:
            tokens.extend(part for part in token.split("-") if part and part not in stop)
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
