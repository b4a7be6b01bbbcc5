"""What a person at a terminal sees: colour where it helps, progress on long steps, clean edges.

Programs reading `dossier`'s output see none of it: no colour, no progress, the same JSON.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

from tests.support.archive import run_dossier
from tests.support.terminal import Terminal, run_in_terminal

BOLD, DIM, ESCAPE = "\x1b[1m", "\x1b[2m", "\x1b["
QUESTION = "Who is the president of Belarus?"


def test_the_answer_is_emphasised_and_its_sources_dimmed_on_a_terminal(seeded_env: dict[str, str]) -> None:
    code, screen = run_in_terminal(seeded_env, "ask", QUESTION)
    assert code == 0, screen
    assert f"{BOLD}As part of his visit to Minsk" in screen
    assert f"{DIM}Sources:" in screen and f"{DIM}[1] Prime Minister Askar Mamin" in screen


def test_no_colour_with_no_color_set_or_in_a_pipe(seeded_env: dict[str, str]) -> None:
    code, screen = run_in_terminal(seeded_env, "ask", QUESTION, extra={"NO_COLOR": "1"})
    assert code == 0 and "Alexander Lukashenko" in screen and ESCAPE not in screen
    piped = run_dossier(seeded_env, "ask", QUESTION)
    assert "Alexander Lukashenko" in piped.stdout and ESCAPE not in piped.stdout + piped.stderr


def test_ctrl_d_leaves_chat_on_a_line_of_its_own(seeded_env: dict[str, str]) -> None:
    chat = Terminal(seeded_env, "chat")
    chat.wait_for("you> ")
    chat.type(QUESTION + "\n")
    chat.wait_for("you> ", count=2)
    chat.type("\x04")  # Ctrl-D
    assert chat.finish() == 0
    assert chat.output.endswith("you> \r\n")  # the shell's prompt then starts on a fresh line


def test_quotes_after_a_refused_question_says_why_there_are_none(seeded_env: dict[str, str]) -> None:
    session = f"/quotes\n{QUESTION}\n/quotes\nWho won the Tour de France in 2022?\n/quotes\n"
    output = run_dossier(seeded_env, "chat", stdin=session).stdout
    assert output.startswith("No cited passages yet: ask a question first.\n")
    assert "[1] “As part of his visit to Minsk" in output
    assert output.count("ask a question first") == 1  # before this fix: after the refusal too
    assert output.rstrip().endswith(
        "The last answer quotes no passages: the articles did not answer that question."
    )


def test_version_short_help_and_whole_help_lines(cli_env: dict[str, str]) -> None:
    version = run_dossier(cli_env, "--version")
    assert version.stdout == f"dossier {importlib.metadata.version('dossier')}\n"
    for args in (("-h",), ("index", "-h"), ("feeds", "-h"), ("ask", "-h")):
        result = run_dossier(cli_env, *args)
        assert result.returncode == 0 and result.stdout.startswith("Usage: dossier")
        cut = [line for line in result.stdout.splitlines() if "..." in line and not line.startswith("Usage:")]
        assert not cut, result.stdout
    assert "prints added / updated / unchanged per item." in " ".join(
        run_dossier(cli_env, "index", "-h").stdout.split()
    )


def test_search_shows_each_hit_as_title_passage_date_and_ranks(seeded_env: dict[str, str]) -> None:
    output = run_dossier(seeded_env, "search", "butadiene", "--k", "2").stdout
    first = output.split("\n\n")[0].splitlines()
    assert first[0] == "1. Kazakhstan and Russia Sign Economic Cooperation Program For 2021-2025"
    assert first[1].startswith("   A roadmap for the implementation of the production of butadiene")
    doc_id = json.loads(run_dossier(seeded_env, "search", "butadiene", "--k", "1", "--json").stdout)["hits"][
        0
    ]["doc_id"]
    assert f"   2021-04-30 · The Astana Times · {doc_id}" in first
    assert "   ranked by meaning #1 and by words #1" in first
    assert "score" not in output and all(
        line.startswith(("1. ", "2. ", "   ")) for line in output.splitlines() if line
    )


def test_a_first_build_shows_its_steps_on_a_terminal_and_no_library_warnings(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cli_env, "DOSSIER_DATA_DIR": str(tmp_path / "fresh")}  # no export yet: the slow first run
    code, screen = run_in_terminal(env, "index", "build", "seeds")
    assert code == 0, screen
    for step in ("Exporting the model to ONNX", "Embedding sentences"):
        assert step in screen
    for noise in ("deprecated", "Warning", "Saving the exported ONNX model"):
        assert noise not in screen
    assert "built: 2 documents" in screen


def test_nothing_but_results_in_a_pipe(seeded_env: dict[str, str], tmp_path: Path) -> None:
    article = tmp_path / "solar.txt"
    article.write_text("Solar plants in Almaty\n\nOfficials said 12 new solar plants will open by 2023.\n")
    result = run_dossier(seeded_env, "index", "add", str(article))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("added ")


def test_words_wrap_at_the_terminal_width_and_links_stay_whole() -> None:
    import io

    from rich.console import Console

    from bot.cli.render import show

    link = "https://astanatimes.com/2021/04/kazakhstan-and-russia-sign-economic-cooperation-program/"
    screen = io.StringIO()
    show(
        Console(file=screen, force_terminal=True, color_system=None, width=40), f"{'word ' * 20}\n    {link}"
    )
    lines = screen.getvalue().splitlines()
    assert lines[-1] == f"    {link}"  # split by a newline, a link can no longer be clicked
    assert all(len(line) <= 40 and line == line.rstrip() for line in lines[:-1]) and len(lines) == 4
