"""Choosing the sentences that answer a question, from the passages retrieval found."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.answering.answer_type import expected_type, has_answer_type, names_mentioned, question_names
from index.lexical import tokenize
from index.models import DocumentInfo, Hit, Sentence

# Words every question has that say nothing about its subject.
_QUESTION_NOISE = frozenset(
    tokenize("many much tell name please know article articles story stories news mention mentioned")
)
_LEANS_ON_PREVIOUS = re.compile(
    r"^(he|she|it|they|this|these|those|that|his|her|its|their|there|such|both|also|however|but)\b", re.I
)
# Scoring weights: meaning first, then the telling words of the question, then how highly
# retrieval ranked the passage the sentence came from. A grid over the eval set (answers and
# citations, refusal rule off) gets every answer and citation right for dense 0.30-0.60 with
# coverage 0.25-0.55, all but one corner; these sit in the middle of that plateau.
W_DENSE, W_COVERAGE, W_RETRIEVAL = 0.45, 0.40, 0.15
# A sentence is read in its context, so question words found there count towards its coverage:
# the previous sentence of its paragraph names the event it continues ("… the first meeting of the
# Council." "The heads of government discussed …"), and the article's headline and lead name the
# place and people of every sentence after them. Without this the lead, which repeats the setting
# of any question about its article, wins on those shared words alone. Headline and lead count a
# little less than the paragraph: an article may report several events. (Grid: every right
# sentence ranks first with the paragraph at full weight and the frame at 0.25-1; the paragraph
# at 0.5 or 0.75, or no frame, loses one.)
FRAME_CREDIT = 0.75
# A sentence that uses a question word as a past-tense verb ("discussed", "approved") reports the
# action the question asks about; one that only names it ("talks", "meeting") usually sets the
# scene. (Grid: 0.125-0.2 rank every right sentence first; 0 loses five, 0.1 and 0.25 one each.)
W_VERB = 0.15
# News reports talks with a handful of interchangeable verbs; count them as one word (stems).
_SAME_MEANING = {"talk": "discuss", "negoti": "discuss", "discuss": "discuss"}
# Past tenses and participles, the form news reports actions in. Lower case only, so that names
# ("Ahmed", "United") are not taken for verbs.
_REPORTED_VERB = re.compile(r"\b[a-z]{2,}ed\b")
SECOND_SENTENCE_RATIO = 0.9  # a second sentence must score this close to the best one
WRONG_TYPE_FACTOR = 0.5  # a sentence without the kind of answer asked for ranks far lower


@dataclass(frozen=True)
class Words:
    """A sentence's stemmed words, and those of them it uses as verbs of reported action."""

    terms: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    document: DocumentInfo
    sentence: Sentence
    vector: np.ndarray
    retrieval: float  # fused retrieval score of its best passage, relative to the top passage
    words: Words = Words()
    before: frozenset[str] = frozenset()  # words of the previous sentence in its paragraph
    frame: frozenset[str] = frozenset()  # words of its article's headline and lead
    article: frozenset[str] = frozenset()  # every word of its article, headline, author and source


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    dense: float
    # Share of the question's idf weight the sentence and its paragraph's previous sentence say. The
    # headline's words are left out: a near-topic question shares them by definition, so they are
    # no evidence that the article answers it.
    coverage: float
    score: float
    terms: frozenset[str]  # the question words that coverage counts
    typed: bool = True  # holds the kind of answer the question asks for


SentenceLoader = Callable[[str], tuple[list[Sentence], np.ndarray]]
TokenLoader = Callable[[str], list[Words]]


def terms_of(text: str) -> frozenset[str]:
    """A text's stemmed words, with verbs of talking folded into one."""
    return frozenset(_SAME_MEANING.get(t, t) for t in tokenize(text))


def words_of(text: str) -> Words:
    """A sentence's words, with the ones it uses as past-tense verbs set apart."""
    return Words(terms_of(text), terms_of(" ".join(_REPORTED_VERB.findall(text))))


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
        headline = terms_of(document.title)
        frame = headline | (words[0].terms if words else frozenset())
        credits = terms_of(f"{document.author or ''} {document.source or ''}")
        article = headline.union(credits, *(w.terms for w in words))
        for sentence, vector, own in zip(sentences, vectors, words, strict=True):
            if (doc_id, sentence.position) not in best:
                continue
            position = sentence.position
            same_paragraph = position > 0 and sentences[position - 1].paragraph == sentence.paragraph
            before = words[position - 1].terms if same_paragraph else frozenset()
            retrieval = best[(doc_id, position)]
            candidates.append(Candidate(document, sentence, vector, retrieval, own, before, frame, article))
    return candidates


def score(
    candidates: Sequence[Candidate],
    query_vector: np.ndarray,
    terms: frozenset[str],
    weight: Callable[[str], float],
    question: str = "",
) -> list[Scored]:
    """Candidates scored by meaning, word coverage in context, retrieval rank and verbs, best first.

    Sentences lacking the kind of answer the question asks for (a date for "when"), or from an
    article that never names who or what the question names, are marked `typed=False` and pushed down.
    """
    kind = expected_type(question)
    names = question_names(question)
    if not candidates:
        return []
    articles = {c.document.doc_id: c.article for c in candidates}
    named = {doc_id: names_mentioned(names, words) for doc_id, words in articles.items()}
    dense = np.stack([c.vector for c in candidates]) @ query_vector
    total = sum(weight(t) for t in terms) or 1.0
    scored = []
    for candidate, similarity in zip(candidates, dense.tolist(), strict=True):
        said = terms & (candidate.words.terms | candidate.before)
        framed = (terms & candidate.frame) - said
        coverage = _weight(said, weight) / total
        ranking = coverage + FRAME_CREDIT * _weight(framed, weight) / total
        value = W_DENSE * similarity + W_COVERAGE * ranking + W_RETRIEVAL * candidate.retrieval
        value += W_VERB if terms & candidate.words.verbs else 0.0
        typed = named[candidate.document.doc_id] and has_answer_type(kind, candidate.sentence.text, question)
        value = value if typed else value * WRONG_TYPE_FACTOR
        scored.append(Scored(candidate, similarity, coverage, value, said, typed))
    scored.sort(key=lambda s: -s.score)
    return scored


def _weight(words: frozenset[str], weight: Callable[[str], float]) -> float:
    return sum(weight(t) for t in words)


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
