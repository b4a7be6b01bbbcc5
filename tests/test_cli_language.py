"""The CLI in the language of DOSSIER_LANGUAGE or the locale: its own words translated, the articles'
quoted as they are written, and the JSON (a contract for scripts) the same in every language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.common import cli_language
from tests.support.archive import run_dossier

BELARUS = "Who is the president of Belarus?"
OFF_TOPIC = "Who won the Tour de France in 2022?"


@pytest.mark.parametrize(
    ("variables", "language"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "kk_KZ.UTF-8@cyrillic"}, "kk"),
        ({"LANG": "de_DE.UTF-8"}, "en"),  # a language Dossier does not speak
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ru_RU.UTF-8"}, "ru"),
        ({"LC_MESSAGES": "ru_RU.UTF-8", "LC_ALL": "kk_KZ.UTF-8"}, "kk"),
        ({"LC_ALL": "ru_RU.UTF-8", "DOSSIER_LANGUAGE": "en"}, "en"),
        ({"LANG": "ru_RU.UTF-8", "LC_ALL": ""}, "ru"),  # an empty variable is not set
    ],
)
def test_the_cli_speaks_dossier_language_else_the_locale_in_posix_order(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], language: str
) -> None:
    for name in ("DOSSIER_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert cli_language() == language


def test_the_cli_reads_dossier_language_from_dot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DOSSIER_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DOSSIER_LANGUAGE=kk\n")
    assert cli_language() == "kk"
    (tmp_path / ".env").write_text("DOSSIER_LANGUAGE=de\n")  # refused by Settings; the command says why
    assert cli_language() == "en"


def test_ask_in_a_russian_locale_words_the_answer_in_russian_and_quotes_the_article_as_written(
    seeded_env: dict[str, str],
) -> None:
    russian = {**seeded_env, "LANG": "ru_RU.UTF-8"}
    result = run_dossier(russian, "ask", BELARUS)
    assert result.returncode == 0, result.stderr
    answer, sources = result.stdout.split("\nИсточники:\n")
    assert "Alexander Lukashenko" in answer and "[1]" in answer
    assert sources.startswith("[1] Prime Minister Askar Mamin participates in session")
    as_json = json.loads(run_dossier(russian, "ask", "--json", OFF_TOPIC).stdout)
    assert as_json["answer"] == "The articles in the archive don't answer that question."


def test_dossier_language_overrides_the_locale(seeded_env: dict[str, str]) -> None:
    kazakh = {**seeded_env, "LC_ALL": "ru_RU.UTF-8", "DOSSIER_LANGUAGE": "kk"}
    result = run_dossier(kazakh, "ask", OFF_TOPIC)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Мұрағаттағы мақалаларда бұл сұраққа жауап жоқ."
