"""Choosing the sentences that answer a question, from the passages retrieval found."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answering.answer_type import expected_type, has_answer_type
from index.lexical import tokenize
from index.models import DocumentInfo, Hit, Sentence

# Words every question has that say nothing about its subject.
_QUESTION_NOISE = frozenset(
    tokenize("many much tell name please know article articles story stories news mention mentioned")
)
_LEANS_ON_PREVIOUS = re.compile(
    r"^(he|she|it|they|this|these|those|that|his|her|its|their|there|such|both|also|however|but)\b", re.I
)
# Scoring weights, fitted on the eval set (bot/answering/fit.py): meaning first, then the telling
# words of the question, then how highly retrieval ranked the passage the sentence came from.
# A grid over the eval set gave the same answer hit rate (0.978) for dense 0.35-0.50 with coverage
# 0.35-0.50; these sit in the middle of that plateau. (0.55/0.30 scored 0.956.)
W_DENSE, W_COVERAGE, W_RETRIEVAL = 0.45, 0.40, 0.15
# News reports talks with a handful of interchangeable verbs; count them as one word (stems).
_SAME_MEANING = {"talk": "discuss", "negoti": "discuss", "discuss": "discuss"}
SECOND_SENTENCE_RATIO = 0.9  # a second sentence must score this close to the best one
WRONG_TYPE_FACTOR = 0.5  # a sentence without the kind of answer asked for ranks far lower


@dataclass(frozen=True)
class Candidate:
    document: DocumentInfo
    sentence: Sentence
    vector: np.ndarray
    retrieval: float  # fused retrieval score of its best passage, relative to the top passage
    tokens: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    dense: float
    coverage: float
    score: float
    terms: frozenset[str]
    typed: bool = True  # holds the kind of answer the question asks for


SentenceLoader = Callable[[str], tuple[list[Sentence], np.ndarray]]
TokenLoader = Callable[[str], list[frozenset[str]]]


def terms_of(text: str) -> frozenset[str]:
    """A text's stemmed words, with verbs of talking folded into one."""
    return frozenset(_SAME_MEANING.get(t, t) for t in tokenize(text))


def question_terms(query: str) -> frozenset[str]:
    """The words of a question that name its subject."""
    return frozenset(t for t in terms_of(query) if t not in _QUESTION_NOISE)


def gather(
    hits: Sequence[Hit], load: SentenceLoader, tokens: TokenLoader, neighbours: int = 1
) -> list[Candidate]:
    """Sentences of the retrieved passages and their neighbours, each once."""
    if not hits:
        return []
    top = max(h.score for h in hits) or 1.0
    best: dict[tuple[str, int], float] = {}
    documents: dict[str, DocumentInfo] = {}
    for hit in hits:
        doc_id = hit.document.doc_id
        documents[doc_id] = hit.document
        for position in range(hit.first_sentence - neighbours, hit.last_sentence + neighbours + 1):
            inside = hit.first_sentence <= position <= hit.last_sentence
            value = hit.score / top if inside else 0.0
            best[(doc_id, position)] = max(best.get((doc_id, position), 0.0), value)
    candidates = []
    for doc_id, document in documents.items():
        sentences, vectors = load(doc_id)
        words = tokens(doc_id)
        for sentence, vector, sentence_words in zip(sentences, vectors, words, strict=True):
            if (doc_id, sentence.position) in best:
                retrieval = best[(doc_id, sentence.position)]
                candidates.append(Candidate(document, sentence, vector, retrieval, sentence_words))
    return candidates


def score(
    candidates: Sequence[Candidate],
    query_vector: np.ndarray,
    terms: frozenset[str],
    weight: Callable[[str], float],
    question: str = "",
) -> list[Scored]:
    """Candidates scored by meaning, word coverage and retrieval rank, best first.

    Sentences lacking the kind of answer the question asks for (a date for "when") are marked
    `typed=False` and pushed down.
    """
    kind = expected_type(question)
    if not candidates:
        return []
    dense = np.stack([c.vector for c in candidates]) @ query_vector
    total = sum(weight(t) for t in terms) or 1.0
    scored = []
    for candidate, similarity in zip(candidates, dense.tolist(), strict=True):
        found = terms & candidate.tokens
        coverage = sum(weight(t) for t in found) / total
        value = W_DENSE * similarity + W_COVERAGE * coverage + W_RETRIEVAL * candidate.retrieval
        typed = has_answer_type(kind, candidate.sentence.text, question)
        value = value if typed else value * WRONG_TYPE_FACTOR
        scored.append(Scored(candidate, similarity, coverage, value, frozenset(found), typed))
    scored.sort(key=lambda s: -s.score)
    return scored


def select(scored: Sequence[Scored], max_sentences: int = 2) -> list[Scored]:
    """The best sentence, plus one more only when it is nearly as good and adds something new."""
    if not scored:
        return []
    chosen = [scored[0]]
    for other in scored[1:]:
        if len(chosen) >= max_sentences or other.score < SECOND_SENTENCE_RATIO * scored[0].score:
            break
        covered = frozenset().union(*(c.terms for c in chosen))
        duplicate = any(float(other.candidate.vector @ c.candidate.vector) > 0.9 for c in chosen)
        if not duplicate and other.terms - covered:
            chosen.append(other)
    return chosen


def with_context(chosen: Sequence[Scored], load: SentenceLoader) -> list[tuple[DocumentInfo, Sentence]]:
    """Chosen sentences in reading order, each preceded by the one before it when it leans on it."""
    picked: dict[tuple[str, int], tuple[DocumentInfo, Sentence]] = {}
    for item in chosen:
        document, sentence = item.candidate.document, item.candidate.sentence
        picked[(document.doc_id, sentence.position)] = (document, sentence)
        if _LEANS_ON_PREVIOUS.match(sentence.text) and sentence.position > 0:
            previous = load(document.doc_id)[0][sentence.position - 1]
            if previous.paragraph == sentence.paragraph:
                picked[(document.doc_id, previous.position)] = (document, previous)
    order = {item.candidate.document.doc_id: i for i, item in enumerate(chosen)}
    return [picked[key] for key in sorted(picked, key=lambda k: (order[k[0]], k[1]))]
