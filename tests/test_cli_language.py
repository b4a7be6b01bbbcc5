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


def in_language(env: dict[str, str], language: str) -> dict[str, str]:
    return {**env, "DOSSIER_LANGUAGE": language}


def test_index_add_of_a_missing_file_is_reported_in_the_readers_language(seeded_env: dict[str, str]) -> None:
    russian = run_dossier(in_language(seeded_env, "ru"), "index", "add", "missing.txt")
    assert russian.returncode == 1
    assert russian.stderr.splitlines() == [
        "не удалось missing.txt: missing.txt не существует",
        "dossier: не удалось добавить элементов: 1; всё остальное в индексе сохранено",
    ]
    kazakh = run_dossier(in_language(seeded_env, "kk"), "index", "remove", "no-such-id")
    assert kazakh.returncode == 1
    assert kazakh.stderr.strip() == "dossier: id no-such-id болатын құжат жоқ; қараңыз: dossier index list"


def test_index_build_reports_each_article_and_its_summary_in_the_readers_language(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "mayor.txt").write_text(
        "A new mayor for Almaty\n\nThe city council elected a new mayor on Monday.\n"
    )
    (folder / "empty.txt").write_text("\n")
    (folder / "endless.txt").write_text("An endless article\n\n" + "Words go on. " * 160_000)  # 2.08M chars
    result = run_dossier(in_language(cli_env, "kk"), "index", "build", str(folder))
    assert result.returncode == 1
    added, built = result.stdout.splitlines()
    assert added.startswith("қосылды    ") and added.endswith(
        f"A new mayor for Almaty  ({folder / 'mayor.txt'})"
    )
    assert built.startswith(f"{cli_env['DOSSIER_DATA_DIR']} ішінде құрылды: құжаттар — 1, үзінділер — 1,")
    empty, endless = folder / "empty.txt", folder / "endless.txt"
    assert result.stderr.splitlines() == [  # refused by the archive (too long), then by the reader (empty)
        f"сәтсіз     {endless}: {endless} ішінде 2,080,017 таңба мәтін бар; Dossier 2,000,000 таңбаға дейінгі "
        "мақалаларды индекстейді (оны бірнеше файлға бөліңіз)",
        f"сәтсіз     {empty}: {empty} бос",
        "dossier: оқылмаған элементтер: 2",
    ]


def test_what_scripts_read_is_the_same_in_every_language(seeded_env: dict[str, str]) -> None:
    def outputs(language: str) -> dict[str, object]:
        env = in_language(seeded_env, language)
        listing = run_dossier(env, "index", "list").stdout.splitlines()
        return {
            "index list --json": run_dossier(env, "index", "list", "--json").stdout,
            "index list columns": listing[:-1],  # the last line, a count, is for people
            "search --json": run_dossier(env, "search", "--json", BELARUS).stdout,
            "health exit status": run_dossier(env, "health").returncode,
        }

    english = outputs("en")
    assert len(english["index list columns"]) == 2 and english["health exit status"] == 0  # type: ignore[arg-type]
    assert outputs("ru") == english
    assert outputs("kk") == english


def test_a_core_error_is_shown_in_the_readers_language_with_its_values_filled_in() -> None:
    from bot.i18n import translator
    from index.errors import UnsupportedDocument

    error = UnsupportedDocument("{origin} is a binary file, not an article", origin="photo.txt")
    assert str(error) == "photo.txt is a binary file, not an article"
    assert translator("ru").error(error) == "photo.txt — двоичный файл, а не статья"
    assert translator("kk").error(error) == "photo.txt — мақала емес, екілік файл"
    assert translator("en").error(error) == str(error)


def test_every_error_the_core_raises_has_a_literal_template_the_catalogs_translate() -> None:
    """An f-string message could not be extracted, and would reach readers in English only."""
    import ast

    from bot.locales.catalogs import CORE, TEMPLATE, core_errors, read

    template = {m.id for m in read(TEMPLATE) if m.id}
    names, unmarked = core_errors(), []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in names:
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and first.value in template):
                    unmarked.append(f"{path.relative_to(CORE.parent)}:{node.lineno}")
    assert len(names) > 10 and unmarked == []


def test_a_long_step_of_the_core_is_named_on_the_terminal_in_the_readers_language() -> None:
    import io

    from rich.console import Console

    from bot.cli.progress import TerminalProgress
    from bot.i18n import translator
    from index import progress

    terminal = io.StringIO()
    progress.report_to(
        TerminalProgress(Console(file=terminal, force_terminal=True, width=100), translator("kk"))
    )
    try:
        with progress.task("Embedding sentences", total=2) as advance:
            advance(1)
    finally:
        progress.report_to(None)
    assert "Сөйлемдерді векторлау" in terminal.getvalue()
