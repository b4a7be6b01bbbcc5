"""Answer latency: the warm answering service next to a bare query embedding, and a cold `dossier ask`.

Usage: python bench/answer_bench.py [--data-dir DIR] [--rounds N] [--cold-runs N]
Builds the seed index into a temporary directory unless --data-dir names an existing one.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUESTIONS = [
    "Who is the president of Belarus?",
    "How many general processes were developed?",
    "Which companies signed the geological exploration agreement?",
    "What was adopted as a result of the session?",
    "When was the Digital Office created?",
    "Who wrote the article about the talks in Kazan?",
    "Who won the Tour de France in 2022?",
    "What is the population of Kazakhstan?",
    "Which chemical will be produced under the new roadmap?",
    "What did the council approve about the coronavirus?",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = (
        int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        // 1024
        // 1024
    )
    return f"{os.cpu_count()} cores, {memory} GiB, {cpu}, Python {platform.python_version()}"


def ensure_index(data_dir: Path) -> None:
    if (data_dir / "dossier.sqlite3").exists():
        return
    from bot.settings import Settings
    from index.archive import Archive
    from index.parsing import load_articles

    settings = Settings(data_dir=data_dir)
    articles = [(o, a) for o, a in load_articles(str(ROOT / "seeds"))]
    Archive.for_build(settings.index_settings()).add(articles, replace_all=True)


def warm(data_dir: Path, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds per question for the full answer and for embedding the question alone."""
    from bot.services import open_answering
    from bot.settings import Settings

    service = open_answering(Settings(data_dir=data_dir))
    embedder = service.archive.query_embedder
    for question in QUESTIONS:  # warm-up: first runs pay for lazy loads and caches
        service.answer(question)
    answers, embeddings = [], []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            embedder.embed_queries([question])
            embeddings.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            service.answer(question)
            answers.append((time.perf_counter() - started) * 1000)
    return answers, embeddings


def cold(data_dir: Path, runs: int) -> list[float]:
    """Wall seconds of a fresh `dossier ask` process, start to exit."""
    env = {**os.environ, "DOSSIER_DATA_DIR": str(data_dir)}
    times = []
    for i in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", QUESTIONS[i % len(QUESTIONS)]],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=10)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    ensure_index(data_dir)
    answers, embeddings = warm(data_dir, args.rounds)
    cold_times = cold(data_dir, args.cold_runs)
    print(f"machine: {machine()}")
    print(f"questions: {len(QUESTIONS)} x {args.rounds} rounds warm, {args.cold_runs} cold processes\n")
    print(f"{'measure':<34}{'p50':>10}{'p95':>10}{'mean':>10}")
    rows = [
        ("bare query embedding (ms)", embeddings),
        ("answering service, warm (ms)", answers),
        ("cold `dossier ask` process (s)", cold_times),
    ]
    for name, values in rows:
        print(
            f"{name:<34}{percentile(values, 0.5):>10.2f}{percentile(values, 0.95):>10.2f}"
            f"{statistics.mean(values):>10.2f}"
        )
    ratio = percentile(answers, 0.5) / percentile(embeddings, 0.5)
    print(f"\nwarm answer p50 / bare embedding p50 = {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
