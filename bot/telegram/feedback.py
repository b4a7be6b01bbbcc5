"""👍/👎 under every answer in a chat, and "What was wrong?" after a 👎.

The answer was recorded when it was sent (bot/state/feedback.py); its buttons carry that record's
short id. A 👎 turns the buttons' last row into the four reasons; a reason, once chosen, removes it.
Answers shared through inline mode carry no buttons: their message belongs to whoever shares it,
and one cached inline result may be sent by many people.
"""

from __future__ import annotations

import asyncio

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import N_, Translator
from bot.settings import Settings
from bot.state.feedback import DOWN, REASONS, UP, AnswerRecord
from bot.telegram import callbacks
from bot.telegram.context import DossierContext
from bot.telegram.language import reader
from index.answering.models import Answer, Turn

COMMANDS: tuple[BotCommand, ...] = ()
UPDATES = (Update.CALLBACK_QUERY,)
THANKS = N_("Thanks for the feedback!")
WHAT_WAS_WRONG = N_("Thanks. What was wrong? Choose below the answer.")
GONE = N_("That answer is too old to rate now.")
# The reasons' buttons, in the order of REASONS (what is stored stays in English, for the operators)
REASON_LABELS = (
    N_("Wrong answer"),
    N_("Wrong source"),
    N_("Should have answered"),
    N_("Should have refused"),
)


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(on_feedback, pattern=callbacks.FEEDBACK_PATTERN))


def answer_record(answer: Answer, history: tuple[Turn, ...], revision: str) -> AnswerRecord:
    """What the feedback on this answer will refer to."""
    citations = tuple(
        {
            "n": c.n,
            "doc_id": c.doc_id,
            "title": c.title,
            "url": c.url,
            "published": c.published.isoformat() if c.published else None,
            "quote": c.quote,
        }
        for c in answer.citations
    )
    turns = tuple({"question": t.question, "answer": t.answer} for t in history)
    return AnswerRecord(
        answer.question, answer.text, answer.short_answer, answer.refused, citations, turns, revision
    )


async def on_feedback(update: Update, context: DossierContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_feedback(query.data)
    assert parsed is not None  # the handler's pattern admits only well-formed data
    feedback_id, choice = parsed
    services = context.services
    tr = await reader(update, context)
    rating = UP if choice == "u" else DOWN
    reason = REASONS[int(choice[1])] if choice.startswith("r") else None
    if await asyncio.to_thread(services.feedback.rate, feedback_id, rating, reason) is None:
        await query.answer(tr.gettext(GONE), show_alert=True)
        return
    if choice.startswith("r"):
        services.metrics.reasons.labels(reason).inc()
    else:
        services.metrics.feedback.labels(rating).inc()
    message = query.message if isinstance(query.message, Message) else None
    if choice == "d" and message is not None:
        await query.answer(tr.gettext(WHAT_WAS_WRONG))
        await _replace_feedback_rows(message, _reason_rows(feedback_id, tr))
        return
    if reason is None:
        await query.answer(tr.gettext(THANKS))
        return
    label = tr.gettext(REASON_LABELS[REASONS.index(reason)]).lower()
    await query.answer(tr.gettext("Noted: {reason}. Thanks for the feedback!").format(reason=label))
    if message is not None:
        await _replace_feedback_rows(message, [])


def _reason_rows(feedback_id: str, tr: Translator) -> list[list[InlineKeyboardButton]]:
    buttons = [
        InlineKeyboardButton(tr.gettext(label), callback_data=callbacks.feedback(feedback_id, f"r{i}"))
        for i, label in enumerate(REASON_LABELS)
    ]
    return [buttons[:2], buttons[2:]]


async def _replace_feedback_rows(message: Message, rows: list[list[InlineKeyboardButton]]) -> None:
    """The answer's own buttons stay; the feedback rows become `rows`."""
    kept = [
        list(row)
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        if not any((b.callback_data or "").startswith("f:") for b in row if isinstance(b.callback_data, str))
    ]
    keyboard = kept + rows
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(keyboard) if keyboard else None)
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # a double tap on the same button
            raise
