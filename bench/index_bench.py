"""Indexing throughput and vector search latency/recall. Prints tables; not a test.

Usage: python bench/index_bench.py [--articles N] [--sizes 10000,100000,1000000] [--queries Q]
                                   [--backends onnx,torch] [--repeat R]

1. Indexing: the real pipeline (parse → sentences → chunks → embeddings → SQLite + FAISS + BM25)
   on the seed articles and on N generated news-like articles, in sentences/s and chunks/s: the
   best and the median of R runs, since other work on a shared machine makes single runs noisy.
   The "onnx" backend embeds documents with the int8 ONNX export, "torch" with sentence-transformers.
2. Search: the index type `VectorIndex.build` picks at each size, p50/p95 of single-query latency and
   recall@10 against exact search. Vectors are real embeddings of generated news sentences plus
   small Gaussian noise, so they keep the clustered shape of real data (uniform random vectors make
   approximate indexes look falsely bad).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import machine, percentile  # noqa: E402

PEOPLE = [
    "Askar Mamin",
    "Mikhail Mishustin",
    "Roman Golovchenko",
    "Aida Balayeva",
    "Nikol Pashinyan",
    "Olzhas Bektenov",
    "Dana Seitkali",
    "Arman Sadykov",
    "Kubatbek Boronov",
    "Ion Chicu",
]
PLACES = ["Astana", "Almaty", "Minsk", "Kazan", "Bishkek", "Tashkent", "Moscow", "Yerevan", "Shymkent"]
TOPICS = [
    "grain exports",
    "a new rail link",
    "customs procedures",
    "the digital office",
    "wind farms",
    "water management",
    "oil refining",
    "space imagery",
    "public procurement",
    "vaccination",
    "the banking sector",
    "uranium mining",
    "tourism",
    "the steel industry",
    "road construction",
]
VERBS = [
    "discussed",
    "announced",
    "signed an agreement on",
    "reviewed progress on",
    "approved a plan for",
    "criticised delays in",
    "opened talks about",
    "proposed new rules for",
]
FIGURES = [
    "{n} projects",
    "{n} million tonnes",
    "{n} percent",
    "{n} billion tenge",
    "{n} new jobs",
    "{n} kilometres",
    "{n} companies",
    "{n} agreements",
]


def sentence(rng: random.Random) -> str:
    figure = rng.choice(FIGURES).format(n=rng.randint(2, 950))
    return (
        f"{rng.choice(PEOPLE)} {rng.choice(VERBS)} {rng.choice(TOPICS)} in {rng.choice(PLACES)}, "
        f"where officials reported {figure} in {rng.randint(2015, 2025)}."
    )


def generated_articles(count: int, seed: int = 7) -> list:  # type: ignore[type-arg]
    from index.models import Article

    rng = random.Random(seed)
    articles = []
    for i in range(count):
        paragraphs = tuple(
            " ".join(sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(4, 9))
        )
        articles.append(
            (
                f"gen-{i}",
                Article(
                    title=f"{rng.choice(TOPICS).capitalize()} report {i}",
                    paragraphs=paragraphs,
                    url=f"https://news.example/{i}",
                ),
            )
        )
    return articles


def indexing(articles: list, backend: str, models: Path) -> tuple[float, int, int]:  # type: ignore[type-arg]
    """Seconds to index `articles` into a new index, and its sentence and chunk counts."""
    from bot.settings import Settings
    from index.archive import Archive

    data_dir = Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    (data_dir / "models").symlink_to(models, target_is_directory=True)  # export the model once
    settings = Settings(data_dir=data_dir, embedding_backend=backend).index_settings()
    archive = Archive.for_build(settings)
    archive.document_embedder.embed_documents(["warm up"])  # model loading is not throughput
    started = time.perf_counter()
    archive.add(articles, replace_all=True)
    seconds = time.perf_counter() - started
    counts = archive.counts()
    archive.close()
    return seconds, counts["sentences"], counts["chunks"]


def realistic_vectors(
    count: int, base: np.ndarray, rng: np.random.Generator, noise: float = 0.04
) -> np.ndarray:
    picks = base[rng.integers(0, len(base), count)]
    data = picks + noise * rng.standard_normal(picks.shape).astype(np.float32)
    return (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)


def search(
    sizes: list[int], query_count: int, models: Path
) -> list[tuple[int, str, float, float, float, float, float]]:
    import faiss

    from bot.settings import Settings
    from index.embedding import load_query_embedder
    from index.vectors import VectorIndex

    rng_text = random.Random(11)
    seed_dir = Path(tempfile.mkdtemp(prefix="dossier-bench-model-"))
    (seed_dir / "models").symlink_to(models, target_is_directory=True)
    from index.embedding import load_document_embedder

    embedder = load_document_embedder(Settings().embedding_model, seed_dir)
    base = embedder.embed_documents([sentence(rng_text) for _ in range(8000)])
    queries = load_query_embedder(Settings().embedding_model, seed_dir).embed_queries(
        [sentence(rng_text) for _ in range(query_count)]
    )
    rows = []
    rng = np.random.default_rng(3)
    for size in sizes:
        data = realistic_vectors(size, base, rng)
        ids = np.arange(size, dtype=np.int64)
        exact = faiss.IndexFlatIP(data.shape[1])
        exact.add(data)
        _, truth = exact.search(queries, 10)
        exact_times = []
        for q in queries[:20]:
            t = time.perf_counter()
            exact.search(q.reshape(1, -1), 10)
            exact_times.append((time.perf_counter() - t) * 1000)
        started = time.perf_counter()
        index = VectorIndex.build(ids, data, data.shape[1])
        build = time.perf_counter() - started
        times, recalls = [], []
        for q, expected in zip(queries, truth, strict=True):
            t = time.perf_counter()
            found = index.search(q, 10).ids
            times.append((time.perf_counter() - t) * 1000)
            recalls.append(len(set(found.tolist()) & set(expected.tolist())) / 10)
        rows.append(
            (
                size,
                index.kind,
                percentile(times, 0.5),
                percentile(times, 0.95),
                statistics.mean(recalls),
                statistics.median(exact_times),
                build,
            )
        )
        del data, exact, index
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="onnx,torch")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from index.parsing import load_articles

    print(f"machine: {machine()}\n")
    seeds = [(o, a) for o, a in load_articles(str(ROOT / "seeds"))]
    generated = generated_articles(args.articles)
    models = Path(tempfile.mkdtemp(prefix="dossier-bench-models-"))
    print(
        f"{'indexing':<28}{'backend':<9}{'sentences/s':>12}{'(median)':>10}"
        f"{'chunks/s':>10}{'(median)':>10}{'sentences':>11}{'chunks':>8}"
    )
    for backend in args.backends.split(","):
        for label, articles in (("seed articles", seeds), (f"{args.articles} generated articles", generated)):
            runs = [indexing(articles, backend, models) for _ in range(max(1, args.repeat))]
            best, median = min(r[0] for r in runs), statistics.median(r[0] for r in runs)
            _, sentences, chunks = runs[0]
            print(
                f"{label:<28}{backend:<9}{sentences / best:>12.0f}{sentences / median:>10.0f}"
                f"{chunks / best:>10.0f}{chunks / median:>10.0f}{sentences:>11}{chunks:>8}"
            )
    print(
        f"\n{'vectors':>9}{'index':>7}{'p50 ms':>9}{'p95 ms':>9}{'recall@10':>11}{'exact p50 ms':>14}{'build s':>9}"
    )
    for size, kind, p50, p95, recall, exact_ms, build in search(
        [int(s) for s in args.sizes.split(",")], args.queries, models
    ):
        print(f"{size:>9}{kind:>7}{p50:>9.2f}{p95:>9.2f}{recall:>11.3f}{exact_ms:>14.2f}{build:>9.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
