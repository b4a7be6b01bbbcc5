"""Commands that show the archive (/start, /help, /about, /sources, /latest) and the inline buttons."""

from __future__ import annotations

import asyncio
import re

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.settings import Settings
from bot.telegram import callbacks, rendering, subscribe, texts
from bot.telegram.context import DossierContext
from bot.telegram.language import reader
from bot.telegram.notices import DEEP_LINK_PREFIX, FOCUS_PATTERN

CONTEXT_WINDOW = 2  # sentences shown on each side of a cited one
ALERT_LIMIT = 200  # answerCallbackQuery's text limit


COMMANDS = texts.COMMANDS  # the core menu, /ask (handled in conversation) included
UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    new_only = filters.UpdateType.MESSAGE  # an edited /start is not a new request
    for name, callback in (
        ("start", on_start),
        ("help", on_help),
        ("about", on_about),
        ("sources", on_sources),
        ("latest", on_latest),
    ):
        application.add_handler(CommandHandler(name, callback, filters=new_only))
    # First: a press whose data none of the handlers below reads (none at all, in a forged update, or
    # from a button of an older version) is answered, or the client's spinner would run until it times out.
    application.add_handler(CallbackQueryHandler(on_stale_button, pattern=_unusable))
    application.add_handler(CallbackQueryHandler(on_page, pattern=callbacks.PAGE_PATTERN))
    application.add_handler(CallbackQueryHandler(on_quote, pattern=callbacks.QUOTE_PATTERN))


def _unusable(data: object) -> bool:
    """Button data no handler reads. A press without any data matches this handler too: PTB hands a
    dataless press to every handler that has a pattern."""
    known = (
        callbacks.PAGE_PATTERN,
        callbacks.QUOTE_PATTERN,
        FOCUS_PATTERN,
        callbacks.FEEDBACK_PATTERN,
        callbacks.SEARCH_PATTERN,
        callbacks.SETTINGS_PATTERN,
        callbacks.LANGUAGE_PATTERN,
    )
    return not (isinstance(data, str) and any(re.match(pattern, data) for pattern in known))


async def on_stale_button(update: Update, context: DossierContext) -> None:
    assert update.callback_query is not None
    tr = await reader(update, context)
    await update.callback_query.answer(tr.gettext(texts.STALE_BUTTON))


async def on_start(update: Update, context: DossierContext) -> None:
    assert update.effective_message is not None
    payload = context.args[0] if context.args else ""
    if payload.startswith(DEEP_LINK_PREFIX) and update.effective_chat is not None:
        # t.me/<bot>?start=a_<doc_id>: "Ask about this article" pressed under a notice in a channel
        doc_id = payload[len(DEEP_LINK_PREFIX) :]
        await subscribe.focus(update.effective_chat.id, doc_id, context, await reader(update, context))
        return
    summary = await context.services.summary()
    name = update.effective_user.first_name if update.effective_user else None
    tr = await reader(update, context)
    await update.effective_message.reply_html(texts.greeting(name, summary, tr))


async def on_help(update: Update, context: DossierContext) -> None:
    assert update.effective_message is not None
    services = context.services
    tr = await reader(update, context)
    text = texts.help_text(
        context.bot.username, services.questions.per_minute, services.max_question_chars, tr
    )
    await update.effective_message.reply_html(text)


async def on_about(update: Update, context: DossierContext) -> None:
    assert update.effective_message is not None
    summary = await context.services.summary()
    updated = context.services.core.archive.manifest.get("updated_at", "")[:10] or None
    tr = await reader(update, context)
    await update.effective_message.reply_html(texts.about(summary, updated, tr))


async def on_sources(update: Update, context: DossierContext) -> None:
    assert update.effective_message is not None
    documents = await asyncio.to_thread(context.services.answering.documents)
    text, keyboard = texts.sources_page(documents, 0, await reader(update, context))
    await update.effective_message.reply_html(text, reply_markup=keyboard)


async def on_latest(update: Update, context: DossierContext) -> None:
    assert update.effective_message is not None
    documents = await asyncio.to_thread(context.services.answering.documents)
    await update.effective_message.reply_html(texts.latest(documents, await reader(update, context)))


async def on_page(update: Update, context: DossierContext) -> None:
    """‹ Newer / Older ›: the same message, showing another page."""
    query = update.callback_query
    assert query is not None and query.data is not None
    page = callbacks.parse_page(query.data) or 0
    documents = await asyncio.to_thread(context.services.answering.documents)
    text, keyboard = texts.sources_page(documents, page, await reader(update, context))
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # a double tap shows the same page twice
            raise


async def on_quote(update: Update, context: DossierContext) -> None:
    """A source button: the cited sentence in bold between its neighbours, as a reply to the answer."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_quote(query.data)
    assert parsed is not None  # the handler's pattern admits only well-formed data
    doc_id, sentence = parsed
    services = context.services
    tr = await reader(update, context)
    documents = {d.doc_id: d for d in await asyncio.to_thread(services.answering.documents)}
    document = documents.get(doc_id)
    if document is None:
        await query.answer(tr.gettext(texts.GONE), show_alert=True)
        return
    passage = await asyncio.to_thread(services.answering.context, doc_id, sentence, CONTEXT_WINDOW)
    cited = await asyncio.to_thread(services.answering.context, doc_id, sentence, 0)
    if not passage:
        await query.answer(tr.gettext(texts.GONE), show_alert=True)
        return
    message = query.message
    if message is None:  # a message sent through inline mode: the bot cannot reply under it
        await query.answer(rendering.shorten(cited or passage, ALERT_LIMIT), show_alert=True)
        return
    await query.answer()
    text = rendering.context_message(document.title, document.url, document.published, passage, cited, tr)
    keyboard = rendering.article_keyboard(document.url, tr)
    if isinstance(message, Message):
        await message.reply_html(text, reply_markup=keyboard, do_quote=True)
    else:  # older than 48 hours: Telegram no longer shows it to the bot, so no reply to it either
        await context.bot.send_message(message.chat.id, text, reply_markup=keyboard)
