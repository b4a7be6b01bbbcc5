"""Russian questions on a Russian archive: how often the answer holds the gold answer. Prints a table.

    python bench/russian_bench.py [--data DIR] [--questions FILE] [--articles DIR] [--shown 0.45,0.7]

Builds the archive of --articles (tests/eval/ru/: eight articles written for the set) with the real
model under --data (kept there, built again when the articles change) and asks every question of
--questions (tests/eval/questions_ru.jsonl: 70 answerable, 15 unanswerable). Rows, side by side in one
run: Dossier as it is (the bundled model reads English only, so for a Russian question the scorer is
shown every cosine as UNREAD_DENSE, index/answering/extractive.py), the cosines shown as they are, and
each --shown value in place of UNREAD_DENSE. This set is the eval set: the table reports and chooses
nothing (UNREAD_DENSE is fitted on SQuAD by bench/unread_dense.py). Any question file and folder of
articles in another language can be measured the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def build(data_dir: Path, articles: Path, model: str) -> None:
    """Index the articles into data_dir unless it already holds exactly these files."""
    from index.archive import Archive
    from index.config import IndexSettings
    from index.parsing import load_articles

    # The articles and what reads their words: a change to either builds the archive again.
    read_by = [ROOT / "index" / "lexical.py", ROOT / "index" / "chunking.py", ROOT / "index" / "stopwords.py"]
    digest = hashlib.sha256(
        b"".join(p.read_bytes() for p in [*sorted(articles.iterdir()), *read_by])
    ).hexdigest()
    stamp = data_dir / "articles.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    for old in data_dir.iterdir():  # the model's export is kept: only the index is built again
        if old.name != "models":
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    archive = Archive.for_build(IndexSettings(data_dir=data_dir, model=model))
    archive.add(list(load_articles(str(articles))), replace_all=True)  # type: ignore[arg-type]
    archive.close()
    stamp.write_text(digest)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path("/work/cache/issue16/ru-bench"))
    parser.add_argument("--articles", type=Path, default=ROOT / "tests" / "eval" / "ru")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "eval" / "questions_ru.jsonl")
    parser.add_argument("--shown", default="0.45,0.6,0.7,0.8", help="cosines shown in place of UNREAD_DENSE")
    args = parser.parse_args()

    from bot.settings import BUNDLED_MODEL
    from index.answering import extractive
    from index.answering.evaluate import evaluate, read_questions
    from index.answering.service import AnsweringService
    from index.archive import Archive
    from index.config import IndexSettings

    started = time.perf_counter()
    build(args.data, args.articles, BUNDLED_MODEL)
    archive = Archive.open(IndexSettings(data_dir=args.data, model=BUNDLED_MODEL))
    questions = list(read_questions(args.questions))
    answerable = sum(q.answerable for q in questions)
    print(
        f"{args.questions.name}: {answerable} answerable, {len(questions) - answerable} unanswerable questions"
    )
    print(
        f"on {len(archive.documents())} articles of {args.articles}; {platform.processor() or platform.machine()}\n"
    )
    print(
        "| for a Russian question | answer holds gold | wrongly refused | citation precision | refused unanswerable | recall@5 | MRR |"
    )
    print("|---|---|---|---|---|---|---|")
    chosen = extractive.UNREAD_DENSE
    rows: list[tuple[str, float | None]] = [
        (f"BM25 alone, every cosine shown as {chosen:g} (Dossier as it is)", chosen),
        ("the model's ranking and cosines used as for English", None),
    ]
    rows += [
        (f"BM25 alone, every cosine shown as {float(v):g}", float(v))
        for v in args.shown.split(",")
        if float(v) != chosen
    ]
    for label, shown in rows:
        service = AnsweringService(archive)
        if shown is None:
            archive.model_reads = lambda language: True  # type: ignore[method-assign]
        else:
            archive.__dict__.pop("model_reads", None)
        extractive.UNREAD_DENSE = shown if shown is not None else chosen
        report = evaluate(service, questions)
        m = report.metrics()
        wrongly = report.refused_answerable / report.answerable
        print(
            f"| {label} | {m['answer_hit_rate']:.3f} | {wrongly:.3f} | {m['citation_precision']:.3f} | "
            f"{m['refusal_recall']:.3f} | {m['recall@5']:.3f} | {m['mrr']:.3f} |",
            flush=True,
        )
    extractive.UNREAD_DENSE = chosen
    archive.close()
    print(f"\n({time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
