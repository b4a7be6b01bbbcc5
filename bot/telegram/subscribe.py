"""/subscribe, /unsubscribe, /subscriptions, "Ask about this article", and the admins' /add, /feeds, /stats.

Private chats manage their own subscriptions; in groups only the group's admins may, and in channels
anyone who can post (Telegram lets only admins post there).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from telegram import BotCommand, Chat, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import N_, Translator
from bot.settings import Settings
from bot.state.subscriptions import ALL_TOPICS, normalise_topic
from bot.telegram import texts
from bot.telegram.context import DossierContext
from bot.telegram.ingestion import IngestionBusy
from bot.telegram.language import app_language, reader
from bot.telegram.notices import FOCUS_PATTERN
from bot.telegram.permissions import GROUP_ADMINS_ONLY, may_manage
from bot.telegram.rendering import bold, escape, shorten

logger = logging.getLogger(__name__)

COMMANDS = (
    BotCommand("subscribe", N_("Get new articles: /subscribe, or /subscribe TOPIC")),
    BotCommand("unsubscribe", N_("Stop: /unsubscribe TOPIC, or /unsubscribe all")),
    BotCommand("subscriptions", N_("What you are subscribed to")),
)
UPDATES = (Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY)
TOPIC_LIMIT = 100  # characters; a topic is a few words, matched by meaning
ADMIN_ONLY = N_("Sorry, only the archive's admins can do that.")
GONE = texts.GONE
QUEUED = N_("Queued: the archive is written elsewhere; it adds the article in a moment and reports here.")
BUSY = N_("I'm still adding other articles; send /add again in a minute.")
MAX_ADD_URLS = 10  # pages one /add may name
# Commands arrive as messages in chats and groups and as posts in channels; edits are not new requests.
NEW_MESSAGES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    for name, callback in (
        ("subscribe", on_subscribe),
        ("unsubscribe", on_unsubscribe),
        ("subscriptions", on_subscriptions),
        ("add", on_add),
        ("feeds", on_feeds),
        ("stats", on_stats),
    ):
        application.add_handler(CommandHandler(name, callback, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_focus, pattern=FOCUS_PATTERN))


async def _managed_chat(update: Update, context: DossierContext, tr: Translator) -> Chat | None:
    """The chat whose subscriptions the sender may change; None (and a polite no) if they may not."""
    message = _message(update)
    if await may_manage(update, context):
        return message.chat
    await message.reply_text(tr.html(GROUP_ADMINS_ONLY))
    return None


def _topic(context: DossierContext) -> str:
    return normalise_topic(" ".join(context.args or []))[:TOPIC_LIMIT]


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None  # the handlers' filters admit only messages and channel posts
    return message


async def on_subscribe(update: Update, context: DossierContext) -> None:
    tr = await reader(update, context)
    chat = await _managed_chat(update, context, tr)
    if chat is None:
        return
    topic = _topic(context)
    topic = ALL_TOPICS if topic == "all" else topic
    services = context.services
    new = await asyncio.to_thread(services.subscriptions.store.subscribe, chat.id, topic, chat.type)
    if update.effective_user is not None:  # notices go out in the subscriber's language
        await asyncio.to_thread(services.chats.change, chat.id, reader_language=app_language(update, context))
    await _message(update).reply_text(_subscribed(tr, new, topic))


def _subscribed(tr: Translator, new: bool, topic: str) -> str:
    if new and topic:
        return tr.html(
            "Subscribed: this chat gets new articles about {topic}, once each, as it is added. "
            "/unsubscribe stops it.",
            topic=bold(topic),
        )
    if new:
        return tr.html(
            "Subscribed: this chat gets every new article, once each, as it is added. /unsubscribe stops it."
        )
    if topic:
        return tr.html(
            "Already subscribed: this chat gets new articles about {topic}, once each, as it is added. "
            "/unsubscribe stops it.",
            topic=bold(topic),
        )
    return tr.html(
        "Already subscribed: this chat gets every new article, once each, as it is added. /unsubscribe stops it."
    )


async def on_unsubscribe(update: Update, context: DossierContext) -> None:
    tr = await reader(update, context)
    chat = await _managed_chat(update, context, tr)
    if chat is None:
        return
    message = _message(update)
    topic = _topic(context)
    everything = topic in ("", "all")
    store = context.services.subscriptions.store
    removed = await asyncio.to_thread(store.unsubscribe, chat.id, None if everything else topic)
    if not removed:
        await message.reply_text(tr.html("There was no such subscription. /subscriptions lists this chat's."))
    elif everything:
        await message.reply_text(tr.html("Unsubscribed from everything: no more new-article messages."))
    else:
        await message.reply_text(tr.html("Unsubscribed from {topic}.", topic=bold(topic)))


async def on_subscriptions(update: Update, context: DossierContext) -> None:
    message = _message(update)
    tr = await reader(update, context)
    topics = await asyncio.to_thread(context.services.subscriptions.store.topics, message.chat.id)
    if not topics:
        await message.reply_text(
            tr.html(
                "No subscriptions. /subscribe sends every new article; /subscribe TOPIC only those about a topic."
            )
        )
        return
    lines = [
        tr.html("• articles about {topic}", topic=bold(t)) if t else tr.html("• every new article")
        for t in topics
    ]
    await message.reply_text(texts.listing(tr.html("This chat gets:"), lines, tr))


async def on_focus(update: Update, context: DossierContext) -> None:
    """ "Ask about this article": the chat's next question is answered from that article only."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    await focus(update.effective_chat.id, query.data[2:], context, await reader(update, context))
    await query.answer()


async def focus(chat_id: int, doc_id: str, context: DossierContext, tr: Translator) -> None:
    """Remember the chosen article for the chat's next question, and say so."""
    title = await asyncio.to_thread(context.services.subscriptions.article_title, doc_id)
    if title is None:
        await context.bot.send_message(chat_id, tr.html(GONE))
        return
    await asyncio.to_thread(context.services.memory.focus, chat_id, doc_id)
    await context.bot.send_message(
        chat_id,
        tr.html(
            "Ask your question about {title}: the next one is answered from it alone.",
            title=bold(shorten(title, 300)),
        ),
    )


# Admins


async def _admin(update: Update, context: DossierContext) -> Translator | None:
    """The reader's language if the sender is one of the archive's admins; None (and a no) if not."""
    tr = await reader(update, context)
    user = update.effective_user
    if user is not None and user.id in context.services.admin_ids:
        return tr
    await _message(update).reply_text(tr.html(ADMIN_ONLY))
    return None


async def on_add(update: Update, context: DossierContext) -> None:
    message = _message(update)
    if (tr := await _admin(update, context)) is None:
        return
    urls = [a for a in context.args or [] if a.startswith(("http://", "https://"))][:MAX_ADD_URLS]
    if not urls:
        await message.reply_text(tr.html("Usage: /add URL — an article page to add to the archive."))
        return
    services = context.services
    if services.core.settings.index_source is not None:  # a copy: the archive's writer adds them
        await asyncio.to_thread(services.add_requests.ask, urls, message.chat.id)
        # the writer reports later, in the language of whoever asked
        await asyncio.to_thread(services.chats.change, message.chat.id, reader_language=tr.language)
        await message.reply_text(tr.html(QUEUED))
        return
    try:
        report = await services.ingestion.run(services.subscriptions.ingest, urls)
    except IngestionBusy:
        await message.reply_text(tr.html(BUSY))
        return
    await message.reply_text(
        texts.listing(None, texts.ingested([(r.status, r.what) for r in report], tr), tr)
    )


async def on_feeds(update: Update, context: DossierContext) -> None:
    message = _message(update)
    if (tr := await _admin(update, context)) is None:
        return
    feeds = await asyncio.to_thread(context.services.subscriptions.store.feeds)
    if not feeds:
        await message.reply_text(tr.html("No feeds yet. Add one with: dossier feeds add URL"))
        return
    lines = [
        f"• {escape(shorten(f.url, 300))} — {escape(texts.status(f.last_status, tr))}"
        if f.last_status
        else tr.html("• {url} — not polled yet", url=shorten(f.url, 300))
        for f in feeds
    ]
    await message.reply_text(texts.listing(None, lines, tr))


async def on_stats(update: Update, context: DossierContext) -> None:
    message = _message(update)
    if (tr := await _admin(update, context)) is None:
        return
    stats = await asyncio.to_thread(context.services.subscriptions.stats)
    last = (
        datetime.fromtimestamp(stats.last_poll, UTC).isoformat(timespec="seconds")
        if stats.last_poll
        else tr.gettext("never")
    )
    await message.reply_text(
        tr.html(
            "articles: {articles}\nsubscribers: {subscribers}\nqueued notices: {queued}\n"
            "sent notices: {sent}\nfeeds: {feeds}, last poll: {last}",
            articles=stats.articles,
            subscribers=stats.subscribers,
            queued=stats.queued,
            sent=stats.sent,
            feeds=stats.feeds,
            last=last,
        )
    )
