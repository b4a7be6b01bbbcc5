"""Fit the refusal rule (index/answering/refusal.py) on an eval file and show how well it separates.

Usage: python bench/fit_refusal.py [tests/eval/questions.jsonl] [--data-dir DIR]
Prints every question's evidence (best sentence's cosine, and the idf-weighted share of the
question's words that the sentence and the one before it in its paragraph say), a logistic fit over
the two, and the margins of the fitted and the current weights with the questions nearest the
current rule. Metadata questions are left out: they are answered from the article's fields.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import ensure_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=ROOT / "tests/eval/questions.jsonl")
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dossier-fit-"))
    ensure_index(data_dir)

    from bot.services import open_answering
    from bot.settings import Settings
    from index.answering import refusal
    from index.answering.evaluate import read_questions

    service = open_answering(Settings(data_dir=data_dir))
    rows = []
    for q in read_questions(args.file):
        evidence = service.explain(q.question, q.history)
        if evidence.get("meta"):
            continue
        rows.append((q, float(evidence["dense"]), float(evidence["coverage"]), bool(evidence["typed"])))  # type: ignore[arg-type]
    print(f"{'answerable':<11}{'dense':>7}{'cover':>7}{'typed':>7}  question")
    for q, dense, coverage, typed in sorted(rows, key=lambda r: (r[0].answerable, r[1])):
        print(f"{q.answerable!s:<11}{dense:>7.3f}{coverage:>7.3f}{typed!s:>7}  {q.question}")

    # Only typed evidence reaches the rule: a sentence of the wrong type is refused before it.
    usable = [(d, c, q.answerable) for q, d, c, t in rows if t]
    weights = fit_logistic([(d, c) for d, c, _ in usable], [float(a) for _, _, a in usable])
    print(f"\nfitted: dense {weights[0]:.2f}, coverage {weights[1]:.2f}, bias {weights[2]:.2f}")
    for q, d, c, t in rows:
        z = weights[0] * d + weights[1] * c + weights[2]
        if t and (z >= 0) != q.answerable:
            print(f"  misjudged by the fit ({z:+.2f}): {q.question}")
    current = (refusal.WEIGHT_DENSE, refusal.WEIGHT_COVERAGE, refusal.BIAS)
    for name, w in (("fitted", weights), ("current", current)):
        margins = [(w[0] * d + w[1] * c + w[2]) * (1 if a else -1) for d, c, a in usable]
        errors = sum(m < 0 for m in margins)
        print(f"{name:<8} errors {errors}/{len(usable)}, smallest margin {min(margins):.2f}")
    typed = [(q, d, c) for q, d, c, t in rows if t]
    nearest = sorted(typed, key=lambda r: abs(current[0] * r[1] + current[1] * r[2] + current[2]))
    for q, d, c in nearest[:3]:
        margin = (current[0] * d + current[1] * c + current[2]) * (1 if q.answerable else -1)
        print(f"  nearest the current rule ({margin:+.2f}, answerable {q.answerable}): {q.question}")


def fit_logistic(x: list[tuple[float, float]], y: list[float], steps: int = 20000) -> tuple[float, ...]:
    """Plain gradient descent on the logistic loss with a little L2: two features need nothing more."""
    w = [0.0, 0.0, 0.0]
    rate, l2 = 0.5, 1e-3
    for _ in range(steps):
        grad = [0.0, 0.0, 0.0]
        for (dense, coverage), target in zip(x, y, strict=True):
            z = w[0] * dense + w[1] * coverage + w[2]
            error = 1 / (1 + math.exp(-z)) - target
            grad[0] += error * dense
            grad[1] += error * coverage
            grad[2] += error
        w = [w[i] - rate * (grad[i] / len(x) + (l2 * w[i] if i < 2 else 0.0)) for i in range(3)]
    return tuple(w)


if __name__ == "__main__":
    main()
