"""The learned answer scorer: which candidate sentence answers, and how sure it is that one does.

The weights live beside this file in `answerer.json`, written by bench/train_answerer.py (which
prints the validation table that chose them). Scoring is numpy only: a boosted tree ensemble is
stored as complete binary trees, so a whole question's candidates go down every tree at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.answering.evidence import QUESTION_FEATURES
from index.answering.features import SENTENCE_FEATURES
from index.errors import DossierError

WEIGHTS = Path(__file__).with_name("answerer.json")
FORMAT = "dossier-answerer/1"


class ScorerUnavailable(DossierError):
    """The answer scorer's weights are missing, damaged or were trained on other features."""


@dataclass(frozen=True)
class Model:
    """A linear model or a boosted tree ensemble over named features, giving a logit."""

    kind: str
    arrays: dict[str, np.ndarray]
    bias: float

    def logits(self, rows: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            scaled = (rows - self.arrays["mean"]) / self.arrays["scale"]
            return np.asarray(scaled @ self.arrays["coef"] + self.bias)
        return self._trees(rows)

    def _trees(self, rows: np.ndarray) -> np.ndarray:
        feature, threshold, value = self.arrays["feature"], self.arrays["threshold"], self.arrays["value"]
        # Trained on float32 tables: the splits sit on float32 values, so compare as float32 does.
        rows = rows.astype(np.float32).astype(np.float64)
        trees, inner = feature.shape
        depth = int(np.log2(inner + 1))
        node = np.zeros((trees, len(rows)), dtype=np.int64)
        tree = np.arange(trees)[:, None]
        sample = np.arange(len(rows))[None, :]
        for _ in range(depth):
            goes_right = rows[sample, feature[tree, node]] > threshold[tree, node]
            node = 2 * node + 1 + goes_right
        return np.asarray(value[tree, node - inner].sum(axis=0) + self.bias)


def _model(spec: dict[str, object], features: tuple[str, ...], part: str) -> Model:
    if tuple(spec.get("features", ())) != features:  # type: ignore[arg-type]
        raise ScorerUnavailable(
            "the answer scorer's {part} weights in {name} were trained on other features; "
            "rebuild them with: python bench/train_answerer.py",
            part=part,
            name=WEIGHTS.name,
        )
    kind = str(spec["kind"])
    names = ("mean", "scale", "coef") if kind == "linear" else ("feature", "threshold", "value")
    arrays = {name: np.asarray(spec[name]) for name in names}
    return Model(kind, arrays, float(spec["bias"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scorer:
    """The two fitted models and the thresholds chosen with them."""

    sentence: Model
    confidence: Model
    min_confidence: float  # the fitted operating point; DOSSIER_MIN_CONFIDENCE overrides it
    second_ratio: float  # a second sentence joins the answer when its probability is this share of the best's
    neighbour_bonus: float  # and the best one's neighbours count this many times their probability
    version: str

    def sentence_logits(self, rows: np.ndarray) -> np.ndarray:
        return self.sentence.logits(rows) if len(rows) else np.zeros(0)

    def probability(self, evidence: np.ndarray) -> float:
        """The probability that the best sentence answers the question."""
        if not len(evidence):
            return 0.0
        logit = float(self.confidence.logits(evidence[None, :])[0])
        return 1.0 / (1.0 + np.exp(-logit))


@lru_cache(maxsize=1)
def load_scorer(path: Path = WEIGHTS) -> Scorer:
    """The committed weights, read once per process; ScorerUnavailable says what to run if not usable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScorerUnavailable(
            "the answer scorer's weights {path} are missing; rebuild them with: python bench/train_answerer.py",
            path=path,
        ) from None
    except (OSError, ValueError) as error:
        raise ScorerUnavailable(
            "cannot read the answer scorer's weights {path} ({reason}); "
            "rebuild them with: python bench/train_answerer.py",
            path=path,
            reason=error,
        ) from None
    if data.get("format") != FORMAT:
        raise ScorerUnavailable(
            "{name} has format {format}, this Dossier reads {wanted}; rebuild them with: python bench/train_answerer.py",
            name=path.name,
            format=repr(data.get("format")),
            wanted=repr(FORMAT),
        )
    try:
        return Scorer(
            sentence=_model(data["sentence"], SENTENCE_FEATURES, "sentence"),
            confidence=_model(data["confidence"], QUESTION_FEATURES, "confidence"),
            min_confidence=float(data["min_confidence"]),
            second_ratio=float(data["second_ratio"]),
            neighbour_bonus=float(data["neighbour_bonus"]),
            version=str(data["version"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ScorerUnavailable(
            "{name} is incomplete ({reason}); rebuild them with: python bench/train_answerer.py",
            name=path.name,
            reason=error,
        ) from None
