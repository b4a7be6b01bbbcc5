"""The cosine shown to the scorer when the embedding model cannot read the question's language.

    python bench/unread_dense.py [--cache DIR] [--fit train0] [--validate 'val[0-9]'] [--limit N]
                                 [--grid 0.4,0.45,0.5,0.55,0.6,0.65,0.7]
                                 [--min-offtopic 0.5]

all-MiniLM-L6-v2 reads English only: for a Russian question its cosines to Russian sentences sit near
0.6 whatever they say, and the scorer (trained on English SQuAD, where such cosines mean "this is the
sentence") answers from the wrong article. So for a language the model does not read, the archive
ranks passages by BM25 alone and index/answering/extractive.py shows the scorer every candidate's
cosine as UNREAD_DENSE: it ranks sentences by words. No Russian training data is at hand, so the
value is fitted where the situation can be made: SQuAD's English archives of bench/train_answerer.py
(cached under --cache: archives/NAME/ and questions/NAME.jsonl), read as if the model read no English
(BM25 alone, the cosines hidden). The value only moves the scorer's confidence, hence how often it
refuses: higher answers more and refuses fewer off-topic questions. Chosen on the training archive --fit: the value
whose answers hold the gold answer most often among those that still refuse most (--min-offtopic,
a half) of the off-topic questions, for a bot that answers what the archive covers and declines the
rest. The validation archives then show it beside the real cosines. Split by article
(bench/squad_data.py), fixed seed; never the eval sets.
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


def questions(path: Path, limit: int) -> list[dict]:  # type: ignore[type-arg]
    """The first `limit` questions of each kind (all with 0)."""
    seen: dict[str, int] = defaultdict(int)
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        seen[q.get("kind", "")] += 1
        if not limit or seen[q.get("kind", "")] <= limit:
            kept.append(q)
    return kept


def run(data_dir: Path, asked: list[dict], unread: float | None) -> dict[str, list[bool]]:  # type: ignore[type-arg]
    """Per kind: whether each answerable answer held the gold answer, or each other question was refused."""
    from index.answering import extractive
    from index.answering.service import AnsweringService
    from index.archive import Archive
    from index.config import IndexSettings

    archive = Archive.open(IndexSettings(data_dir=data_dir, model="sentence-transformers/all-MiniLM-L6-v2"))
    service = AnsweringService(archive)
    if unread is not None:
        extractive.UNREAD_DENSE = unread
        archive.model_reads = lambda language: False  # type: ignore[method-assign]
    outcomes: dict[str, list[bool]] = defaultdict(list)
    for q in asked:
        answer = service.answer(q["question"])
        if q.get("answerable", True):
            text = " ".join(re.sub(r" ?\[\d+\]", "", answer.text).split()).casefold()
            golds = [" ".join(a.split()).casefold() for a in q["answers"]]
            outcomes["answerable"].append(not answer.refused and any(g in text for g in golds))
            outcomes["wrongly refused"].append(answer.refused)
        else:
            outcomes[f"refused {q.get('kind')}"].append(answer.refused)
    archive.close()
    return outcomes


def row(label: str, runs: list[dict[str, list[bool]]], columns: list[str]) -> str:
    merged: dict[str, list[bool]] = defaultdict(list)
    for outcomes in runs:
        for kind, values in outcomes.items():
            merged[kind] += values
    cells = [f"{sum(merged[c]) / len(merged[c]):.3f}" if merged[c] else "" for c in columns]
    return f"| {label} | {' | '.join(cells)} |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/issue16/squad"))
    parser.add_argument("--fit", default="train0")
    parser.add_argument("--validate", default="val[0-9]")
    parser.add_argument("--limit", type=int, default=500, help="questions per kind and archive (0: all)")
    parser.add_argument("--grid", default="0.4,0.45,0.5,0.55,0.6,0.65,0.7")
    parser.add_argument(
        "--min-offtopic", type=float, default=0.5, help="off-topic questions refused at least"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    columns = ["answerable", "wrongly refused", "refused near", "refused rewritten", "refused offtopic"]
    header = "| shown cosine | answer holds gold | wrongly refused | refused near-topic | refused rewritten | refused off-topic |"
    rule = "|---" * (len(columns) + 1) + "|"

    fit = questions(args.cache / "questions" / f"{args.fit}.jsonl", args.limit)
    print(f"fitting on {args.fit}: {len(fit)} questions\n\n{header}\n{rule}")
    print(row("the real cosines", [run(args.cache / "archives" / args.fit, fit, None)], columns), flush=True)
    scores = {}
    for value in (float(v) for v in args.grid.split(",")):
        outcomes = run(args.cache / "archives" / args.fit, fit, value)
        share = {k: sum(v) / len(v) for k, v in outcomes.items()}
        scores[value] = (share["refused offtopic"] >= args.min_offtopic, share["answerable"])
        print(row(f"{value:g}", [outcomes], columns), flush=True)
    best = max(scores, key=lambda v: scores[v])
    print(
        f"\nchosen: {best:g} (answers holding gold {scores[best][1]:.3f}; off-topic refused >= {args.min_offtopic})\n"
    )

    names = sorted(p.stem for p in (args.cache / "questions").glob(f"{args.validate}.jsonl"))
    print(f"validation archives {', '.join(names)}\n\n{header}\n{rule}")
    for label, value in (
        (f"{best:g} (BM25 alone, cosines hidden)", best),
        ("the real cosines (English as it is)", None),
    ):
        runs = [
            run(
                args.cache / "archives" / n,
                questions(args.cache / "questions" / f"{n}.jsonl", args.limit),
                value,
            )
            for n in names
        ]
        print(row(label, runs, columns), flush=True)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
