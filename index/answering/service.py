"""The answering service: the one place a question becomes a cited `Answer`, for every surface."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from index.answering import extractive
from index.answering.answer_type import has_answer_type, role_holds
from index.answering.evidence import question_features
from index.answering.extractive import Candidate
from index.answering.features import Question
from index.answering.metadata import meta_question, metadata_quote, metadata_sentence
from index.answering.models import Answer, AnswerSentence, Citation, Related, Turn
from index.answering.question import clean_question, contextual_query, is_follow_up
from index.answering.reader import RETRIEVED, Reader, Reading
from index.answering.scorer import Scorer, load_scorer
from index.answering.short_answer import short_answer
from index.archive import Archive
from index.language import question_language
from index.models import DocumentInfo, Hit, Sentence

if TYPE_CHECKING:
    from index.answering.llm import LlmWriter

logger = logging.getLogger(__name__)

REFUSAL = "The articles in the archive don't answer that question."
RELATED_MIN_DENSE = 0.3  # below this an article is not even "related"


class AnsweringService:
    """Answers questions from one archive; safe to call from several threads at once."""

    def __init__(
        self,
        archive: Archive,
        llm: LlmWriter | None = None,
        max_question_chars: int = 1000,
        min_confidence: float | None = None,
        scorer: Scorer | None = None,
    ):
        """`min_confidence`: answer only when the scorer's probability that the best sentence answers
        reaches it; None takes the operating point fitted with the weights (bench/train_answerer.py).
        Missing or mismatched weights raise ScorerUnavailable here, at start."""
        self.archive = archive
        self.reader = Reader(archive)
        self._llm = llm
        self._max_chars = max_question_chars
        self._scorer = scorer or load_scorer()
        self.min_confidence = self._scorer.min_confidence if min_confidence is None else min_confidence

    # Reading the archive
    def documents(self) -> list[DocumentInfo]:
        return self.archive.documents()

    def context(self, doc_id: str, sentence: int, window: int = 2) -> str:
        """A cited sentence with its neighbours, as plain text."""
        sentences, _ = self.reader.sentences(doc_id)
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
        language = question_language(question)
        query = contextual_query(question, history)
        vector = self.archive.embed_query(query)
        hits = self.reader.retrieve(query, vector, doc_id, k, language)
        meta = meta_question(question)
        answer = self._answer_metadata(question, meta, hits, history) if meta else None
        if answer is None:
            reading = self.reader.read(question, query, vector, hits, language)
            answer = self._answer_content(self.judge(reading))
        return _timed(replace(answer, language=language), started)

    def judge(self, reading: Reading) -> Judged:
        """The candidates ranked by the scorer, and its probability that the best one answers."""
        reading = _office_holders(reading)
        logits = self._scorer.sentence_logits(reading.rows)
        order = np.argsort(-logits, kind="stable")
        ranked = [(reading.candidates[i], float(logits[i])) for i in order]
        candidates = reading.candidates
        evidence = question_features(
            reading.rows,
            logits,
            [c.document.doc_id for c in candidates],
            [c.sentence.paragraph for c in candidates],
            [c.sentence.position for c in candidates],
        )
        return Judged(reading, ranked, self._scorer.probability(evidence))

    def explain(self, question: str, history: Sequence[Turn] = ()) -> dict[str, object]:
        """The evidence behind an answer or a refusal, for tuning and debugging."""
        question = clean_question(question, self._max_chars)
        language = question_language(question)
        query = contextual_query(question, history)
        vector = self.archive.embed_query(query)
        hits = self.reader.retrieve(query, vector, language=language)
        judged = self.judge(self.reader.read(question, query, vector, hits, language))
        best = judged.ranked[0][0] if judged.ranked else None
        return {
            "confidence": judged.confidence,
            "min_confidence": self.min_confidence,
            "sentence": best.sentence.text if best else None,
            "meta": meta_question(question) is not None,
        }

    def _answer_content(self, judged: Judged) -> Answer:
        question = judged.reading.question.text
        if not judged.ranked or judged.confidence < self.min_confidence:
            return self._refuse(question, judged)
        best = judged.ranked[0][0]
        if not _gives_asked_kind(judged.reading.question, best):
            return self._refuse(question, judged)
        if self._llm is not None:
            written = self._llm_answer(question, judged.reading.hits)
            if written is not None:
                return written if not written.refused else self._refuse(question, judged)
        scorer = self._scorer
        picked = extractive.select(_probabilities(judged.ranked), scorer.second_ratio, scorer.neighbour_bonus)
        answer = self._compose(question, extractive.with_context(picked, self.reader.sentences))
        short = short_answer(judged.reading.question, best.sentence.text)
        return replace(answer, short_answer=short, confidence=round(float(judged.confidence), 4))

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
            sentences = tuple(s for s in self.reader.sentences(doc_id)[0] if s.position in positions)
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

    def _refuse(self, question: str, judged: Judged) -> Answer:
        related = [c.document for c, _ in judged.ranked if c.dense >= RELATED_MIN_DENSE]
        return Answer(
            question,
            (AnswerSentence(REFUSAL, ()),),
            (),
            refused=True,
            related=tuple(Related(d.doc_id, d.title, d.url, d.published) for d in _unique(related)[:3]),
            confidence=round(float(judged.confidence), 4),
        )


@dataclass(frozen=True)
class Judged:
    """A reading with the scorer's verdict: candidates best first (with logits), and its confidence."""

    reading: Reading
    ranked: list[tuple[Candidate, float]]
    confidence: float


def _office_holders(reading: Reading) -> Reading:
    """For "who is the OFFICE of PLACE", only sentences tying that office to that place may answer:
    a president of another country is a confident wrong answer, not a near miss."""
    if not reading.question.role:
        return reading
    keep = [i for i, c in enumerate(reading.candidates) if role_holds(reading.question.text, c.sentence.text)]
    return replace(reading, candidates=[reading.candidates[i] for i in keep], rows=reading.rows[keep])


def _gives_asked_kind(question: Question, best: Candidate) -> bool:
    """The best sentence of a "when" answer holds a date, of a "how many/much" answer a number. On
    validation this refuses 0.6% of answerable questions (bench/answer_quality.py), and the seed
    questions whose fact the archive lacks ("When will the butadiene plant start production?")."""
    if question.kind not in ("date", "number", "measure"):
        return True
    kind = "date" if question.kind == "date" else "number"
    return has_answer_type(kind, best.sentence.text, question.text)


def _probabilities(ranked: list[tuple[Candidate, float]]) -> list[tuple[Candidate, float]]:
    return [(c, 1.0 / (1.0 + math.exp(-logit))) for c, logit in ranked]


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
        language=document.language,
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
