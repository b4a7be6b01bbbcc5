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
from index.answering.extractive import Candidate, question_terms, stems

KINDS = ("date", "number", "measure", "name", "place")
SENTENCE_FEATURES: tuple[str, ...] = (
    "dense",
    "dense_gap",
    "dense_rank",
    "dense_around",
    "dense_paragraph",
    "coverage",
    "coverage_gap",
    "coverage_window",
    "coverage_window_untitled",
    "coverage_paragraph",
    "coverage_article",
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
)
QUESTION_FEATURES: tuple[str, ...] = (
    "best_logit",
    "second_logit",
    "best_margin",
    "same_document_share",
    "best_dense",
    "top_dense",
    "best_coverage",
    "best_coverage_window",
    "best_coverage_article",
    "best_missing_idf_article",
    "best_names_missing_article",
    "best_names_missing_context",
    "best_numbers_missing_window",
    "best_typed",
    "best_role_unlinked",
    "best_pairs",
    "top_coverage_article",
    "top_coverage_window",
    "top_pairs",
    "question_reach",
    "question_terms",
    *(f"kind_{k}" for k in KINDS),
)
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
    rarest = _rarest_seen(weight)
    return Question(
        text=question,
        terms=terms,
        weights={t: min(weight(t), rarest) for t in terms},
        pairs=frozenset(itertools.pairwise(ordered)),
        names=question_names(query, language),
        numbers=frozenset(t for t in terms if _DIGITS.match(t)),
        kind=expected_type(question),
        role=is_role_question(question),
    )


def _rarest_seen(weight: Callable[[str], float]) -> float:
    """The idf of a word in one passage of the archive: words it never uses weigh no more than that.

    BM25's idf gives unseen words the most weight, and in a small archive far more than any word it
    has (a 15-passage archive: 3.5 against 2.4), so a question's paraphrase ("What period does the
    program cover?") would count as missing most of the question.
    """
    unseen = weight("\x00")  # log(1 + (N + 0.5) / 0.5) for an archive of N passages
    passages = (math.exp(unseen) - 1) * 0.5 - 0.5
    return math.log(1 + max(passages - 0.5, 0.5) / 1.5)


def _share(q: Question, said: frozenset[str] | set[str]) -> float:
    return sum(w for t, w in q.weights.items() if t in said) / q.total


def _numbers_missing(q: Question, words: frozenset[str]) -> float:
    return len(q.numbers - words) / len(q.numbers) if q.numbers else 0.0


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
    windows = [c.words.terms | c.around for c in candidates]
    window_share = [_share(q, w) for w in windows]
    reach = _share(q, set().union(*windows))  # the question's words found anywhere in the candidates
    for i, c in enumerate(candidates):
        own, context, window = c.words.terms, c.context, windows[i]
        paragraph = context.paragraphs.get(c.sentence.paragraph, own)
        doc_id = c.document.doc_id
        if doc_id not in missing_names:
            missing_names[doc_id] = names_missing(q.names, context.article)
        absent = [w for t, w in q.weights.items() if t not in context.article]
        said = asked & own
        untitled = {t: w for t, w in q.weights.items() if t not in context.headline}
        pairs = set(itertools.pairwise(c.words.order))
        kind = q.kind
        peers = by_document[doc_id]
        rows[i] = (
            c.dense,
            0.0,  # dense_gap, below
            math.log1p(dense_order[i]),
            c.dense_around,
            c.dense_paragraph,
            _share(q, own),
            0.0,  # coverage_gap, below
            window_share[i],
            sum(w for t, w in untitled.items() if t in window) / (sum(untitled.values()) or 1.0),
            _share(q, paragraph),
            _share(q, context.article),
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
        )
    for gap, value in (("dense_gap", "dense"), ("coverage_gap", "coverage")):
        rows[:, _COLUMN[gap]] = rows[:, _COLUMN[value]] - rows[:, _COLUMN[value]].max()
    return rows


_COLUMN = {name: i for i, name in enumerate(SENTENCE_FEATURES)}


def question_features(rows: np.ndarray, logits: np.ndarray, documents: Sequence[object]) -> np.ndarray:
    """The evidence for the question as a whole: how good the best sentence is and how sure.

    `documents` names each candidate's article (ids or numbers), to count the best one's share.
    """
    if not len(rows):
        return np.zeros(0)
    order = np.argsort(-logits, kind="stable")
    best = order[0]
    second = logits[order[1]] if len(order) > 1 else logits[best] - 10.0
    same = sum(d == documents[best] for d in documents) / len(documents)
    column = rows[best]
    values = [
        logits[best],
        second,
        logits[best] - second,
        same,
        column[_COLUMN["dense"]],
        rows[:, _COLUMN["dense"]].max(),
        column[_COLUMN["coverage"]],
        column[_COLUMN["coverage_window"]],
        column[_COLUMN["coverage_article"]],
        column[_COLUMN["missing_idf_article"]],
        column[_COLUMN["names_missing_article"]],
        column[_COLUMN["names_missing_context"]],
        column[_COLUMN["numbers_missing_window"]],
        column[_COLUMN["typed"]],
        column[_COLUMN["role_unlinked"]],
        column[_COLUMN["pairs"]],
        rows[:, _COLUMN["coverage_article"]].max(),
        rows[:, _COLUMN["coverage_window"]].max(),
        rows[:, _COLUMN["pairs"]].max(),
        column[_COLUMN["question_reach"]],
        column[_COLUMN["question_terms"]],
        *(column[_COLUMN[f"kind_{k}"]] for k in KINDS),
    ]
    return np.array(values, dtype=np.float64)
