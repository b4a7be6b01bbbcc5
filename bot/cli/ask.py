"""`dossier ask`, `dossier chat` and `dossier eval`: the answering service on the command line."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.common import cli_language, fail, user_errors
from bot.cli.render import answer_json, console, error_json, render_quotes, render_text, show
from bot.i18n import N_, Translator, translator
from bot.settings import Settings
from index.answering.models import Answer, Turn

if TYPE_CHECKING:
    from rich.text import Text

    from index.answering.service import AnsweringService

HISTORY_TURNS = 3


def _service(settings: Settings) -> AnsweringService:
    from bot.services import open_answering

    return open_answering(settings)


@click.command("ask")
@click.argument("question", required=False)
@click.option("--k", "k", default=None, type=click.IntRange(1, 50), help="Passages to read (default 8).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (per line of stdin) instead of text.")
@click.pass_obj
@user_errors
def ask(settings: Settings, question: str | None, k: int | None, as_json: bool) -> None:
    """Answer QUESTION with citations; without QUESTION, answer each line of stdin."""
    tr = translator(cli_language())
    if question is None and sys.stdin.isatty():
        fail(
            tr.gettext(
                'give a question, e.g. dossier ask "Who signed the agreement?", or pipe questions to stdin'
            )
        )
    service = _service(settings)
    options: dict[str, Any] = {"k": k} if k else {}
    if question is not None:
        answer = service.answer(question, **options)
        if as_json:
            click.echo(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            show(console(), render_text(answer, tr))
        return
    _answer_lines(service, as_json, options, tr)


def _answer_lines(service: AnsweringService, as_json: bool, options: dict[str, Any], tr: Translator) -> None:
    """One answer per input line; a bad line is reported in its place and the rest go on."""
    from index.errors import DossierError

    out = console()
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        try:
            answer = service.answer(question, **options)
        except DossierError as error:
            output = error_json(question, str(error))  # JSON keeps the service's words: a contract
            click.echo(json.dumps(output, ensure_ascii=False) if as_json else f"dossier: {tr.error(error)}")
            continue
        if as_json:
            click.echo(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            show(out, render_text(answer, tr), "\n")
        sys.stdout.flush()


CHAT_HELP = N_(
    "Ask anything about the archive; follow-up questions understand the previous ones.\n"
    "/sources  the articles in the archive      /quotes  the passages the last answer cited\n"
    "/new      forget the conversation          /quit    leave (or Ctrl-D)"
)


@click.command("chat")
@click.pass_obj
@user_errors
def chat(settings: Settings) -> None:
    """An interactive session with line editing, history and follow-up questions."""
    run_chat(settings)


def run_chat(settings: Settings) -> None:
    from index.errors import DossierError

    service = _service(settings)
    tr = translator(cli_language())
    out = console()
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_line_editing(settings.paths.chat_history)
        count = len(service.documents())
        articles = tr.ngettext("Dossier: {count} article.", "Dossier: {count} articles.", count)
        click.echo(f"{articles.format(count=count)} {tr.gettext(CHAT_HELP)}")
    history: list[Turn] = []
    last: Answer | None = None
    while True:
        try:
            line = input("you> " if interactive else "").strip()
        except EOFError:  # Ctrl-D: the shell's prompt then starts on a line of its own
            if interactive:
                click.echo()
            break
        if not line:
            continue
        command = line.split()[0].lower()
        if command in ("/quit", "/exit"):
            break
        if command.startswith("/"):
            history, output = _chat_command(service, command, history, last, tr)
            show(out, output)
            continue
        try:
            last = service.answer(line, history[-HISTORY_TURNS:])
        except DossierError as error:
            click.echo(tr.error(error))  # the service's words, in the reader's language
            continue
        history.append(last.to_turn())
        show(out, render_text(last, tr), "\n")


def _chat_command(
    service: AnsweringService, command: str, history: list[Turn], last: Answer | None, tr: Translator
) -> tuple[list[Turn], str | Text]:
    if command == "/sources":
        documents = service.documents()
        return history, "\n".join(
            f"- {d.title} ({d.published.isoformat() if d.published else tr.gettext('undated')})"
            + (f"\n  {d.url}" if d.url else "")
            for d in documents
        ) or tr.gettext("The archive is empty.")
    if command == "/quotes":
        # The last answer's passages: a refusal cites none, which is not "no question yet".
        return history, render_quotes(last, tr)
    if command == "/new":
        return [], tr.gettext("Conversation forgotten.")
    return history, tr.gettext(CHAT_HELP)


def _enable_line_editing(history_file: Path) -> None:
    try:
        import atexit
        import readline
    except ImportError:  # not every platform has readline; the prompt still works without it
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(history_file)
    readline.set_history_length(500)
    atexit.register(lambda: _save_history(readline, history_file))


def _save_history(readline, history_file: Path) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(OSError):
        readline.write_history_file(history_file)


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="The metrics as one JSON object.")
@click.option("--show-failures", is_flag=True, help="List the questions that missed.")
@click.pass_obj
@user_errors
def evaluate_command(settings: Settings, file: Path, as_json: bool, show_failures: bool) -> None:
    """Score answers on a JSON-lines question FILE: recall@k, MRR, answer hits, citations, refusals."""
    # The table is English in every language: scripts and the README's figures read it.
    from index.answering.evaluate import evaluate, read_questions

    report = evaluate(_service(settings), list(read_questions(file)))
    metrics = report.metrics()
    if as_json:
        click.echo(json.dumps({"questions": report.questions, **metrics, "failures": report.failures}))
        return
    click.echo(
        f"questions           {report.questions} ({report.answerable} answerable, "
        f"{report.unanswerable} unanswerable)"
    )
    for name, value in metrics.items():
        click.echo(f"{name:<20}{value:.3f}")
    if show_failures:
        for failure in report.failures:
            click.echo(json.dumps(failure, ensure_ascii=False))
