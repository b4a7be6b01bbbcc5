"""`dossier feedback …`: the 👍/👎 people gave answers in Telegram, listed, or written as eval cases.

`export` writes the format of tests/eval/questions.jsonl (id, question, answerable, answers, doc,
history; `dossier eval FILE` reads it), without the chat id. What a rating cannot say is left for
the operator: a 👎 "wrong source" case has no expected article yet, and its `todo` says so.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bot.cli.common import FullHelpGroup, cli_translator, user_errors
from bot.services import subscription_store
from bot.settings import Settings
from bot.state.feedback import UP, Feedback, FeedbackStore

EXPORTED_QUOTE_LIMIT = 300  # characters of a quoted sentence kept as the expected answer of a 👍


@click.group("feedback", cls=FullHelpGroup)
def feedback_group() -> None:
    """The 👍/👎 given to answers in Telegram: list them, or export them as eval cases."""


def _rated(settings: Settings) -> list[Feedback]:
    store = subscription_store(settings)
    try:
        return FeedbackStore(store.database).rated()
    finally:
        store.close()


@feedback_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, chat ids included.")
@click.pass_obj
@user_errors
def list_feedback(settings: Settings, as_json: bool) -> None:
    """Every rated answer, oldest rating first."""
    rated = _rated(settings)
    if as_json:
        click.echo(json.dumps([feedback_json(f) for f in rated], ensure_ascii=False, indent=2))
        return
    tr = cli_translator()
    for f in rated:  # the reason is the code a reader chose (as exported), not a sentence: kept as it is
        when = _time(f.rated_at or f.created_at)
        verdict = "👍" if f.rating == UP else "👎" + (f" {f.reason}" if f.reason else "")
        given = tr.gettext("(refused)") if f.record.refused else f.record.answer
        click.echo(f"{when}  {verdict}  {f.record.question}\n    {_short(given, 160)}")
    click.echo(tr.gettext("{count} rated answer(s)").format(count=len(rated)))


@feedback_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.pass_obj
@user_errors
def export(settings: Settings, file: Path) -> None:
    """Write the rated answers to FILE ("-": stdout) as eval cases, one JSON object a line."""
    lines = [json.dumps(eval_case(f), ensure_ascii=False) for f in _rated(settings)]
    text = "".join(f"{line}\n" for line in lines)
    if str(file) == "-":
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
    click.echo(
        cli_translator()
        .gettext("{count} eval case(s) written to {file}")
        .format(file=file, count=len(lines)),
        err=True,
    )


def eval_case(f: Feedback) -> dict[str, Any]:
    """A rated answer as a line of tests/eval/questions.jsonl, plus what was answered (never the chat)."""
    r = f.record
    first = r.citations[0] if r.citations else None
    if f.rating == UP:
        answerable = not r.refused
        expected = r.short_answer or (_short(first["quote"], EXPORTED_QUOTE_LIMIT) if first else None)
        answers = [expected] if answerable and expected else []
        doc = first["title"] if answerable and first else None
    else:
        answerable = f.reason != "should have refused"
        answers = []
        doc = first["title"] if f.reason == "wrong answer" and first else None
    case: dict[str, Any] = {
        "id": f"feedback-{f.id}",
        "question": r.question,
        "answerable": answerable,
        "answers": answers,
        "doc": doc,
        "history": [dict(turn) for turn in r.history],
        "feedback": {"rating": f.rating, "reason": f.reason},
        "given": {
            "answer": r.answer,
            "refused": r.refused,
            "citations": [{k: c.get(k) for k in ("n", "title", "url", "quote")} for c in r.citations],
            "revision": r.revision,
        },
    }
    if answerable and not answers:
        case["todo"] = "add the expected answers" + ("" if doc else " and the article (doc)")
    return case


def feedback_json(f: Feedback) -> dict[str, Any]:
    return {
        "id": f.id,
        "chat_id": f.chat_id,
        "rating": f.rating,
        "reason": f.reason,
        "rated_at": _time(f.rated_at) if f.rated_at else None,
        "answered_at": _time(f.created_at),
        "question": f.record.question,
        "answer": f.record.answer,
        "refused": f.record.refused,
        "short_answer": f.record.short_answer,
        "citations": list(f.record.citations),
        "history": list(f.record.history),
        "revision": f.record.revision,
    }


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
