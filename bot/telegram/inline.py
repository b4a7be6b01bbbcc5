"""Inline mode: "@bot question" in any chat offers the cited answer as one result.

The result is in the language of the asker's Telegram app; Telegram caches results by the query's
text alone unless they are personal, so every answer is (one cached for a Russian reader would
otherwise be shown to an English one asking the same within the minute).
"""

from __future__ import annotations

import asyncio
import hashlib
import time

from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, InlineQueryHandler

from bot.i18n import Translator, translator
from bot.settings import Settings
from bot.state.limits import Verdict
from bot.telegram import rendering
from bot.telegram.context import DossierContext
from bot.telegram.language import app_language
from index.answering.models import Answer
from index.errors import DossierError
from index.text import encodable

CACHE_SECONDS = 60  # the same question from anyone gets the same answer for a minute
DESCRIPTION_LIMIT = 200


COMMANDS: tuple[BotCommand, ...] = ()
UPDATES = (Update.INLINE_QUERY, Update.CALLBACK_QUERY)


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    application.add_handler(InlineQueryHandler(on_inline_query))


async def on_inline_query(update: Update, context: DossierContext) -> None:
    query = update.inline_query
    assert query is not None
    started = time.perf_counter()
    question = encodable(" ".join(query.query.split()))  # a forged update may carry a lone surrogate
    services = context.services
    tr = translator(app_language(update, context))
    if not question:
        button = _button(tr.gettext("Type a question about the news archive"))
        await query.answer([], button=button, cache_time=CACHE_SECONDS, is_personal=True)
        return
    if await asyncio.to_thread(services.inline_questions.check, query.from_user.id) is not Verdict.ALLOWED:
        button = _button(tr.gettext("Too many questions: wait a minute"))
        await query.answer([], button=button, cache_time=0, is_personal=True)
        return
    if len(question) > services.max_question_chars:
        button = _button(tr.gettext("That question is too long"))
        await query.answer([], button=button, cache_time=0, is_personal=True)
        return
    try:
        answer = await services.answer(question)
    except DossierError:
        await query.answer(
            [], button=_button(tr.gettext("Type a question in words")), cache_time=0, is_personal=True
        )
        return
    await query.answer([_result(answer, tr)], cache_time=CACHE_SECONDS, is_personal=True)
    services.metrics.answered("inline", answer.refused, time.perf_counter() - started)


def _result(answer: Answer, tr: Translator) -> InlineQueryResultArticle:
    if answer.refused:
        title, description = tr.gettext("No answer in the archive"), tr.gettext(rendering.REFUSAL)
    else:
        title = tr.gettext("Answer from the archive")
        description = rendering.shorten(answer.text, DESCRIPTION_LIMIT)
    return InlineQueryResultArticle(
        id=hashlib.sha1(answer.question.encode()).hexdigest(),
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(
            rendering.single_message(answer, tr),
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        reply_markup=rendering.answer_keyboard(answer, tr=tr),
    )


def _button(text: str) -> InlineQueryResultsButton:
    """A button above the (empty) results that opens a private chat with the bot."""
    return InlineQueryResultsButton(text=text, start_parameter="inline")
