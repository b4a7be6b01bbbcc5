"""Reading the archive for a question: the retrieved passages, their sentences and the scorer's features.

One reader per answering service; it caches the sentences and words of the articles questions touch.
An article's id is a hash of its text, so what is cached for an id never changes: the cache outlives
revisions (clearing it at every change cost ~5 ms per answer while articles streamed in, issue 12's
bench/follow_bench.py) and is bounded instead, least recently used first. bench/train_answerer.py
reads with it too, so the scorer is trained on exactly what it will see.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from index.answering import extractive
from index.answering.extractive import Candidate, DocumentWords
from index.answering.features import Question, read_question, sentence_features
from index.archive import Archive
from index.models import Hit, Sentence

T = TypeVar("T")
RETRIEVED = 8  # passages read per question
# Articles whose sentences (and words) stay cached: ~30 KB each with their vectors, so ~120 MB at most
# however large the archive; a question touches at most RETRIEVED of them.
CACHED_ARTICLES = 4096


@dataclass(frozen=True)
class Reading:
    """A question's candidate sentences and their features (one row each)."""

    question: Question
    hits: list[Hit]
    candidates: list[Candidate]
    rows: np.ndarray


class Reader:
    """Retrieval and candidate sentences over one archive; safe to call from several threads at once."""

    def __init__(self, archive: Archive, cached_articles: int = CACHED_ARTICLES):
        self.archive = archive
        self._lock = threading.Lock()
        self._limit = cached_articles
        self._sentences: OrderedDict[str, tuple[list[Sentence], np.ndarray]] = OrderedDict()
        self._words: OrderedDict[str, DocumentWords] = OrderedDict()

    def sentences(self, doc_id: str) -> tuple[list[Sentence], np.ndarray]:
        cached = self._cached(self._sentences, doc_id)
        if cached is None:
            cached = self.archive.sentences(doc_id)
            self._keep(self._sentences, doc_id, cached)
        return cached

    def words(self, doc_id: str) -> DocumentWords:
        cached = self._cached(self._words, doc_id)
        if cached is None:
            document = self.archive.find_document(doc_id)
            assert document is not None, doc_id
            cached = extractive.document_words(document, self.sentences(doc_id)[0])
            self._keep(self._words, doc_id, cached)
        return cached

    def _cached(self, cache: OrderedDict[str, T], doc_id: str) -> T | None:
        with self._lock:
            found = cache.get(doc_id)
            if found is not None:
                cache.move_to_end(doc_id)
            return found

    def _keep(self, cache: OrderedDict[str, T], doc_id: str, value: T) -> None:
        with self._lock:
            cache[doc_id] = value
            while len(cache) > self._limit:
                cache.popitem(last=False)

    def retrieve(
        self,
        query: str,
        vector: np.ndarray,
        doc_id: str | None = None,
        k: int = RETRIEVED,
        language: str | None = None,
    ) -> list[Hit]:
        """The k best passages, of one article when `doc_id` is given; the query read as `language`."""
        if not doc_id:
            return self.archive.search(query, k, vector=vector, language=language)
        hits = self.archive.search(query, max(k * 4, 50), vector=vector, language=language)
        return [h for h in hits if h.document.doc_id == doc_id][:k]

    def read(
        self, question: str, query: str, vector: np.ndarray, hits: list[Hit], language: str = "en"
    ) -> Reading:
        """The candidate sentences of the hits and their neighbours, with their features."""
        parsed = read_question(question, query, self.archive.term_weight, language)
        candidates = extractive.gather(hits, self.sentences, self.words, vector)
        if not self.archive.model_reads(language):
            candidates = extractive.cosines_hidden(candidates)
        return Reading(parsed, hits, candidates, sentence_features(parsed, candidates))
