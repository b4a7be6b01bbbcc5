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

from bot.settings import Settings
from bot.state.subscriptions import ALL_TOPICS, normalise_topic
from bot.telegram import texts
from bot.telegram.context import DossierContext
from bot.telegram.ingestion import IngestionBusy
from bot.telegram.notices import FOCUS_PATTERN
from bot.telegram.permissions import GROUP_ADMINS_ONLY, may_manage
from bot.telegram.rendering import escape, shorten

logger = logging.getLogger(__name__)

COMMANDS = (
    BotCommand("subscribe", "Get new articles: /subscribe, or /subscribe TOPIC"),
    BotCommand("unsubscribe", "Stop: /unsubscribe TOPIC, or /unsubscribe all"),
    BotCommand("subscriptions", "What you are subscribed to"),
)
UPDATES = (Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY)
TOPIC_LIMIT = 100  # characters; a topic is a few words, matched by meaning
ADMIN_ONLY = "Sorry, only the archive's admins can do that."
GONE = "That article is no longer in the archive."
QUEUED = "Queued: the archive is written elsewhere; it adds the article in a moment and reports here."
BUSY = "I'm still adding other articles; send /add again in a minute."
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


async def _managed_chat(update: Update, context: DossierContext) -> Chat | None:
    """The chat whose subscriptions the sender may change; None (and a polite no) if they may not."""
    message = _message(update)
    if await may_manage(update, context):
        return message.chat
    await message.reply_text(GROUP_ADMINS_ONLY)
    return None


def _topic(context: DossierContext) -> str:
    return normalise_topic(" ".join(context.args or []))[:TOPIC_LIMIT]


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None  # the handlers' filters admit only messages and channel posts
    return message


async def on_subscribe(update: Update, context: DossierContext) -> None:
    chat = await _managed_chat(update, context)
    if chat is None:
        return
    topic = _topic(context)
    topic = ALL_TOPICS if topic == "all" else topic
    store = context.services.subscriptions.store
    new = await asyncio.to_thread(store.subscribe, chat.id, topic, chat.type)
    what = f"new articles about <b>{escape(topic)}</b>" if topic else "every new article"
    verb = "Subscribed" if new else "Already subscribed"
    await _message(update).reply_text(
        f"{verb}: this chat gets {what}, once each, as it is added. /unsubscribe stops it."
    )


async def on_unsubscribe(update: Update, context: DossierContext) -> None:
    chat = await _managed_chat(update, context)
    if chat is None:
        return
    message = _message(update)
    topic = _topic(context)
    everything = topic in ("", "all")
    store = context.services.subscriptions.store
    removed = await asyncio.to_thread(store.unsubscribe, chat.id, None if everything else topic)
    if not removed:
        await message.reply_text("There was no such subscription. /subscriptions lists this chat's.")
    elif everything:
        await message.reply_text("Unsubscribed from everything: no more new-article messages.")
    else:
        await message.reply_text(f"Unsubscribed from <b>{escape(topic)}</b>.")


async def on_subscriptions(update: Update, context: DossierContext) -> None:
    message = _message(update)
    topics = await asyncio.to_thread(context.services.subscriptions.store.topics, message.chat.id)
    if not topics:
        await message.reply_text(
            "No subscriptions. /subscribe sends every new article; /subscribe TOPIC only those about a topic."
        )
        return
    lines = [f"• articles about <b>{escape(t)}</b>" if t else "• every new article" for t in topics]
    await message.reply_text(texts.listing("This chat gets:", lines))


async def on_focus(update: Update, context: DossierContext) -> None:
    """ "Ask about this article": the chat's next question is answered from that article only."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    await focus(update.effective_chat.id, query.data[2:], context)
    await query.answer()


async def focus(chat_id: int, doc_id: str, context: DossierContext) -> None:
    """Remember the chosen article for the chat's next question, and say so."""
    title = await asyncio.to_thread(context.services.subscriptions.article_title, doc_id)
    if title is None:
        await context.bot.send_message(chat_id, GONE)
        return
    await asyncio.to_thread(context.services.memory.focus, chat_id, doc_id)
    await context.bot.send_message(
        chat_id,
        f"Ask your question about <b>{escape(shorten(title, 300))}</b>: the next one is answered from it alone.",
    )


# Admins


def _is_admin(update: Update, context: DossierContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.admin_ids


async def on_add(update: Update, context: DossierContext) -> None:
    message = _message(update)
    if not _is_admin(update, context):
        await message.reply_text(ADMIN_ONLY)
        return
    urls = [a for a in context.args or [] if a.startswith(("http://", "https://"))][:MAX_ADD_URLS]
    if not urls:
        await message.reply_text("Usage: /add URL — an article page to add to the archive.")
        return
    services = context.services
    if services.core.settings.index_source is not None:  # a copy: the archive's writer adds them
        await asyncio.to_thread(services.add_requests.ask, urls, message.chat.id)
        await message.reply_text(QUEUED)
        return
    try:
        report = await services.ingestion.run(services.subscriptions.ingest, urls)
    except IngestionBusy:
        await message.reply_text(BUSY)
        return
    await message.reply_text(
        texts.listing(None, [f"{r.status}: {escape(shorten(r.what, 300))}" for r in report])
    )


async def on_feeds(update: Update, context: DossierContext) -> None:
    message = _message(update)
    if not _is_admin(update, context):
        await message.reply_text(ADMIN_ONLY)
        return
    feeds = await asyncio.to_thread(context.services.subscriptions.store.feeds)
    if not feeds:
        await message.reply_text("No feeds yet. Add one with: dossier feeds add URL")
        return
    lines = [f"• {escape(shorten(f.url, 300))} — {escape(f.last_status or 'not polled yet')}" for f in feeds]
    await message.reply_text(texts.listing(None, lines))


async def on_stats(update: Update, context: DossierContext) -> None:
    message = _message(update)
    if not _is_admin(update, context):
        await message.reply_text(ADMIN_ONLY)
        return
    stats = await asyncio.to_thread(context.services.subscriptions.stats)
    last = (
        datetime.fromtimestamp(stats.last_poll, UTC).isoformat(timespec="seconds")
        if stats.last_poll
        else "never"
    )
    await message.reply_text(
        f"articles: {stats.articles}\nsubscribers: {stats.subscribers}\nqueued notices: {stats.queued}\n"
        f"sent notices: {stats.sent}\nfeeds: {stats.feeds}, last poll: {last}"
    )
