"""A chat's settings as /settings shows them: what each is now, and buttons to change them."""

from __future__ import annotations

import hashlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.state.chats import MAX_SUMMARY_SENTENCES, ChatSettings
from bot.subscriptions.schedule import DAILY, WEEKLY, DigestSchedule, clock_time
from bot.telegram import callbacks
from bot.telegram.rendering import escape

# Quiet hours one button sets; /quiet START END sets any other span.
QUIET_PRESETS: tuple[tuple[int | None, int | None], ...] = (
    (None, None),
    (22 * 60, 7 * 60),
    (23 * 60, 8 * 60),
)
DEFAULT_DIGEST_MINUTE = 8 * 60  # a digest chosen by button comes at 08:00 until /digest says otherwise
CHECK = "✓ "


def schedule_of(chat: ChatSettings) -> DigestSchedule | None:
    if chat.digest is None or chat.digest_minute is None:
        return None
    return DigestSchedule(chat.digest, chat.digest_minute, chat.digest_weekday)


def delivery(chat: ChatSettings, zone: str) -> str:
    schedule = schedule_of(chat)
    if schedule is None:
        return "every new article as it is added"
    return f"a digest {schedule.describe()} ({escape(zone)})"


def quiet(chat: ChatSettings) -> str:
    if chat.quiet_start is None or chat.quiet_end is None or chat.quiet_start == chat.quiet_end:
        return "off"
    return f"{clock_time(chat.quiet_start)}–{clock_time(chat.quiet_end)}, notices and digests arrive silently"


def topic_key(topic: str) -> str:
    """A short, fixed-length handle for a topic in a button's data (topics may be 100 characters)."""
    return hashlib.sha1(topic.encode()).hexdigest()[:8]


def settings_text(chat: ChatSettings, zone: str, excluded: list[str], subscribed: bool) -> str:
    sentences = chat.summary_sentences
    lines = [
        "<b>Settings for this chat</b>",
        f"Delivery: {delivery(chat, zone)}",
        f"Time zone: {escape(zone)} (/timezone Area/City to change)",
        f"Quiet hours: {quiet(chat)}",
        f"Summary: up to {sentences} sentence{'' if sentences == 1 else 's'} a new article",
        "Excluded topics: " + (", ".join(f"<b>{escape(t)}</b>" for t in excluded) or "none (/exclude TOPIC)"),
    ]
    if not subscribed:
        lines.append("\nThis chat has no subscriptions yet: /subscribe chooses what it gets.")
    lines.append("\n/digest daily HH:MM or /digest weekly DAY HH:MM sets the digest's hour; /quiet START END")
    return "\n".join(lines)


def settings_keyboard(chat: ChatSettings, excluded: list[str]) -> InlineKeyboardMarkup:
    def mark(on: bool, label: str) -> str:
        return CHECK + label if on else label

    delivery_row = [
        InlineKeyboardButton(mark(chat.digest is None, "Instant"), callback_data=callbacks.setting("d", "i")),
        InlineKeyboardButton(
            mark(chat.digest == DAILY, "Daily digest"), callback_data=callbacks.setting("d", "d")
        ),
        InlineKeyboardButton(
            mark(chat.digest == WEEKLY, "Weekly digest"), callback_data=callbacks.setting("d", "w")
        ),
    ]
    quiet_row = [
        InlineKeyboardButton(
            mark(
                (chat.quiet_start, chat.quiet_end) == span or (i == 0 and quiet(chat) == "off"), _span(span)
            ),
            callback_data=callbacks.setting("q", str(i)),
        )
        for i, span in enumerate(QUIET_PRESETS)
    ]
    summary_row = [
        InlineKeyboardButton(
            mark(chat.summary_sentences == n, f"{n} sentence{'' if n == 1 else 's'}"),
            callback_data=callbacks.setting("s", str(n)),
        )
        for n in range(1, MAX_SUMMARY_SENTENCES + 1)
    ]
    topic_rows = [
        [
            InlineKeyboardButton(
                f"✕ {topic[:40]} (include again)", callback_data=callbacks.setting("x", topic_key(topic))
            )
        ]
        for topic in excluded[:20]
    ]
    return InlineKeyboardMarkup([delivery_row, quiet_row, summary_row, *topic_rows])


def _span(span: tuple[int | None, int | None]) -> str:
    start, end = span
    return (
        "No quiet hours" if start is None or end is None else f"Quiet {clock_time(start)}–{clock_time(end)}"
    )
