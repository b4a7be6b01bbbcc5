"""What the learned scorer reads: numbers describing each candidate sentence, and the question as a whole.

Every feature is computed from what the archive already stores (sentence vectors, stemmed words,
BM25 idf, retrieval ranks), so scoring costs no model call. The names are part of the weights file's
contract: index/answering/scorer.py refuses weights trained on another list.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.answering.answer_type import (
    expected_type,
    has_answer_type,
    is_role_question,
    names_missing,
    question_names,
    role_holds,
)
from index.answering.extractive import Candidate, DocumentWords, question_terms, stems

KINDS = ("date", "number", "measure", "name", "place")
SENTENCE_FEATURES: tuple[str, ...] = (
    "dense",
    "dense_gap",
    "dense_rank",
    "dense_around",
    "dense_paragraph",
    "dense_z",
    "dense_specific",
    "paragraph_lift",
    "coverage",
    "coverage_gap",
    "coverage_window",
    "coverage_window_untitled",
    "coverage_prefix_window",
    "coverage_paragraph",
    "coverage_article",
    "coverage_specific",
    "coverage_specific_window",
    "coverage_specific_paragraph",
    "missing_idf_window",
    "missing_specific_window",
    "missing_idf_article",
    "names_missing_article",
    "names_missing_context",
    "numbers_missing_article",
    "numbers_missing_window",
    "pairs",
    "title_coverage",
    "frame_coverage",
    "verb",
    "typed",
    *(f"kind_{k}" for k in KINDS),
    "role_unlinked",
    "novelty",
    "length",
    "position",
    "retrieval",
    "inside",
    "passage_rank",
    "document_dense",
    "document_coverage",
    "document_share",
    "question_reach",
    "question_terms",
    "archive_passages",
)
PREFIX = 6
_DIGITS = re.compile(r"^\d")


@dataclass(frozen=True)
class Question:
    """A question's telling words with their idf weights, and what it asks for."""

    text: str
    terms: tuple[str, ...]
    weights: dict[str, float]
    pairs: frozenset[tuple[str, str]]
    names: list[str]
    numbers: frozenset[str]
    kind: str | None
    role: bool
    passages: float  # how many passages the archive holds (from its idf of an unseen word)

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0


def read_question(
    question: str, query: str, weight: Callable[[str], float], language: str = "en"
) -> Question:
    """The question's parts the features need; `query` adds the previous turn of a follow-up, and
    `language` says how its words are read."""
    telling = question_terms(query, language)
    ordered = [t for t in stems(query, language) if t in telling]
    terms = tuple(dict.fromkeys(ordered))
    passages = _passages(weight)
    rarest = math.log(1 + max(passages - 0.5, 0.5) / 1.5)
    return Question(
        text=question,
        terms=terms,
        weights={t: min(weight(t), rarest) for t in terms},
        pairs=frozenset(itertools.pairwise(ordered)),
        names=question_names(query, language),
        numbers=frozenset(t for t in terms if _DIGITS.match(t)),
        kind=expected_type(question),
        role=is_role_question(question),
        passages=passages,
    )


def _passages(weight: Callable[[str], float]) -> float:
    """The archive's passages, read from BM25's idf of a word it never uses.

    Words the archive never uses then weigh no more than one it uses once: BM25's idf gives unseen
    words the most weight, and in a small archive far more than any word it has (a 15-passage
    archive: 3.5 against 2.4), so a question's paraphrase ("What period does the program cover?")
    would count as missing most of the question.
    """
    unseen = weight("\x00")  # log(1 + (N + 0.5) / 0.5) for an archive of N passages
    return (math.exp(unseen) - 1) * 0.5 - 0.5


def _share(q: Question, said: frozenset[str] | set[str]) -> float:
    return sum(w for t, w in q.weights.items() if t in said) / q.total


def _prefix_share(q: Question, said: frozenset[str]) -> float:
    """Coverage where a word also counts when one of the text's words begins with its first six
    letters: the stemmer leaves derived words apart ("produced" and "production", "elected" and
    "election"), which paraphrases use all the time."""
    prefixes = {t[:PREFIX] for t in said if len(t) >= PREFIX}
    return sum(w for t, w in q.weights.items() if t in said or t[:PREFIX] in prefixes) / q.total


def _numbers_missing(q: Question, words: frozenset[str]) -> float:
    return len(q.numbers - words) / len(q.numbers) if q.numbers else 0.0


def _specific(q: Question, context: DocumentWords) -> dict[str, float]:
    """The question's word weights times how specific each word is within this article.

    A word in every sentence of an article is its topic and tells its sentences apart no more than
    "the" does; one in none or a few is what the question asks beyond the topic. A near-topic
    question (its paragraph missing) shares the topic words with every sentence and the specific
    ones with none.
    """
    count = len(context.sentences) + 1
    norm = math.log(count / 0.5)
    return {t: w * math.log(count / (context.spread.get(t, 0) + 0.5)) / norm for t, w in q.weights.items()}


def _covered(weights: dict[str, float], said: frozenset[str] | set[str]) -> tuple[float, float]:
    """The share of the weight said, and the largest weight not said (as a share of the largest)."""
    total = sum(weights.values()) or 1.0
    top = max(weights.values(), default=0.0) or 1.0
    covered = sum(w for t, w in weights.items() if t in said)
    missing = max((w for t, w in weights.items() if t not in said), default=0.0)
    return covered / total, missing / top


def sentence_features(q: Question, candidates: Sequence[Candidate]) -> np.ndarray:
    """One row per candidate, columns as SENTENCE_FEATURES."""
    rows = np.zeros((len(candidates), len(SENTENCE_FEATURES)), dtype=np.float64)
    if not candidates:
        return rows
    dense = np.array([c.dense for c in candidates])
    dense_order = np.empty(len(candidates))
    dense_order[np.argsort(-dense, kind="stable")] = np.arange(len(candidates))
    by_document: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        by_document.setdefault(c.document.doc_id, []).append(i)
    top_weight = max(q.weights.values(), default=1.0) or 1.0
    asked = set(q.terms)
    missing_names: dict[str, float] = {}
    specific: dict[str, dict[str, float]] = {}
    windows = [c.words.terms | c.around for c in candidates]
    window_share = [_share(q, w) for w in windows]
    reach = _share(q, set().union(*windows))  # the question's words found anywhere in the candidates
    passages = math.log1p(q.passages)
    for i, c in enumerate(candidates):
        own, context, window = c.words.terms, c.context, windows[i]
        paragraph = context.paragraphs.get(c.sentence.paragraph, own)
        doc_id = c.document.doc_id
        if doc_id not in missing_names:
            missing_names[doc_id] = names_missing(q.names, context.article)
            specific[doc_id] = _specific(q, context)
        weights = specific[doc_id]
        absent = [w for t, w in q.weights.items() if t not in context.article]
        said = asked & own
        untitled = {t: w for t, w in q.weights.items() if t not in context.headline}
        pairs = set(itertools.pairwise(c.words.order))
        kind = q.kind
        peers = by_document[doc_id]
        specific_window, missing_specific = _covered(weights, window)
        rows[i] = (
            c.dense,
            0.0,  # dense_gap, below
            math.log1p(dense_order[i]),
            c.dense_around,
            c.dense_paragraph,
            c.dense_z,
            c.dense_specific,
            c.paragraph_lift,
            _share(q, own),
            0.0,  # coverage_gap, below
            window_share[i],
            sum(w for t, w in untitled.items() if t in window) / (sum(untitled.values()) or 1.0),
            _prefix_share(q, window),
            _share(q, paragraph),
            _share(q, context.article),
            _covered(weights, own)[0],
            specific_window,
            _covered(weights, paragraph)[0],
            _covered(q.weights, window)[1],
            missing_specific,
            max(absent, default=0.0) / top_weight,
            missing_names[doc_id],
            # A name the sentence leaves to its headline still counts: news names the place once.
            names_missing(q.names, window | context.headline),
            _numbers_missing(q, context.article),
            _numbers_missing(q, window),
            len(q.pairs & pairs) / len(q.pairs) if q.pairs else 0.0,
            _share(q, context.headline),
            _share(q, (context.frame & asked) - said),
            float(bool(said & c.words.verbs)),
            float(has_answer_type(kind, c.sentence.text, q.text)),
            *(float(kind == k) for k in KINDS),
            float(q.role and not role_holds(q.text, c.sentence.text)),
            len(own - asked) / (len(own) or 1),
            math.log1p(len(c.words.order)),
            math.log1p(c.sentence.position),
            c.retrieval,
            float(c.inside),
            math.log(c.rank),
            max(candidates[j].dense for j in peers),
            max(window_share[j] for j in peers),
            len(peers) / len(candidates),
            reach,
            len(q.terms),
            passages,
        )
    for gap, value in (("dense_gap", "dense"), ("coverage_gap", "coverage")):
        rows[:, COLUMN[gap]] = rows[:, COLUMN[value]] - rows[:, COLUMN[value]].max()
    return rows


COLUMN = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
