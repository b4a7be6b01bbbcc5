"""SQuAD articles as Dossier archives, and the questions asked of them (answerable and not).

Used by bench/train_answerer.py and bench/answer_quality.py. The split is by article with a fixed
seed; each archive holds 40 articles indexed together with the real model (so retrieval faces
distractors), with about one paragraph in seven left out of the index. Questions come in four kinds:

- `answerable`: its paragraph is in the archive;
- `near`: its paragraph was left out, the rest of its article is there (near-topic);
- `rewritten`: its paragraph is there, but the name, number, date or place the question turns on is
  swapped for one from another article of the archive (or another number or year), so nothing in
  the archive answers it (the hardest kind);
- `offtopic`: a question about an article that is not in the archive.

Archives and question files are cached under the cache directory (never committed).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SQUAD = Path("/work/shared/data/squad-train-v1.jsonl.gz")
SEED = 11
ARCHIVE_ARTICLES = 40
LEAVE_OUT = 1 / 7  # share of paragraphs left out of the index (their questions become near-topic)
VALIDATION_ARCHIVES = 2
OFFTOPIC_POOL = 20  # articles never indexed, whose questions are off-topic for validation archives
# Small archives too: an archive may hold a handful of articles (the seeds are two), where retrieval
# reads half of it and idf means something else.
SMALL_ARTICLES = 4
SMALL_TRAIN_ARCHIVES = 10
SMALL_VALIDATION_ARCHIVES = 4  # made of the first validation archive's articles
# And news-sized ones: 3 articles cut to their first 6 paragraphs, about as large as the seeds.
TINY_ARTICLES, TINY_PARAGRAPHS = 3, 6
TINY_TRAIN_ARCHIVES = 20
TINY_VALIDATION_ARCHIVES = 6  # made of the second validation archive's articles


@dataclass(frozen=True)
class Plan:
    """Which articles go in which archive."""

    train: list[list[str]]
    validation: list[list[str]]
    offtopic: list[str]
    small_train: list[list[str]]
    small_validation: list[list[str]]
    tiny_train: list[list[str]]
    tiny_validation: list[list[str]]


def read_squad(path: Path = SQUAD) -> dict[str, dict]:  # type: ignore[type-arg]
    """Articles by title, in the file's order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return {a["title"]: a for a in map(json.loads, lines)}


def plan(titles: list[str], train_archives: int) -> Plan:
    """The split by article: validation archives, an off-topic pool, then training archives."""
    order = sorted(titles)
    random.Random(SEED).shuffle(order)
    size = ARCHIVE_ARTICLES
    validation = [order[i * size : (i + 1) * size] for i in range(VALIDATION_ARCHIVES)]
    at = VALIDATION_ARCHIVES * size
    offtopic = order[at : at + OFFTOPIC_POOL]
    at += OFFTOPIC_POOL
    train = [order[at + i * size : at + (i + 1) * size] for i in range(train_archives)]
    at += train_archives * size
    small = SMALL_ARTICLES
    small_train = [order[at + i * small : at + (i + 1) * small] for i in range(SMALL_TRAIN_ARCHIVES)]
    if any(len(t) < small for t in small_train):
        raise SystemExit(f"only {len(order)} articles: too many training archives")
    small_validation = [validation[0][i * small : (i + 1) * small] for i in range(SMALL_VALIDATION_ARCHIVES)]
    at += SMALL_TRAIN_ARCHIVES * small
    tiny = TINY_ARTICLES
    tiny_train = [order[at + i * tiny : at + (i + 1) * tiny] for i in range(TINY_TRAIN_ARCHIVES)]
    if any(len(t) < tiny for t in tiny_train):
        raise SystemExit(f"only {len(order)} articles: too many training archives")
    tiny_validation = [validation[1][i * tiny : (i + 1) * tiny] for i in range(TINY_VALIDATION_ARCHIVES)]
    return Plan(train, validation, offtopic, small_train, small_validation, tiny_train, tiny_validation)


def cut(squad: dict, titles: list[str]) -> dict:  # type: ignore[type-arg]
    """The articles cut to their first TINY_PARAGRAPHS paragraphs (news length)."""
    return {
        **squad,
        **{t: {**squad[t], "paragraphs": squad[t]["paragraphs"][:TINY_PARAGRAPHS]} for t in titles},
    }


def display_title(title: str) -> str:
    return title.replace("_", " ")


def left_out(name: str, article: dict) -> set[int]:  # type: ignore[type-arg]
    """Paragraphs of an article kept out of archive `name` (seeded by both)."""
    rng = random.Random(f"{SEED}:{name}:{article['title']}")
    count = len(article["paragraphs"])
    return {i for i in range(count) if rng.random() < LEAVE_OUT} if count > 3 else set()


def build_archive(directory: Path, name: str, titles: list[str], squad: dict, models: Path) -> None:  # type: ignore[type-arg]
    """Index the articles (minus their left-out paragraphs) into one archive with the real model."""
    from bot.settings import Settings
    from index.archive import Archive
    from index.config import IndexSettings
    from index.models import Article

    if (directory / "dossier.sqlite3").exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    models.mkdir(parents=True, exist_ok=True)
    if not (directory / "models").exists():
        (directory / "models").symlink_to(models)
    articles = []
    for title in titles:
        article = squad[title]
        dropped = left_out(name, article)
        paragraphs = tuple(
            " ".join(p["context"].split()) for i, p in enumerate(article["paragraphs"]) if i not in dropped
        )
        articles.append((title, Article(title=display_title(title), paragraphs=paragraphs)))
    archive = Archive.for_build(IndexSettings(data_dir=directory, model=Settings().embedding_model))
    archive.add(articles, replace_all=True)
    archive.close()


# Questions

_YEAR = re.compile(r"\b(1[0-9]\d\d|20[0-2]\d)\b")
_NUMBER = re.compile(r"(?<![\w.,])\d[\d,]*(\.\d+)?(?![\w])")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
# A run of capitalised words (allowing "of", "the", "de" inside) after the question's first word.
_NAME = re.compile(
    r"(?<![.!?]\s)(?<=\s)[A-Z][\w'’.-]*(?:\s+(?:(?:of|the|de|von|van|and)\s+)?[A-Z][\w'’.-]*)*"
)
_MONTHS = _MONTH.pattern[3:-3].split("|")


def _question(qid: str, text: str, kind: str, answers: list[str], doc: str | None) -> dict:  # type: ignore[type-arg]
    return {
        "id": qid,
        "question": " ".join(text.split()),
        "answerable": kind == "answerable",
        "answers": answers,
        "doc": doc,
        "kind": kind,
    }


def _names(text: str) -> list[str]:
    return [m.group(0).rstrip(".'’") for m in _NAME.finditer(text)]


def rewrite(question: str, article_text: str, pool: list[str], rng: random.Random) -> str | None:
    """The question with the thing it turns on swapped for something the article never mentions."""
    options: list[tuple[str, str]] = []
    for m in _YEAR.finditer(question):
        options.append((m.group(0), "year"))
    for m in _NUMBER.finditer(question):
        if not _YEAR.fullmatch(m.group(0)):
            options.append((m.group(0), "number"))
    for m in _MONTH.finditer(question):
        options.append((m.group(0), "month"))
    for name in _names(question):
        if name not in _MONTHS and name in article_text:
            options.append((name, "name"))
    rng.shuffle(options)
    for old, kind in options:
        for _ in range(20):
            new = _replacement(old, kind, pool, rng)
            if new and new != old and new not in article_text:
                return re.sub(rf"(?<![\w]){re.escape(old)}(?![\w])", new, question, count=1)
    return None


def _replacement(old: str, kind: str, pool: list[str], rng: random.Random) -> str | None:
    if kind == "year":
        return str(int(old) + rng.choice([-1, 1]) * rng.randint(2, 60))
    if kind == "number":
        value = int(old.replace(",", "").split(".")[0] or 0)
        return str(max(2, value + rng.choice([-1, 1]) * rng.randint(1, max(3, value // 2))))
    if kind == "month":
        return rng.choice(_MONTHS)
    same_length = [p for p in pool if len(p.split()) == len(old.split())]
    return rng.choice(same_length) if same_length else None


def questions_for(
    name: str,
    titles: list[str],
    squad: dict,
    offtopic_titles: list[str],
    limits: dict[str, int],  # type: ignore[type-arg]
) -> list[dict]:  # type: ignore[type-arg]
    """The questions asked of archive `name`, at most `limits[kind]` of each kind (sampled, seeded)."""
    rng = random.Random(f"{SEED}:questions:{name}")
    by_kind: dict[str, list[dict]] = {k: [] for k in ("answerable", "near", "rewritten", "offtopic")}  # type: ignore[type-arg]
    pools = {t: _names(" ".join(p["context"] for p in squad[t]["paragraphs"])) for t in titles}
    for title in titles:
        article = squad[title]
        dropped = left_out(name, article)
        text = " ".join(p["context"] for i, p in enumerate(article["paragraphs"]) if i not in dropped)
        pool = [n for t in titles if t != title for n in pools[t][:200]]
        for number, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                q, answers, doc = qa["question"], qa["answers"], display_title(title)
                if number in dropped:
                    by_kind["near"].append(_question(qa["id"], q, "near", answers, doc))
                    continue
                by_kind["answerable"].append(_question(qa["id"], q, "answerable", answers, doc))
                changed = rewrite(q, text, pool, rng) if rng.random() < 0.3 else None
                if changed:
                    by_kind["rewritten"].append(_question(qa["id"] + "#r", changed, "rewritten", [], doc))
    for title in offtopic_titles:
        for paragraph in squad[title]["paragraphs"]:
            for qa in paragraph["qas"]:
                by_kind["offtopic"].append(_question(qa["id"], qa["question"], "offtopic", [], None))
    chosen: list[dict] = []  # type: ignore[type-arg]
    for kind, items in by_kind.items():
        rng.shuffle(items)
        chosen += items[: limits.get(kind, len(items))]
    return chosen


def write_jsonl(path: Path, rows: list[dict]) -> None:  # type: ignore[type-arg]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def read_jsonl(path: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)
