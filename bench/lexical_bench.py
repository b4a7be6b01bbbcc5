"""Lexical search kept on disk: our BM25 postings (index/postings.py) against SQLite FTS5. Prints a table.

Usage: python bench/lexical_bench.py [--articles 10000,100000] [--queries 200]

Both index the same chunks (paragraphs of bench/newslike.py articles) tokenized by index/lexical.py,
so stems, stop words and numbers kept whole are identical: FTS5 gets the tokens joined by spaces and
its `ascii` tokenizer with the token characters our tokens contain, and ranks by its bm25(). Reported
per size: build seconds, disk, first query after opening (cold), p50/p95 per query, and how many of
FTS5's top 10 agree with the postings' top 10, which score exactly as bm25s did (tests/test_lexical.py).
Then the seeds' exact-term questions: the passage that must come first, by each.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import machine, percentile  # noqa: E402
from bench.newslike import Newsroom  # noqa: E402
from index.derived import Derived  # noqa: E402
from index.lexical import tokenize  # noqa: E402
from index.postings import MainPostings, merge  # noqa: E402
from index.segment import Segment  # noqa: E402

FTS = """CREATE VIRTUAL TABLE chunks USING fts5(terms, tokenize="ascii tokenchars '-.,%_'", detail=column)"""
EXACT = [("Kazgeology", "Kazgeology and Rosgeologia"), ("butadiene", "production of butadiene"),
         ("88", "88 general processes")]  # fmt: skip


class Fts:
    def __init__(self, folder: Path, token_lists: list[list[str]]):
        self.path = folder / "fts.sqlite3"
        db = sqlite3.connect(self.path)
        db.execute(FTS)
        db.executemany(
            "INSERT INTO chunks(rowid, terms) VALUES (?, ?)",
            ((i + 1, " ".join(t)) for i, t in enumerate(token_lists)),
        )
        db.commit()
        db.close()
        self.db = sqlite3.connect(self.path)

    def search(self, query: str, k: int = 10) -> list[int]:
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = "SELECT rowid FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks) LIMIT ?"
        return [r[0] for r in self.db.execute(sql, (match, k))]


class Postings:
    def __init__(self, folder: Path, token_lists: list[list[str]]):
        merge(folder, None, np.zeros(0, dtype=np.bool_), token_lists)
        self.folder, self.count = folder, len(token_lists)
        self.open()

    def open(self) -> None:
        empty = Segment.empty(8)
        postings = MainPostings.open(self.folder)
        segment = Segment("s", self.count, 0, np.arange(1, self.count + 1), empty.vectors, postings)
        self.view = Derived(segment, 8)

    def search(self, query: str, k: int = 10) -> list[int]:
        return self.view.lexical(query, k).ids.tolist()


def timed(search, queries: list[str]) -> tuple[list[float], list[list[int]]]:  # type: ignore[no-untyped-def]
    times, results = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(search(query))
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    newsroom = Newsroom(60_000)
    rng = random.Random(1)
    scratch = tempfile.TemporaryDirectory(prefix="dossier-lexical-")
    print(f"machine: {machine()}\n")
    print(
        f"{'chunks':>8}{'index':>10}{'build s':>9}{'disk MB':>9}{'cold ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'agree@10':>10}"
    )
    for size in (int(s) for s in args.articles.split(",")):
        texts = [p for _, a in newsroom.articles(0, size) for p in a.paragraphs]  # type: ignore[attr-defined]
        # Half readers' questions, half five words from a chunk (names and numbers in them).
        queries = newsroom.questions(args.queries // 2)
        queries += [" ".join(rng.choice(texts).split()[:5]) for _ in range(args.queries // 2)]
        rows = {}
        tokens = [tokenize(t) for t in texts]
        for name, kind in (("postings", Postings), ("fts5", Fts)):
            folder = Path(scratch.name) / f"{name}-{size}"
            folder.mkdir()
            started = time.perf_counter()
            index = kind(folder, tokens)
            build = time.perf_counter() - started
            disk = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
            started = time.perf_counter()
            if isinstance(index, Postings):
                index.open()
            else:
                index.db = sqlite3.connect(index.path)
            index.search(queries[0])
            cold = (time.perf_counter() - started) * 1000
            times, results = timed(index.search, queries)
            rows[name] = results
            agree = np.mean(
                [
                    len(set(a) & set(b)) / max(1, len(b))
                    for a, b in zip(results, rows["postings"], strict=True)
                ]
            )
            print(
                f"{len(texts):>8}{name:>10}{build:>9.1f}{disk:>9.1f}{cold:>9.1f}{percentile(times, 0.5):>9.2f}{percentile(times, 0.95):>9.2f}{agree:>10.3f}"
            )
    seeds(Path(scratch.name))
    scratch.cleanup()


def seeds(scratch: Path) -> None:
    from index.chunking import split_sentences
    from tests.support.archive import seed_articles

    texts = [s.text for _, a in seed_articles() for s in split_sentences(a.paragraphs)]
    print("\nexact-term questions over the seeds' sentences: is the passage that must be first, first?")
    for name, kind in (("postings", Postings), ("fts5", Fts)):
        folder = scratch / f"seeds-{name}"
        folder.mkdir()
        index = kind(folder, [tokenize(t) for t in texts])
        verdicts = [
            f"{q}: {'yes' if index.search(q, 1) and phrase in texts[index.search(q, 1)[0] - 1] else 'NO'}"
            for q, phrase in EXACT
        ]
        print(f"  {name:<9}" + ", ".join(verdicts))


if __name__ == "__main__":
    main()
