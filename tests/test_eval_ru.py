"""Russian questions about Russian articles meet their floors; a mixed archive answers each language.

tests/eval/ru/ holds eight articles written for this set (news in the seeds' manner and encyclopedic
pieces; MIT like the code), tests/eval/questions_ru.jsonl 70 answerable and 15 unanswerable questions.
The full table: `dossier index build tests/eval/ru && dossier eval tests/eval/questions_ru.jsonl`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from index.answering.evaluate import evaluate, read_questions
from index.answering.service import AnsweringService
from index.archive import Archive
from index.config import IndexSettings
from index.embedding import Embedder
from index.parsing import load_articles
from tests.support.archive import copy_index, seed_articles

EVAL = Path(__file__).resolve().parent / "eval"


@pytest.fixture(scope="module")
def russian_data_dir(tmp_path_factory: pytest.TempPathFactory, seed_data_dir: Path) -> Path:
    """The Russian eval articles indexed with the real model (sharing the seed index's export)."""
    data_dir = tmp_path_factory.mktemp("ru-data")
    (data_dir / "models").symlink_to(seed_data_dir / "models")
    archive = Archive.for_build(IndexSettings(data_dir=data_dir, model=Settings().embedding_model))
    archive.add(list(load_articles(str(EVAL / "ru"))), replace_all=True)  # type: ignore[arg-type]
    archive.close()
    return data_dir


@pytest.fixture(scope="module")
def russian_archive(russian_data_dir: Path) -> Iterator[Archive]:
    archive = Archive.open(IndexSettings(data_dir=russian_data_dir, model=Settings().embedding_model))
    yield archive
    archive.close()


def test_russian_articles_are_stored_as_russian_with_their_dates(russian_archive: Archive) -> None:
    documents = {d.title.split()[0]: d for d in russian_archive.documents()}
    assert {d.language for d in documents.values()} == {"ru"}
    assert str(documents["Казахстан"].published) == "2021-04-30"  # "Автор: …, 30 апреля 2021 года"
    assert documents["Казахстан"].author == "Айзада Арыстанбек"
    assert str(documents["Чарынский"].published) == "2021-04-30"  # "Жарияланды: 2021 жылғы 30 сәуір"


def test_russian_answers_citations_and_refusals_meet_their_floors(russian_archive: Archive) -> None:
    questions = list(read_questions(EVAL / "questions_ru.jsonl"))
    assert len(questions) >= 80 and sum(not q.answerable for q in questions) >= 15
    metrics = evaluate(AnsweringService(russian_archive), questions).metrics()
    # all-MiniLM-L6-v2 reads English only: passages are ranked by BM25 alone (Russian stems and stop
    # words) and the scorer by the sentences' words (README, "Measured": bench/russian_bench.py, 0.886
    # of answers hold the gold, 9 of 15 refused). Before issue 16: 0.643, and 2 of 15 refused.
    assert metrics["answer_hit_rate"] >= 0.85, metrics
    assert metrics["citation_precision"] >= 0.88, metrics
    assert metrics["refusal_recall"] >= 0.5, metrics
    assert metrics["recall@5"] >= 0.95 and metrics["mrr"] >= 0.95, metrics


def test_the_answer_says_the_question_and_the_quote_are_russian(russian_archive: Archive) -> None:
    service = AnsweringService(russian_archive)
    # Only a sentence tying the office to the place answers, as in English ("who is the OFFICE of PLACE").
    assert "Лукашенко" in service.answer("Кто президент Беларуси?").text
    answer = service.answer("Когда был создан Чарынский национальный парк?")
    assert not answer.refused and "23 февраля 2004" in answer.text
    assert answer.language == "ru" and answer.citations[0].language == "ru"


def test_a_mixed_archive_answers_english_in_english_and_russian_in_russian(
    russian_data_dir: Path, tmp_path: Path, real_embedder: Embedder
) -> None:
    settings = IndexSettings(
        data_dir=copy_index(russian_data_dir, tmp_path / "mixed"), model=Settings().embedding_model
    )
    archive = Archive.open(settings, readonly=False)
    archive._document_embedder = real_embedder  # loaded once per run
    archive.add(seed_articles())
    service = AnsweringService(archive)
    english = service.answer("Which companies signed the geological exploration agreement?")
    assert english.language == "en" and "Kazgeology and Rosgeologia" in english.text
    assert english.citations[0].language == "en"
    assert archive.search("Kazgeology", 1)[0].document.language == "en"
    russian = service.answer("Какие компании подписали соглашение о геологическом изучении?")
    assert russian.language == "ru" and "«Казгеология» и «Росгеология»" in russian.text
    archive.close()
