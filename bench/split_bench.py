"""Splitting and adding very long paragraphs: the time grows linearly with the text. Prints tables.

Usage: python bench/split_bench.py [--sizes 0.25,0.5,1,2] [--before 16,32,64] [--add 1] [--data DIR]

1. pysbd on one whole paragraph (what Dossier did before cutting paragraphs into runs), at a few
   sizes in kB: the time per character grows with the size (the issue measured 0.25 / 0.5 / 1 MB
   at 110 / 414 / 1,145 s; larger sizes are left out here for that reason).
2. `split_sentences` as it is now (runs of at most MAX_RUN characters), at sizes in MB.
3. `Archive.add` of one article made of one paragraph of that many MB, with the real model
   (split, embed, store), in a fresh data directory.

Paragraphs are made of plausible news sentences with abbreviations ("Mr.", "U.S."), the kind pysbd
works hardest on.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import machine  # noqa: E402

SENTENCES = [
    "The minister said on Tuesday that Mr. Smith of the U.S. delegation agreed to the plan.",
    "Kazakhstan and Uzbekistan will build 14 monitoring stations along the Syr Darya.",
    "Prices rose by 3.5% in Jan. and fell again in Feb., the statistics office said.",
    "Officials in Astana expect the first stations to work before the irrigation season.",
]


def paragraph(size: int) -> str:
    text = " ".join(SENTENCES)
    return ((text + " ") * (size // len(text) + 1))[:size]


def time_it(function, *args) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1,2", help="MB, for the splitter as it is now")
    parser.add_argument("--before", default="16,32,64", help="kB, for pysbd on a whole paragraph")
    parser.add_argument("--add", default="1", help="MB, for Archive.add with the real model")
    parser.add_argument("--data", type=Path, default=None, help="a data directory with the model export")
    options = parser.parse_args()

    from index.chunking import MAX_RUN, _segmenter, split_sentences

    print(f"# machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    print("\n| pysbd on one whole paragraph | seconds | µs per character |\n|---|---|---|")
    for kb in (float(s) for s in options.before.split(",")):
        text = paragraph(int(kb * 1024))
        seconds = time_it(lambda t: _segmenter().processor(t).process(), text)
        print(f"| {kb:g} kB | {seconds:.2f} | {seconds / len(text) * 1e6:.1f} |")

    print(f"\n| split_sentences (runs of {MAX_RUN} characters) | sentences | seconds | µs per character |")
    print("|---|---|---|---|")
    for mb in (float(s) for s in options.sizes.split(",")):
        text = paragraph(int(mb * 1024 * 1024))
        started = time.perf_counter()
        count = len(split_sentences([text]))
        seconds = time.perf_counter() - started
        print(f"| {mb:g} MB | {count:,} | {seconds:.1f} | {seconds / len(text) * 1e6:.1f} |")

    from index.archive import Archive
    from index.config import IndexSettings
    from index.models import Article

    print("\n| Archive.add, one paragraph | sentences | seconds | sentences/s |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = options.data or Path(scratch)
        settings = IndexSettings(data_dir=data_dir, model="sentence-transformers/all-MiniLM-L6-v2")
        archive = Archive.for_build(settings)
        archive.add([("warm", Article("Warm-up", (SENTENCES[0],)))], replace_all=True)  # loads the model
        for mb in (float(s) for s in options.add.split(",")):
            article = Article(f"A paragraph of {mb:g} MB", (paragraph(int(mb * 1024 * 1024)),))
            started = time.perf_counter()
            [result] = archive.add([(f"{mb} MB", article)])
            seconds = time.perf_counter() - started
            count = archive.find_document(result.doc_id).sentence_count if result.doc_id else 0  # type: ignore[union-attr]
            print(f"| {mb:g} MB ({result.status}) | {count:,} | {seconds:.1f} | {count / seconds:.0f} |")
        archive.close()


if __name__ == "__main__":
    main()
