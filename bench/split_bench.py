"""Splitting and adding very long paragraphs: the time grows linearly with the text. Prints tables.

Usage: python bench/split_bench.py [--sizes 0.25,0.5,1,2] [--before 16,32,64] [--add 1] [--data DIR]
                                  [--language en|ru|kk]

1. pysbd on one whole paragraph (what Dossier did before cutting paragraphs into runs), at a few
   sizes in kB: the time per character grows with the size (the issue measured 0.25 / 0.5 / 1 MB
   at 110 / 414 / 1,145 s; larger sizes are left out here for that reason).
2. `split_sentences` as it is now (runs of at most MAX_RUN characters), at sizes in MB.
3. `Archive.add` of one article made of one paragraph of that many MB, with the real model
   (split, embed, store), in a fresh data directory.

Paragraphs are made of plausible news sentences with abbreviations ("Mr.", "U.S."; "г.", "млн",
"т. е." in Russian; "ж.", "млрд" in Kazakh), the kind pysbd works hardest on, split by the rules of
`--language`.
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

SENTENCES = {
    "en": [
        "The minister said on Tuesday that Mr. Smith of the U.S. delegation agreed to the plan.",
        "Kazakhstan and Uzbekistan will build 14 monitoring stations along the Syr Darya.",
        "Prices rose by 3.5% in Jan. and fell again in Feb., the statistics office said.",
        "Officials in Astana expect the first stations to work before the irrigation season.",
    ],
    "ru": [
        "Министр сообщил во вторник, что делегация США, т. е. г-н Смит, согласилась с планом.",
        "Казахстан и Узбекистан построят 14 станций мониторинга вдоль р. Сырдарьи до 2025 г.",
        "Цены выросли на 3,5% в янв. и снизились в февр., сообщило бюро статистики.",
        "В Астане ожидают, что первые станции заработают до начала поливного сезона.",
    ],
    "kk": [
        "Министр сейсенбіде АҚШ делегациясы жоспармен келіскенін хабарлады.",
        "Қазақстан мен Өзбекстан 2025 ж. дейін Сырдария бойында 14 бақылау бекетін салады.",
        "Бағалар қаңтарда 3,5% өсіп, ақпанда қайта төмендеді, деп хабарлады статистика бюросы.",
        "Астанада алғашқы бекеттер суару маусымы басталғанға дейін жұмыс істейді деп күтілуде.",
    ],
}
LANGUAGE = "en"


def paragraph(size: int) -> str:
    text = " ".join(SENTENCES[LANGUAGE])
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
    parser.add_argument(
        "--language", default="en", choices=sorted(SENTENCES), help="pysbd's rules and the text"
    )
    options = parser.parse_args()
    global LANGUAGE
    LANGUAGE = options.language

    from index.chunking import MAX_RUN, _segmenter, split_sentences

    print(f"# machine: {machine()}; load average {os.getloadavg()[0]:.2f}; language {LANGUAGE}")
    print("\n| pysbd on one whole paragraph | seconds | µs per character |\n|---|---|---|")
    for kb in (float(s) for s in options.before.split(",")):
        text = paragraph(int(kb * 1024))
        seconds = time_it(lambda t: _segmenter(LANGUAGE).processor(t).process(), text)
        print(f"| {kb:g} kB | {seconds:.2f} | {seconds / len(text) * 1e6:.1f} |")

    print(f"\n| split_sentences (runs of {MAX_RUN} characters) | sentences | seconds | µs per character |")
    print("|---|---|---|---|")
    for mb in (float(s) for s in options.sizes.split(",")):
        text = paragraph(int(mb * 1024 * 1024))
        started = time.perf_counter()
        count = len(split_sentences([text], LANGUAGE))
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
        archive.add(
            [("warm", Article("Warm-up", (SENTENCES[LANGUAGE][0],)))], replace_all=True
        )  # loads the model
        for mb in (float(s) for s in options.add.split(",")):
            text = paragraph(int(mb * 1024 * 1024))
            article = Article(f"A paragraph of {mb:g} MB", (text,), language=LANGUAGE)
            started = time.perf_counter()
            [result] = archive.add([(f"{mb} MB", article)])
            seconds = time.perf_counter() - started
            count = archive.find_document(result.doc_id).sentence_count if result.doc_id else 0  # type: ignore[union-attr]
            print(f"| {mb:g} MB ({result.status}) | {count:,} | {seconds:.1f} | {count / seconds:.0f} |")
        archive.close()


if __name__ == "__main__":
    main()
