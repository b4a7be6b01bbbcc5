"""What an outbox row becomes in Telegram: a notice rendered for its chat's summary length, or the
stored messages of a digest; and whether it is sent silently (the chat's quiet hours)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.i18n import translator
from bot.state.chats import ChatSettings, ChatStore
from bot.state.subscriptions import OutboxItem
from bot.subscriptions.notices import Notice
from bot.subscriptions.schedule import in_quiet_hours, zone_named
from bot.telegram.notices import render_notice


@dataclass(frozen=True)
class Outgoing:
    """One message to send."""

    text: str
    markup: InlineKeyboardMarkup | None


@dataclass(frozen=True)
class CourierSettings:
    """Where the courier reads each chat's settings, the default zone, and the clock of quiet hours."""

    chats: ChatStore
    zone: ZoneInfo
    clock: Callable[[], float]

    def of(self, chat_ids: Iterable[int | str]) -> dict[int | str, ChatSettings]:
        """The settings of these chats (a channel's "@name" has none: the defaults)."""
        stored = self.chats.many(c for c in chat_ids if isinstance(c, int))
        return {chat: settings for chat, settings in stored.items()}

    def silent(self, chat: ChatSettings) -> bool:
        """Is it night in this chat? Then its notices and digests arrive without a sound."""
        zone = (zone_named(chat.time_zone) if chat.time_zone else None) or self.zone
        return in_quiet_hours(chat.quiet_start, chat.quiet_end, zone, self.clock())


def digest_body(messages: list[Outgoing]) -> str:
    """A digest's messages as the outbox keeps them (JSON), rendered once when it is queued."""
    return json.dumps(
        [{"text": m.text, "markup": m.markup.to_dict() if m.markup else None} for m in messages],
        ensure_ascii=False,
    )


def messages_of(
    item: OutboxItem, notice: Callable[[str], Notice | None], bot_username: str, chat: ChatSettings
) -> list[Outgoing] | None:
    """The messages of an outbox row; None when there is nothing left to send (the article is gone)."""
    if item.kind == "digest":
        parts = json.loads(item.body or "[]")
        return [Outgoing(p["text"], _markup(p.get("markup"))) for p in parts] or None
    found = notice(item.doc_id)
    if found is None:
        return None
    private = isinstance(item.chat_id, int) and item.chat_id > 0
    tr = translator(chat.notice_language)  # a digest was rendered in it when it was queued
    text, markup = render_notice(found, bot_username, private, chat.summary_sentences, tr)
    return [Outgoing(text, markup)]


def _markup(data: dict[str, object] | None) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup.de_json(data, None) if data else None
