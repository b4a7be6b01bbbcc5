"""Every operation at 1k, 10k and 100k articles, and the 1M figures extrapolated. Prints a table; not a test.

Usage: python bench/scale_bench.py --cache DIR [--sizes 1000,10000,100000] [--rebuild] [--rounds 5]
                                   [--cli-rounds 5]

Archives are built from generated news-like articles (bench/newslike.py: real sentences recombined)
in DIR/scale-<size>, and kept for the next run unless --rebuild. Building embeds through a caching
embedder (the real model's vectors of the sentence pool, reused as sentences recur), so build
time is the pipeline without the model; the model's own throughput is printed separately. Every
other figure uses the real model and, for `index add`, `index remove` and cold `ask`, the real
`dossier` CLI in its own process:
  add / remove   wall seconds of `dossier index add FILE` (one new article) and `dossier index remove`
  cold ask       wall seconds of `dossier ask QUESTION`, process start to exit
  warm p50/p95   milliseconds per answer in a separate answering process, after one warm-up round
  memory         that process's resident memory (VmRSS) after answering, and its peak (VmHWM)
  recall@10      of the archive's vector search (compacted segment + fresh part) against exact search
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import machine, percentile  # noqa: E402
from bench.newslike import CachingEmbedder, Newsroom  # noqa: E402

POOL = 60_000  # distinct sentences; at 100k articles each recurs ~25 times
BATCH = 1_000  # articles per `Archive.add` while building (one transaction each)
QUESTIONS = 20


def settings_for(data_dir: Path):  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    return Settings(data_dir=data_dir).index_settings()


def prepare_models(cache: Path) -> Path:
    """The model's ONNX export (and int8 copy), made once and linked into every archive."""
    from index.embedding import load_document_embedder

    home = cache / "modeldir"
    home.mkdir(parents=True, exist_ok=True)
    load_document_embedder(settings_for(home).model, home)
    return home / "models"


def pool_vectors(cache: Path, newsroom: Newsroom, models: Path) -> tuple[np.ndarray, float]:
    """The real vectors of the pool (cached), and the model's throughput in sentences/s."""
    from index.embedding import load_document_embedder

    embedder = load_document_embedder(settings_for(models.parent).model, models.parent)
    sample = newsroom.pool[:2_000]
    embedder.embed_documents(sample[:32])
    started = time.perf_counter()
    embedder.embed_documents(sample)
    throughput = len(sample) / (time.perf_counter() - started)
    path = cache / f"pool-{len(newsroom.pool)}.npy"
    if not path.exists():
        np.save(path, embedder.embed_documents(newsroom.pool))
    return np.load(path), throughput


def build(
    data_dir: Path, size: int, newsroom: Newsroom, embedder: CachingEmbedder, models: Path
) -> dict[str, float]:
    """Adds `size` articles in batches and compacts; returns timing and counts."""
    import shutil

    from index.archive import Archive

    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    (data_dir / "models").symlink_to(models)
    archive = Archive.open_or_create(settings_for(data_dir), embedder)
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        archive.add(newsroom.articles(start, min(size, start + BATCH)))
    added = time.perf_counter() - started
    archive.compact()
    seconds = time.perf_counter() - started
    counts = archive.counts()
    archive.close()
    stats = {"seconds": seconds, "compaction": seconds - added, "misses": embedder.misses, **counts}
    (data_dir / "bench-build.json").write_text(json.dumps(stats))
    return stats


def disk_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file() and "models" not in p.parts)


def cli(data_dir: Path, *args: str) -> tuple[float, str, float]:
    """Wall seconds, output and peak resident MiB of one `dossier` process.

    The peak comes from GNU time where installed (NaN otherwise): a child's own getrusage figure
    would start from this big process's peak, which Linux carries across fork and exec.
    """
    import shutil
    import tempfile

    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env["DOSSIER_DATA_DIR"] = str(data_dir)
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("w+", suffix=".peak") as peak:
        prefix = [timer, "-f", "%M", "-o", peak.name] if timer else []
        started = time.perf_counter()
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"dossier {' '.join(args)} failed: {done.stderr}")
        kib = peak.read().strip().splitlines()
        return seconds, done.stdout, int(kib[-1]) / 1024 if kib else float("nan")


def commands(rows: list[dict], newsroom: Newsroom, rounds: int) -> None:  # type: ignore[type-arg]
    """`index add`, `index remove` and cold `ask` at every size in turn, round after round, so that
    the machine's other load falls on all sizes alike; medians go into the rows."""
    questions = newsroom.questions(QUESTIONS)
    times: dict[tuple[int, str], list[float]] = {}
    for r in range(rounds):
        for row in rows:
            data_dir = row["dir"]
            folder = data_dir.parent / f"new-articles-{row['size']}"
            folder.mkdir(exist_ok=True)
            path = newsroom.write(10_000_000 + row["size"] + r, folder)
            add = cli(data_dir, "index", "add", str(path))
            remove = cli(data_dir, "index", "remove", add[1].split()[1])
            ask = cli(data_dir, "ask", questions[r % len(questions)])
            for key, (seconds, _, peak) in (("add", add), ("remove", remove), ("cold", ask)):
                times.setdefault((row["size"], key), []).append(seconds)
                row.setdefault("peaks", {})[key] = max(row.get("peaks", {}).get(key, 0.0), peak)
    for row in rows:
        for key in ("add", "remove", "cold"):
            row[key] = percentile(times[(row["size"], key)], 0.5)
        row["compact"], _, row["peaks"]["compact"] = cli(row["dir"], "index", "compact")  # folds those in


def serve(data_dir: Path, questions: list[str], rounds: int) -> None:
    """Run in a process of its own: answer, then print latencies and memory as JSON."""
    from bot.services import open_answering
    from bot.settings import Settings

    service = open_answering(Settings(data_dir=data_dir))
    refused = sum(service.answer(q).refused for q in questions)  # warm-up
    archive = service.archive
    latencies, parts = [], {"embed": [], "dense": [], "lexical": []}
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            service.answer(question)
            latencies.append((time.perf_counter() - started) * 1000)
            # The parts of a search that grow differently with the archive, timed on their own.
            started = time.perf_counter()
            vector = archive.embed_query(question)
            parts["embed"].append((time.perf_counter() - started) * 1000)
            with archive._lock:
                derived = archive._searchable()
                started = time.perf_counter()
                derived.dense(vector, 50, archive._store)
                parts["dense"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                derived.lexical(question, 50)
                parts["lexical"].append((time.perf_counter() - started) * 1000)
    status = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    memory = {k: int(status[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}
    medians = {k: percentile(v, 0.5) for k, v in parts.items()}
    print(json.dumps({"latencies": latencies, "refused": refused, "parts": medians, **memory}))


def warm(data_dir: Path, questions: list[str], rounds: int) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "DOSSIER_DATA_DIR": str(data_dir)}
    command = [sys.executable, __file__, "--serve", str(data_dir), "--rounds", str(rounds)]
    done = subprocess.run(command, input=json.dumps(questions), env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.splitlines()[-1])


def recall(
    data_dir: Path, queries: list[str], nprobes: tuple[int, ...] = ()
) -> dict[int, tuple[float, float]]:
    """Mean share of the exact top 10 chunks (by cosine) that the archive's vector search returns,
    and its milliseconds per query, at the configured nprobe (key 0) and at each of `nprobes`."""
    import faiss

    from index import vectors as vector_module
    from index.archive import Archive

    archive = Archive.open(settings_for(data_dir))
    embedded = archive.query_embedder.embed_queries(queries)
    derived = archive._searchable()
    store = archive._store
    ids, _, stored, _ = store.chunks_after(0, store.last_chunk_id(), archive.dimension, limit=10**9)
    _, exact = faiss.knn(embedded, stored, 10, metric=faiss.METRIC_INNER_PRODUCT)
    del stored
    index = derived.segment.vectors._index
    configured = vector_module.IVF_NPROBE
    results = {}
    for nprobe in (0, *nprobes):
        vector_module.IVF_NPROBE = nprobe or configured
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = nprobe or configured
        started = time.perf_counter()
        found = [set(derived.dense(v, 10, store).ids.tolist()) for v in embedded]
        ms = (time.perf_counter() - started) * 1000 / len(embedded)
        shares = [len(f & set(ids[e].tolist())) / 10 for f, e in zip(found, exact, strict=True)]
        results[nprobe] = (float(np.mean(shares)), ms)
    vector_module.IVF_NPROBE = configured
    archive.close()
    return results


def measure(
    args: argparse.Namespace, size: int, newsroom: Newsroom, embedder: CachingEmbedder, models: Path
) -> dict:  # type: ignore[type-arg]
    data_dir = args.cache / f"scale-{size}"
    stats_file = data_dir / "bench-build.json"
    if args.rebuild or not stats_file.exists():
        print(f"building {size} articles ...", file=sys.stderr, flush=True)
        stats = build(data_dir, size, newsroom, embedder, models)
    else:
        stats = json.loads(stats_file.read_text())
    questions = newsroom.questions(QUESTIONS)
    row = {"size": size, **stats, "disk": disk_bytes(data_dir) / 2**30}
    sweep = (24, 48, 96, 192) if size >= 100_000 else ()
    recalls = recall(data_dir, newsroom.questions(200, seed=5), sweep)
    row["recall"], row["nprobe"] = recalls.pop(0)[0], recalls
    served = warm(data_dir, questions, args.rounds)
    row.update(p50=percentile(served["latencies"], 0.5), p95=percentile(served["latencies"], 0.95))
    row.update(rss=served["VmRSS"], hwm=served["VmHWM"], refused=served["refused"], parts=served["parts"])
    row["dir"] = data_dir
    return row


def extrapolate(rows: list[dict], key: str, size: int) -> float:  # type: ignore[type-arg]
    """A fixed cost plus a cost per article, least squares over the sizes measured; a per-article
    cost below zero (noise on a size-independent figure) counts as none."""
    sizes = np.array([r["size"] for r in rows], dtype=np.float64)
    values = np.array([r[key] for r in rows], dtype=np.float64)
    slope, intercept = np.polyfit(sizes, values, 1)
    if slope < 0:
        return float(values.mean())
    return float(intercept + slope * size)


def p50_at(row: dict, size: int) -> float:  # type: ignore[type-arg]
    """The warm p50 at `size` articles, each part of it grown by its own law from `row`."""
    parts, scale = row["parts"], size / row["size"]
    rest = row["p50"] - sum(parts.values())
    return float(rest + parts["embed"] + parts["dense"] * scale**0.5 + parts["lexical"] * scale)


def report(rows: list[dict], throughput: float) -> None:  # type: ignore[type-arg]
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} at the end")
    print(f"the model alone (int8 ONNX, this machine): {throughput:.0f} sentences/s\n")
    header = (
        f"{'articles':>9}{'sentences':>11}{'chunks':>9}{'build s':>9}{'sent/s':>8}{'disk GiB':>9}"
        f"{'add s':>7}{'remove s':>9}{'cold ask s':>11}{'warm p50':>9}{'p95 ms':>8}{'RSS MiB':>9}"
        f"{'peak MiB':>9}{'recall@10':>10}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['size']:>9}{r['sentences']:>11}{r['chunks']:>9}{r['seconds']:>9.0f}"
            f"{r['sentences'] / r['seconds']:>8.0f}{r['disk']:>9.2f}{r['add']:>7.2f}{r['remove']:>9.2f}"
            f"{r['cold']:>11.2f}{r['p50']:>9.1f}{r['p95']:>8.1f}{r['rss']:>9.0f}{r['hwm']:>9.0f}"
            f"{r['recall']:>10.3f}"
        )
    if len(rows) >= 2:
        big = 1_000_000
        e = {
            k: extrapolate(rows, k, big)
            for k in (
                "sentences",
                "chunks",
                "seconds",
                "disk",
                "add",
                "remove",
                "cold",
                "rss",
                "hwm",
            )
        }
        print(
            f"{'1M (fit)':>9}{e['sentences']:>11.0f}{e['chunks']:>9.0f}{e['seconds']:>9.0f}"
            f"{e['sentences'] / e['seconds']:>8.0f}{e['disk']:>9.2f}{e['add']:>7.2f}{e['remove']:>9.2f}"
            f"{e['cold']:>11.2f}{p50_at(rows[-1], big):>9.1f}{'':>8}{e['rss']:>9.0f}{e['hwm']:>9.0f}{'':>10}"
        )
        print(
            "\n1M (fit): a fixed cost plus a cost per article, least squares over the sizes above; the warm "
            "p50 by its parts instead (below)"
        )
        last = rows[-1]
        print(
            f"warm answer at {last['size']} articles: p50 {last['p50']:.1f} ms, of which query embedding "
            f"{last['parts']['embed']:.1f}, vector search {last['parts']['dense']:.1f}, BM25 "
            f"{last['parts']['lexical']:.1f}; at 1M: embedding as is, vector search x sqrt(10) (IVF cells "
            f"grow with the square root of the chunks), BM25 x 10 (postings grow with the archive): "
            f"{p50_at(last, big):.1f} ms"
        )
    for r in rows:
        if r["nprobe"]:
            sweep = ", ".join(f"{n}: {rc:.3f} in {ms:.2f} ms" for n, (rc, ms) in r["nprobe"].items())
            print(f"{r['size']} articles, recall@10 and ms per vector search by IVF nprobe: {sweep}")
        peaks = ", ".join(f"{command} {mib:.0f}" for command, mib in r["peaks"].items())
        print(
            f"{r['size']} articles: compaction {r['compaction']:.0f} s of the build, `index compact` of the "
            f"adds and removes above {r['compact']:.1f} s; peak MiB of the CLI processes: {peaks}; "
            f"{r['misses']} sentences not in the pool embedded by the model, {r['refused']}/{QUESTIONS} "
            "questions refused"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rounds", type=int, default=5, help="warm rounds over the questions")
    parser.add_argument("--cli-rounds", type=int, default=5, help="rounds of add, remove and cold ask")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, json.loads(sys.stdin.read()), args.rounds)
        return
    if args.cache is None:
        parser.error("--cache DIR is required: archives are kept there between runs")
    args.cache.mkdir(parents=True, exist_ok=True)
    from index.chunking import split_sentences
    from index.parsing import load_articles

    seeds = [s.text for _, a in load_articles(str(ROOT / "seeds")) for s in split_sentences(a.paragraphs)]
    newsroom = Newsroom(POOL, seed_sentences=seeds)
    models = prepare_models(args.cache)
    vectors, throughput = pool_vectors(args.cache, newsroom, models)
    from index.embedding import load_document_embedder

    embedder = CachingEmbedder(
        load_document_embedder(settings_for(models.parent).model, models.parent), newsroom.pool, vectors
    )
    rows = [measure(args, int(s), newsroom, embedder, models) for s in args.sizes.split(",")]
    commands(rows, newsroom, args.cli_rounds)
    report(rows, throughput)


if __name__ == "__main__":
    main()
