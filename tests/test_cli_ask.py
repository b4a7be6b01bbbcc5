"""`dossier ask` and `dossier chat` as people and scripts use them."""

from __future__ import annotations

import json

from bot.cli.render import render_text
from index.answering.models import Answer, AnswerSentence
from tests.support.archive import run_dossier

# "language" was added by issue 16 (the question's, and each quoted article's): fields are only added.
JSON_KEYS = {
    "question",
    "answer",
    "refused",
    "citations",
    "related",
    "latency_ms",
    "short_answer",
    "language",
}
CITATION_KEYS = {"n", "doc_id", "title", "url", "published", "quote", "language"}


def test_ask_answers_with_a_cited_sentence_and_sources(seeded_env: dict[str, str]) -> None:
    result = run_dossier(seeded_env, "ask", "Who is the president of Belarus?")
    assert result.returncode == 0, result.stderr
    answer, sources = result.stdout.split("\nSources:\n")
    assert "Alexander Lukashenko" in answer and "[1]" in answer
    assert sources.startswith("[1] Prime Minister Askar Mamin participates in session")
    assert "2020-07-17" in sources and "https://primeminister.kz/" in sources


def test_ask_json_has_the_stable_shape(seeded_env: dict[str, str]) -> None:
    result = run_dossier(
        seeded_env, "ask", "--json", "Which companies signed the geological exploration agreement?"
    )
    data = json.loads(result.stdout)
    assert set(data) == JSON_KEYS and data["refused"] is False and data["language"] == "en"
    assert isinstance(data["latency_ms"], float)
    [citation] = data["citations"]
    assert set(citation) == CITATION_KEYS and citation["n"] == 1 and citation["language"] == "en"
    assert citation["published"] == "2021-04-30" and "Kazgeology and Rosgeologia" in citation["quote"]


def test_ask_json_gives_the_direct_answer(seeded_env: dict[str, str]) -> None:
    result = run_dossier(seeded_env, "ask", "--json", "When was the Digital Office created?")
    data = json.loads(result.stdout)
    assert data["short_answer"] == "February 2018" and "February 2018" in data["answer"]
    refused = json.loads(run_dossier(seeded_env, "ask", "--json", "How do I bake sourdough bread?").stdout)
    assert refused["refused"] is True and refused["short_answer"] is None


def test_ask_refuses_off_topic_question(seeded_env: dict[str, str]) -> None:
    data = json.loads(run_dossier(seeded_env, "ask", "--json", "Who won the Tour de France in 2022?").stdout)
    assert data["refused"] is True and data["citations"] == []
    assert data["answer"] == "The articles in the archive don't answer that question."


def test_ask_reads_one_question_per_line_and_writes_json_lines(seeded_env: dict[str, str]) -> None:
    questions = (
        "How many general processes were developed?\n\nWho won the Tour de France in 2022?\n"
        + "x" * 5000
        + "\n"
    )
    result = run_dossier(seeded_env, "ask", "--json", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert "88" in lines[0]["answer"] and lines[1]["refused"] is True
    assert "too long" in lines[2]["answer"]


def test_ask_rejects_empty_and_huge_questions_with_one_line(seeded_env: dict[str, str]) -> None:
    for question in ("   ", "Why? " * 20000):  # a 100 KB question
        result = run_dossier(seeded_env, "ask", question)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_ask_without_an_index_says_which_command_builds_it(cli_env: dict[str, str]) -> None:
    result = run_dossier(cli_env, "ask", "Who is the president of Belarus?")
    assert result.returncode == 1
    assert "dossier index build" in result.stderr and "Traceback" not in result.stderr


def test_chat_understands_follow_ups_and_lists_sources(seeded_env: dict[str, str]) -> None:
    session = "How many digital initiatives were supported?\nand how many were rejected?\n/sources\n/quotes\n/quit\n"
    result = run_dossier(seeded_env, "chat", stdin=session)
    assert result.returncode == 0, result.stderr
    assert "14 (18%) were supported" in result.stdout
    assert result.stdout.count("40 rejected") >= 2  # the follow-up answer and its quote
    assert (
        "Kazakhstan and Russia Sign Economic Cooperation Program For 2021-2025 (2021-04-30)" in result.stdout
    )


def test_terminal_answer_shows_the_direct_answer_in_bold() -> None:
    answer = Answer(
        "q", (AnswerSentence("The office opened in February 2018.", (1,)),), (), False, short_answer="2018"
    )
    text = render_text(answer)
    assert text.plain.startswith("The office opened in February 2018 [1].")
    at = text.plain.index("2018")
    marked = [s for s in text.spans if s.start <= at and s.end >= at + 4 and "underline" in str(s.style)]
    assert marked and "bold" in str(marked[0].style)
