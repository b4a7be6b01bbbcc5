"""The evidence for a question as a whole, which the confidence model reads to decide whether to answer.

Built from the sentence features (index/answering/features.py) and the sentence scorer's logits: how
good the best sentence is, how sure the scorer is of it against the others, and how much of the
question, beyond its article's topic, any candidate says. The names are part of the weights file's
contract, like the sentence features'.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.answering.features import COLUMN, KINDS

# The best sentence's own features that the confidence model reads.
_BEST = (
    "dense",
    "dense_z",
    "dense_specific",
    "paragraph_lift",
    "coverage",
    "coverage_window",
    "coverage_prefix_window",
    "coverage_article",
    "coverage_specific",
    "coverage_specific_window",
    "coverage_specific_paragraph",
    "missing_idf_window",
    "missing_specific_window",
    "missing_idf_article",
    "names_missing_article",
    "names_missing_context",
    "numbers_missing_window",
    "typed",
    "role_unlinked",
    "pairs",
)
# And the best value of these over every candidate.
_TOP = (
    "dense",
    "dense_z",
    "dense_specific",
    "coverage_article",
    "coverage_window",
    "coverage_specific_window",
    "pairs",
)
QUESTION_FEATURES: tuple[str, ...] = (
    "best_logit",
    "second_logit",
    "best_margin",
    "other_document_margin",
    "top_spread",
    "same_document_share",
    "top_documents",
    "top_paragraphs",
    "best_paragraph_share",
    *(f"best_{name}" for name in _BEST),
    *(f"top_{name}" for name in _TOP),
    "top_typed",
    "answer_typed",
    "answer_role_unlinked",
    "question_reach",
    "question_terms",
    "archive_passages",
    *(f"kind_{k}" for k in KINDS),
)
TOP = 5  # the candidates whose spread over articles and scores tells a clear winner from a crowd


def question_features(
    rows: np.ndarray,
    logits: np.ndarray,
    documents: Sequence[object],
    paragraphs: Sequence[int],
    positions: Sequence[int],
) -> np.ndarray:
    """One row of QUESTION_FEATURES; `documents` names each candidate's article (ids or numbers),
    `paragraphs` its paragraph in that article and `positions` its sentence number there."""
    if not len(rows):
        return np.zeros(0)
    order = np.argsort(-logits, kind="stable")
    best = order[0]
    second = logits[order[1]] if len(order) > 1 else logits[best] - 10.0
    others = [logits[i] for i in order if documents[i] != documents[best]]
    top = order[:TOP]
    column = rows[best]
    # The sentences an answer quotes with the best one: a date, a count or the office's place may be
    # in its neighbour ("... signed on Monday. It runs until 2025."), not in the best sentence itself.
    quoted = [
        i
        for i in range(len(rows))
        if documents[i] == documents[best] and abs(int(positions[i]) - int(positions[best])) <= 1
    ]
    values = [
        logits[best],
        second,
        logits[best] - second,
        logits[best] - (others[0] if others else logits[best] - 10.0),
        logits[best] - float(np.mean(logits[top])),
        sum(d == documents[best] for d in documents) / len(documents),
        len({documents[i] for i in top}) / len(top),
        len({(documents[i], paragraphs[i]) for i in top}) / len(top),
        sum(documents[i] == documents[best] and paragraphs[i] == paragraphs[best] for i in top) / len(top),
        *(column[COLUMN[name]] for name in _BEST),
        *(rows[:, COLUMN[name]].max() for name in _TOP),
        rows[top, COLUMN["typed"]].max(),
        rows[quoted, COLUMN["typed"]].max(),
        rows[quoted, COLUMN["role_unlinked"]].min(),
        column[COLUMN["question_reach"]],
        column[COLUMN["question_terms"]],
        column[COLUMN["archive_passages"]],
        *(column[COLUMN[f"kind_{k}"]] for k in KINDS),
    ]
    return np.array(values, dtype=np.float64)
