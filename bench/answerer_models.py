"""Fitting the answer scorer's two models and writing them as index/answering/scorer.py reads them."""

from __future__ import annotations

import numpy as np

SEED = 11


def fit(kind: str, x: np.ndarray, y: np.ndarray):  # type: ignore[no-untyped-def]
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "linear":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)).fit(x, y)
    trees = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.1,
        max_depth=6,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )
    return trees.fit(x, y)


def logits(model, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(model.decision_function(x)) if len(x) else np.zeros(0)


def export(model, features: tuple[str, ...]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The model as index/answering/scorer.py reads it."""
    if hasattr(model, "steps"):
        scaler, linear = model.steps[0][1], model.steps[-1][1]
        return {
            "kind": "linear",
            "features": list(features),
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coef": linear.coef_[0].tolist(),
            "bias": float(linear.intercept_[0]),
        }
    depth = max(int(p[0].nodes["depth"].max()) for p in model._predictors) or 1
    inner, leaves = 2**depth - 1, 2**depth
    feature = np.zeros((len(model._predictors), inner), dtype=np.int64)
    threshold = np.full((len(model._predictors), inner), np.inf)
    value = np.zeros((len(model._predictors), leaves))
    for t, (predictor,) in enumerate(model._predictors):
        _fill(predictor.nodes, t, depth, (feature, threshold, value), 0, 0, 0)
    return {
        "kind": "trees",
        "features": list(features),
        "feature": feature.tolist(),
        "threshold": np.where(np.isfinite(threshold), threshold, 1e30).tolist(),
        "value": np.round(value, 6).tolist(),
        "bias": float(np.ravel(model._baseline_prediction)[0]),
    }


def _fill(nodes, t: int, depth: int, arrays: tuple, node: int, slot: int, level: int) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Tree t's node (and what is below it) into complete-tree slot `slot`."""
    feature, threshold, value = arrays
    row = nodes[node]
    inner = 2**depth - 1
    if level == depth:
        value[t, slot - inner] = row["value"]
    elif row["is_leaf"]:  # a shallow leaf: every path below it ends in its value
        _fill(nodes, t, depth, arrays, node, 2 * slot + 1, level + 1)
        _fill(nodes, t, depth, arrays, node, 2 * slot + 2, level + 1)
    else:
        feature[t, slot], threshold[t, slot] = row["feature_idx"], row["num_threshold"]
        _fill(nodes, t, depth, arrays, int(row["left"]), 2 * slot + 1, level + 1)
        _fill(nodes, t, depth, arrays, int(row["right"]), 2 * slot + 2, level + 1)


def check_export(
    weights: dict, rows: np.ndarray, scores: np.ndarray, x: np.ndarray, confidence: np.ndarray
) -> None:  # type: ignore[type-arg]
    """The exported models score as the fitted ones did (numpy at run time, scikit-learn here)."""
    from index.answering.evidence import QUESTION_FEATURES
    from index.answering.features import SENTENCE_FEATURES
    from index.answering.scorer import _model

    sentence = _model(weights["sentence"], SENTENCE_FEATURES, "sentence").logits(
        rows[:5000].astype(np.float64)
    )
    question = _model(weights["confidence"], QUESTION_FEATURES, "confidence").logits(x)
    assert np.allclose(sentence, scores[:5000], atol=1e-3), np.abs(sentence - scores[:5000]).max()
    assert np.allclose(question, confidence, atol=1e-3), np.abs(question - confidence).max()
