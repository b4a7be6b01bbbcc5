"""Deciding whether the best evidence answers the question at all."""

from __future__ import annotations

import math
from dataclasses import dataclass

# A logistic rule over two features of the best sentence, fitted on tests/eval/questions.jsonl
# with `dossier eval --fit` (see bot/answering/fit.py); the numbers and the fit are in the README.
WEIGHT_DENSE = 12.0
WEIGHT_COVERAGE = 6.0
BIAS = -8.5


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
