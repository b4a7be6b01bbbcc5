"""Reading the archive for a question: the retrieved passages, their sentences and the scorer's features.

One reader per answering service; it caches the sentences and words of the articles questions touch,
for the archive's current revision. bench/train_answerer.py reads with it too, so the scorer is
trained on exactly what it will see.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from index.answering import extractive
from index.answering.extractive import Candidate, DocumentWords
from index.answering.features import Question, read_question, sentence_features
from index.archive import Archive
from index.models import Hit, Sentence

RETRIEVED = 8  # passages read per question


@dataclass(frozen=True)
class Reading:
    """A question's candidate sentences and their features (one row each)."""

    question: Question
    hits: list[Hit]
    candidates: list[Candidate]
    rows: np.ndarray


class Reader:
    """Retrieval and candidate sentences over one archive; safe to call from several threads at once."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._lock = threading.Lock()
        self._revision = archive.revision
        self._sentences: dict[str, tuple[list[Sentence], np.ndarray]] = {}
        self._words: dict[str, DocumentWords] = {}

    def _current(self) -> None:
        """Forget what was read from an older revision (whoever moved the archive on)."""
        if self._revision != self.archive.revision:
            self._sentences.clear()
            self._words.clear()
            self._revision = self.archive.revision

    def sentences(self, doc_id: str) -> tuple[list[Sentence], np.ndarray]:
        with self._lock:
            self._current()
            cached = self._sentences.get(doc_id)
        if cached is None:
            cached = self.archive.sentences(doc_id)
            with self._lock:
                self._sentences[doc_id] = cached
        return cached

    def words(self, doc_id: str) -> DocumentWords:
        with self._lock:
            self._current()
            cached = self._words.get(doc_id)
        if cached is None:
            document = self.archive.find_document(doc_id)
            assert document is not None, doc_id
            cached = extractive.document_words(document, self.sentences(doc_id)[0])
            with self._lock:
                self._words[doc_id] = cached
        return cached

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
