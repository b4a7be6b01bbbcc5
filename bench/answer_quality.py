"""Answer quality as a user meets it: the real answering service on question files, figures per kind.

Usage:
  python bench/answer_quality.py --validation [--archives GLOB] [--cache DIR] [--limit N]
      the validation archives and questions of bench/train_answerer.py (built there, cached):
      `val[0-9]` the two of 40 articles, `valsmall*` the four of 4 articles
  python bench/answer_quality.py FILE.jsonl --data-dir DIR [--limit N]
      any JSON-lines question file ({"question", "answerable", "answers", "doc", "kind"}; `doc` is
      the expected article's title) against an index built with `dossier index build`

Prints, for answerable questions: the share whose answer (at most 2 sentences, 600 characters)
contains a gold answer, whose first citation is the expected article, that were refused, and how
often the short answer equals or contains a gold answer; for each unanswerable kind (near, rewritten,
offtopic, …): the share refused.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _sentences(answer) -> int:  # type: ignore[no-untyped-def]
    return len(answer.sentences)


def ask_all(data_dir: Path, questions: list[dict], min_confidence: float | None) -> dict[str, list]:  # type: ignore[type-arg]
    """Every question through AnsweringService.answer; per kind, one row of outcomes per question."""
    from bot.settings import Settings
    from index.answering.models import Turn
    from index.answering.service import AnsweringService
    from index.archive import Archive
    from index.config import IndexSettings

    archive = Archive.open(IndexSettings(data_dir=data_dir, model=Settings().embedding_model))
    service = AnsweringService(archive, min_confidence=min_confidence)
    rows: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for q in questions:
        history = tuple(Turn(h["question"], h.get("answer", "")) for h in q.get("history") or ())
        answer = service.answer(q["question"], history)
        kind = q.get("kind") or ("answerable" if q.get("answerable", True) else "unanswerable")
        if not q.get("answerable", True):
            rows[kind].append({"refused": answer.refused})
            continue
        golds = [_norm(a) for a in q.get("answers") or []]
        text = _norm(re.sub(r" ?\[\d+\]", "", answer.text))
        short = _norm(answer.short_answer or "")
        first = answer.citations[0].title if answer.citations else None
        rows["answerable"].append(
            {
                "refused": answer.refused,
                "contains": not answer.refused and any(g in text for g in golds),
                "right": first is not None and (q.get("doc") or "").casefold() in first.casefold(),
                "short": bool(answer.short_answer),
                "short_exact": bool(short) and short in golds,
                "short_contains": bool(short) and any(g in short for g in golds),
                "too_long": _sentences(answer) > 2 or len(text) > 600,
                "ms": answer.latency_ms,
            }
        )
    archive.close()
    return rows


def report(rows: dict[str, list]) -> None:  # type: ignore[type-arg]
    good = rows.get("answerable", [])
    if good:
        n = len(good)

        def share(key: str, among: list | None = None) -> str:  # type: ignore[type-arg]
            items = good if among is None else among
            return f"{sum(r[key] for r in items) / max(1, len(items)):.3f}"

        answered = [r for r in good if not r["refused"]]
        print(f"answerable questions: {n}")
        print(f"  answer contains gold         {share('contains')}")
        print(
            f"  first citation right article {share('right', answered)} of answers ({share('right')} of all)"
        )
        print(f"  wrongly refused              {share('refused')}")
        print(f"  answers over 2 sentences/600 chars {share('too_long', answered)}")
        print(f"  short answer given           {share('short', answered)} of answers")
        print(f"  short answer equals gold     {share('short_exact', answered)} of answers")
        print(f"  short answer contains gold   {share('short_contains', answered)} of answers")
        ms = sorted(r["ms"] for r in good)
        print(f"  latency p50 {ms[len(ms) // 2]:.1f} ms")
    for kind, items in sorted(rows.items()):
        if kind != "answerable":
            print(
                f"{kind:<12} questions: {len(items):>5}  refused {sum(r['refused'] for r in items) / len(items):.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--archives", default="val*", help="with --validation: which archives (a glob)")
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/issue11"))
    parser.add_argument("--limit", type=int, default=0, help="at most this many questions per kind and file")
    parser.add_argument("--min-confidence", type=float, default=None)
    args = parser.parse_args()
    if args.validation:
        runs = [
            (args.cache / "archives" / f.stem, f)
            for f in sorted((args.cache / "questions").glob(f"{args.archives}.jsonl"))
        ]
    elif args.file and args.data_dir:
        runs = [(args.data_dir, args.file)]
    else:
        parser.error("give FILE and --data-dir, or --validation")
    started = time.perf_counter()
    merged: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for data_dir, path in runs:
        questions = [
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        if args.limit:
            per_kind: dict[str, int] = defaultdict(int)
            kept = []
            for q in questions:
                kind = q.get("kind", "")
                per_kind[kind] += 1
                if per_kind[kind] <= args.limit:
                    kept.append(q)
            questions = kept
        for kind, items in ask_all(data_dir, questions, args.min_confidence).items():
            merged[kind] += items
    report(merged)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
