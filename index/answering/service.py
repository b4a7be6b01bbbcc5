"""The answering service: the one place a question becomes a cited `Answer`, for every surface."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from index.answering import extractive
from index.answering.metadata import meta_question, metadata_quote, metadata_sentence
from index.answering.models import Answer, AnswerSentence, Citation, Related, Turn
from index.answering.question import clean_question, contextual_query, is_follow_up
from index.answering.refusal import Evidence
from index.archive import Archive
from index.models import DocumentInfo, Hit, Sentence

if TYPE_CHECKING:
    from index.answering.llm import LlmWriter

logger = logging.getLogger(__name__)

REFUSAL = "The articles in the archive don't answer that question."
RETRIEVED = 8  # passages read per question
RELATED_MIN_DENSE = 0.3  # below this an article is not even "related"


class AnsweringService:
    """Answers questions from one archive; safe to call from several threads at once."""

    def __init__(self, archive: Archive, llm: LlmWriter | None = None, max_question_chars: int = 1000):
        self.archive = archive
        self._llm = llm
        self._max_chars = max_question_chars
        # Sentences and their words of the articles questions touched, for the archive's revision.
        self._lock = threading.Lock()
        self._revision = archive.revision
        self._sentences: dict[str, tuple[list[Sentence], np.ndarray]] = {}
        self._words: dict[str, list[extractive.Words]] = {}

    # Reading the archive
    def documents(self) -> list[DocumentInfo]:
        return self.archive.documents()

    def _current(self) -> None:
        """Forget what was read from an older revision (whoever moved the archive on)."""
        if self._revision != self.archive.revision:
            self._sentences.clear()
            self._words.clear()
            self._revision = self.archive.revision

    def _load(self, doc_id: str) -> tuple[list[Sentence], np.ndarray]:
        with self._lock:
            self._current()
            cached = self._sentences.get(doc_id)
        if cached is None:
            cached = self.archive.sentences(doc_id)
            with self._lock:
                self._sentences[doc_id] = cached
        return cached

    def _load_words(self, doc_id: str) -> list[extractive.Words]:
        with self._lock:
            self._current()
            cached = self._words.get(doc_id)
        if cached is None:
            cached = [extractive.words_of(s.text) for s in self._load(doc_id)[0]]
            with self._lock:
                self._words[doc_id] = cached
        return cached

    def context(self, doc_id: str, sentence: int, window: int = 2) -> str:
        """A cited sentence with its neighbours, as plain text."""
        sentences, _ = self._load(doc_id)
        around = sentences[max(0, sentence - window) : sentence + window + 1]
        return " ".join(s.text for s in around)

    # Answering
    def answer(
        self, question: str, history: Sequence[Turn] = (), doc_id: str | None = None, k: int = RETRIEVED
    ) -> Answer:
        """Answer from the archive only: cited sentences, or a plain refusal with related articles.

        `doc_id` limits the answer to one article; `k` is how many passages are read.
        """
        started = time.perf_counter()
        question = clean_question(question, self._max_chars)
        query = contextual_query(question, history)
        vector = self.archive.embed_query(query)
        hits = self._retrieve(query, vector, doc_id, k)
        meta = meta_question(question)
        answer = self._answer_metadata(question, meta, hits, history) if meta else None
        if answer is None:
            answer = self._answer_content(question, query, vector, hits)
        return _timed(answer, started)

    def _retrieve(self, query: str, vector: np.ndarray, doc_id: str | None, k: int) -> list[Hit]:
        if not doc_id:
            return self.archive.search(query, k, vector=vector)
        hits = self.archive.search(query, max(k * 4, 50), vector=vector)
        return [h for h in hits if h.document.doc_id == doc_id][:k]

    def explain(self, question: str, history: Sequence[Turn] = ()) -> dict[str, object]:
        """The evidence behind the refusal decision, for tuning and debugging."""
        question = clean_question(question, self._max_chars)
        query = contextual_query(question, history)
        vector = self.archive.embed_query(query)
        hits = self._retrieve(query, vector, None, RETRIEVED)
        scored = self._scored(question, query, vector, hits)
        if not scored:
            return {"dense": 0.0, "coverage": 0.0, "typed": False, "sentence": None}
        best = scored[0]
        return {
            "dense": best.dense,
            "coverage": best.coverage,
            "typed": best.typed,
            "sentence": best.candidate.sentence.text,
            "meta": meta_question(question) is not None,
        }

    def _scored(
        self, question: str, query: str, vector: np.ndarray, hits: list[Hit]
    ) -> list[extractive.Scored]:
        terms = extractive.question_terms(query)
        candidates = extractive.gather(hits, self._load, self._load_words)
        return extractive.score(candidates, vector, terms, self.archive.term_weight, question)

    def _answer_content(self, question: str, query: str, vector: np.ndarray, hits: list[Hit]) -> Answer:
        scored = self._scored(question, query, vector, hits)
        best = scored[0] if scored else None
        if best is None or not best.typed or not Evidence(best.dense, best.coverage).answers():
            return self._refuse(question, scored)
        if self._llm is not None:
            written = self._llm_answer(question, hits)
            if written is not None:
                return written if not written.refused else self._refuse(question, scored)
        chosen = extractive.with_context(extractive.select(scored), self._load)
        return self._compose(question, chosen)

    def _llm_answer(self, question: str, hits: list[Hit]) -> Answer | None:
        """The model's answer from the retrieved passages, or None to answer extractively."""
        from index.answering.llm import Passage

        assert self._llm is not None
        grouped: dict[str, tuple[DocumentInfo, set[int]]] = {}
        for hit in hits[:RETRIEVED]:
            document, positions = grouped.setdefault(hit.document.doc_id, (hit.document, set()))
            positions.update(range(hit.first_sentence, hit.last_sentence + 1))
        passages = []
        for n, (doc_id, (document, positions)) in enumerate(grouped.items(), 1):
            sentences = tuple(s for s in self._load(doc_id)[0] if s.position in positions)
            passages.append(Passage(n, document, sentences))
        written = self._llm.write(question, passages)
        if written is None:
            return None
        if written.refused:
            return Answer(question, (), (), refused=True)
        order = list(dict.fromkeys(n for s in written.sentences for n in s.citations))
        renumber = {old: new for new, old in enumerate(order, 1)}
        cited = tuple(
            AnswerSentence(s.text, tuple(renumber[n] for n in s.citations)) for s in written.sentences
        )
        citations = tuple(
            _citation(
                renumber[n], passages[n - 1].document, written.quotes[n].text, written.quotes[n].position
            )
            for n in order
        )
        return Answer(question, cited, citations, refused=False)

    def _answer_metadata(
        self,
        question: str,
        meta,
        hits: list[Hit],
        history: Sequence[Turn],  # type: ignore[no-untyped-def]
    ) -> Answer | None:
        documents = _ranked_documents(hits)
        if history and is_follow_up(question) and history[-1].doc_ids:
            previous = [self.archive.find_document(i) for i in history[-1].doc_ids]  # not all: O(archive)
            documents = [d for d in previous if d is not None] + documents
        if meta.kind == "latest":
            relevant = [h.document for h in hits if (h.lexical_score or 0) > 0 or (h.dense_score or 0) > 0.35]
            documents = sorted(
                _unique(relevant), key=lambda d: d.published.toordinal() if d.published else 0, reverse=True
            )
        if not documents:
            return None
        document = documents[0]
        sentence = metadata_sentence(meta.kind, document, meta.topic)
        if sentence is None:
            return None
        quote = document.title if meta.kind == "latest" else metadata_quote(document, meta.kind)
        citation = _citation(1, document, quote, 0)
        return Answer(question, (AnswerSentence(sentence, (1,)),), (citation,), refused=False)

    def _compose(self, question: str, chosen: list[tuple[DocumentInfo, Sentence]]) -> Answer:
        numbers: dict[str, int] = {}
        grouped: dict[str, list[Sentence]] = {}
        documents: dict[str, DocumentInfo] = {}
        sentences = []
        for document, sentence in chosen:
            n = numbers.setdefault(document.doc_id, len(numbers) + 1)
            grouped.setdefault(document.doc_id, []).append(sentence)
            documents[document.doc_id] = document
            sentences.append(AnswerSentence(sentence.text, (n,)))
        citations = tuple(
            _citation(numbers[doc_id], documents[doc_id], self._quote(doc_id, group), group[0].position)
            for doc_id, group in grouped.items()
        )
        return Answer(question, tuple(sentences), citations, refused=False)

    def _quote(self, doc_id: str, group: list[Sentence]) -> str:
        """The cited sentences exactly as in the article: one span when they are adjacent."""
        positions = [s.position for s in group]
        if positions == list(range(positions[0], positions[0] + len(positions))):
            text = self.archive.document_text(doc_id)
            return text[group[0].start : group[-1].end]
        return " … ".join(s.text for s in group)

    def _refuse(self, question: str, scored: list[extractive.Scored]) -> Answer:
        related = [s.candidate.document for s in scored if s.dense >= RELATED_MIN_DENSE]
        return Answer(
            question,
            (AnswerSentence(REFUSAL, ()),),
            (),
            refused=True,
            related=tuple(Related(d.doc_id, d.title, d.url, d.published) for d in _unique(related)[:3]),
        )


def _citation(n: int, document: DocumentInfo, quote: str, sentence: int) -> Citation:
    return Citation(
        n=n,
        doc_id=document.doc_id,
        title=document.title,
        url=document.url,
        published=document.published,
        source=document.source,
        quote=quote,
        sentence=sentence,
    )


def _unique(documents: Sequence[DocumentInfo]) -> list[DocumentInfo]:
    seen: dict[str, DocumentInfo] = {}
    for document in documents:
        seen.setdefault(document.doc_id, document)
    return list(seen.values())


def _ranked_documents(hits: Sequence[Hit]) -> list[DocumentInfo]:
    return _unique([h.document for h in hits])


def _timed(answer: Answer, started: float) -> Answer:
    return replace(answer, latency_ms=round((time.perf_counter() - started) * 1000, 2))
