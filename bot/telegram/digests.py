"""Digests: one message listing a chat's new articles since its last digest, at its chosen hour.

A chat that takes digests collects its articles as they are announced (bot/state/subscriptions.py);
the leader looks for due digests every DIGEST_EVERY seconds, renders each into messages that fit
Telegram's limits, and moves it into the outbox in the same transaction that sets the next date, so
the courier delivers it once, paced, across restarts. Nothing new means no message.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import ENGLISH, N_, Translator, translator
from bot.state.chats import ChatSettings
from bot.subscriptions.notices import Notice
from bot.subscriptions.schedule import DigestSchedule, next_digest
from bot.telegram.context import BotServices, DossierContext
from bot.telegram.deliveries import Outgoing, digest_body
from bot.telegram.notices import article_buttons
from bot.telegram.rendering import MESSAGE_LIMIT, article_line, bold, escape, shorten, utf16_len
from index.errors import DossierError

logger = logging.getLogger(__name__)

DIGEST_EVERY = 30.0  # seconds between looks for due digests: a digest at 08:00 leaves by 08:00:30
MAX_ARTICLES = 50  # listed in one digest, the newest; older ones are counted ("and 12 more")
PER_MESSAGE = 8  # articles a message: two buttons each stay far within Telegram's 100
LINE_LIMIT = 300  # characters of an article's one-line summary
TITLE_LIMIT = 200
TITLES = {"daily": N_("Daily digest"), "weekly": N_("Weekly digest")}


async def send_digests(context: DossierContext) -> None:
    """The job: queue every digest that is due (on the leader only), then wake the courier."""
    services = context.services
    if not services.leading:
        return
    now = services.clock()
    try:
        due = await asyncio.to_thread(services.chats.due_digests, now)
    except DossierError as error:
        logger.warning("cannot look for due digests: %s", error)
        return
    queued = 0
    for chat in due:
        try:
            queued += await asyncio.to_thread(queue_digest, services, chat, context.bot.username, now)
        except DossierError as error:
            logger.warning("cannot queue the digest of chat %s: %s", chat.chat_id, error)
    if queued and services.courier is not None:
        services.courier.wake()


def queue_digest(services: BotServices, chat: ChatSettings, bot_username: str, now: float) -> bool:
    """Render the chat's digest into the outbox and set its next date; True when one was queued."""
    assert chat.digest is not None and chat.digest_minute is not None
    schedule = DigestSchedule(chat.digest, chat.digest_minute, chat.digest_weekday)
    next_due = next_digest(schedule, services.zone_of(chat), now)
    items = services.chats.waiting(chat.chat_id)
    shown = items[-MAX_ARTICLES:]
    notices = [n for n in (services.subscriptions.notice(i.doc_id) for i in shown) if n is not None]
    private = chat.chat_id > 0
    tr = translator(chat.notice_language)
    title = tr.gettext(TITLES.get(chat.digest, TITLES["daily"]))
    messages = render_digest(title, notices, len(items) - len(shown), bot_username, private, tr)
    body = digest_body(messages) if messages else None
    done = services.chats.queue_digest(chat, items, body, next_due)
    if done and body is not None:
        logger.info("queued a digest of %d articles for chat %s", len(notices), chat.chat_id)
    return done and body is not None


def render_digest(
    title: str,
    notices: list[Notice],
    more: int,
    bot_username: str,
    private: bool,
    tr: Translator = ENGLISH,
) -> list[Outgoing]:
    """Each article with its one-line cited summary and its buttons, split between messages."""
    if not notices:
        return []
    count = len(notices) + more
    header = f"{bold(title)} · " + tr.nhtml("{count} new article", "{count} new articles", count)
    messages: list[Outgoing] = []
    text, rows = header, list[list[InlineKeyboardButton]]()
    for n, notice in enumerate(notices, 1):
        block = _entry(n, notice, tr)
        if len(rows) == PER_MESSAGE or utf16_len(f"{text}\n\n{block}") > MESSAGE_LIMIT:
            messages.append(Outgoing(text, InlineKeyboardMarkup(rows)))
            text, rows = block, []
        else:
            text = f"{text}\n\n{block}"
        d = notice.document
        rows.append(article_buttons(d.doc_id, d.url, bot_username, private, label=f"[{n}] ", tr=tr))
    if more:
        tail = tr.nhtml(
            "… and {count} older article: /latest lists the newest.",
            "… and {count} older articles: /latest lists the newest.",
            more,
        )
        if utf16_len(f"{text}\n\n{tail}") > MESSAGE_LIMIT:
            messages.append(Outgoing(text, InlineKeyboardMarkup(rows)))
            text, rows = tail, []
        else:
            text = f"{text}\n\n{tail}"
    messages.append(Outgoing(text, InlineKeyboardMarkup(rows) if rows else None))
    return messages


def _entry(n: int, notice: Notice, tr: Translator) -> str:
    """'[n] Title · date · source' and the article's most central sentence, cited [n]."""
    d = notice.document
    line = article_line(shorten(d.title, TITLE_LIMIT), d.url, d.published, d.source, tr)
    lead = notice.shortened(1)
    summary = f"\n{escape(shorten(lead[0], LINE_LIMIT))} [{n}]" if lead else ""
    return f"[{n}] {line}{summary}"
