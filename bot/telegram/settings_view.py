"""A chat's settings as /settings shows them: what each is now, and buttons to change them; and what
/digest, /quiet, /timezone and /exclude answer. All in the reader's language (`tr`)."""

from __future__ import annotations

import hashlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import ENGLISH, N_, Html, Translator
from bot.state.chats import MAX_SUMMARY_SENTENCES, ChatSettings
from bot.subscriptions.schedule import DAILY, WEEKLY, DigestSchedule, clock_time
from bot.telegram import callbacks
from bot.telegram.rendering import CHECK, bold

# Quiet hours one button sets; /quiet START END sets any other span.
QUIET_PRESETS: tuple[tuple[int | None, int | None], ...] = (
    (None, None),
    (22 * 60, 7 * 60),
    (23 * 60, 8 * 60),
)
DEFAULT_DIGEST_MINUTE = 8 * 60  # a digest chosen by button comes at 08:00 until /digest says otherwise
DIGEST_USAGE = N_(
    "Usage: /digest daily HH:MM, /digest weekly DAY HH:MM (e.g. /digest weekly Monday 08:00), or /digest off."
)
ZONE_USAGE = N_("Usage: /timezone Area/City, e.g. /timezone Europe/Berlin or /timezone Asia/Almaty (or UTC).")
QUIET_USAGE = N_("Usage: /quiet START END, e.g. /quiet 22:00 07:00, or /quiet off.")
# A weekly digest's day, whole sentences: the words around a day change with it in Russian.
WEEKLY_AT = (
    N_("every Monday at {time}"),
    N_("every Tuesday at {time}"),
    N_("every Wednesday at {time}"),
    N_("every Thursday at {time}"),
    N_("every Friday at {time}"),
    N_("every Saturday at {time}"),
    N_("every Sunday at {time}"),
)


def schedule_of(chat: ChatSettings) -> DigestSchedule | None:
    if chat.digest is None or chat.digest_minute is None:
        return None
    return DigestSchedule(chat.digest, chat.digest_minute, chat.digest_weekday)


def describe(schedule: DigestSchedule, tr: Translator = ENGLISH) -> Html:
    """'daily at 08:00' or 'every Monday at 08:00'."""
    at = clock_time(schedule.minute)
    if schedule.every == WEEKLY and schedule.weekday is not None:
        return tr.html(WEEKLY_AT[schedule.weekday], time=at)
    return tr.html("daily at {time}", time=at)


def delivery(chat: ChatSettings, zone: str, tr: Translator = ENGLISH) -> Html:
    schedule = schedule_of(chat)
    if schedule is None:
        return tr.html("every new article as it is added")
    return tr.html("a digest {schedule} ({zone})", schedule=describe(schedule, tr), zone=zone)


def quiet_off(chat: ChatSettings) -> bool:
    return chat.quiet_start is None or chat.quiet_end is None or chat.quiet_start == chat.quiet_end


def quiet(chat: ChatSettings, tr: Translator = ENGLISH) -> Html:
    if quiet_off(chat):
        return tr.html("off")
    assert chat.quiet_start is not None and chat.quiet_end is not None
    return tr.html(
        "{start}–{end}, notices and digests arrive silently",
        start=clock_time(chat.quiet_start),
        end=clock_time(chat.quiet_end),
    )


def topic_key(topic: str) -> str:
    """A short, fixed-length handle for a topic in a button's data (topics may be 100 characters)."""
    return hashlib.sha1(topic.encode()).hexdigest()[:8]


def settings_text(
    chat: ChatSettings, zone: str, excluded: list[str], subscribed: bool, tr: Translator = ENGLISH
) -> str:
    sentences = chat.summary_sentences
    topics = Html(", ".join(bold(t) for t in excluded)) if excluded else tr.html("none (/exclude TOPIC)")
    lines: list[str] = [
        bold(tr.gettext("Settings for this chat")),
        tr.html("Delivery: {delivery}", delivery=delivery(chat, zone, tr)),
        tr.html("Time zone: {zone} (/timezone Area/City to change)", zone=zone),
        tr.html("Quiet hours: {quiet}", quiet=quiet(chat, tr)),
        tr.nhtml(
            "Summary: up to {count} sentence a new article",
            "Summary: up to {count} sentences a new article",
            sentences,
        ),
        tr.html("Excluded topics: {topics}", topics=topics),
    ]
    if not subscribed:
        lines.append("\n" + tr.html("This chat has no subscriptions yet: /subscribe chooses what it gets."))
    lines.append(
        "\n"
        + tr.html("/digest daily HH:MM or /digest weekly DAY HH:MM sets the digest's hour; /quiet START END")
    )
    return "\n".join(lines)


def settings_keyboard(
    chat: ChatSettings, excluded: list[str], tr: Translator = ENGLISH
) -> InlineKeyboardMarkup:
    def mark(on: bool, label: str) -> str:
        return CHECK + label if on else label

    def button(on: bool, label: str, action: str, value: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(mark(on, label), callback_data=callbacks.setting(action, value))

    delivery_row = [
        button(chat.digest is None, tr.gettext("Instant"), "d", "i"),
        button(chat.digest == DAILY, tr.gettext("Daily digest"), "d", "d"),
        button(chat.digest == WEEKLY, tr.gettext("Weekly digest"), "d", "w"),
    ]
    quiet_row = [
        button(
            (chat.quiet_start, chat.quiet_end) == span or (i == 0 and quiet_off(chat)),
            _span(span, tr),
            "q",
            str(i),
        )
        for i, span in enumerate(QUIET_PRESETS)
    ]
    summary_row = [
        button(
            chat.summary_sentences == n,
            tr.ngettext("{count} sentence", "{count} sentences", n).format(count=n),
            "s",
            str(n),
        )
        for n in range(1, MAX_SUMMARY_SENTENCES + 1)
    ]
    include = tr.gettext("✕ {topic} (include again)")
    topic_rows = [
        [
            InlineKeyboardButton(
                include.format(topic=topic[:40]), callback_data=callbacks.setting("x", topic_key(topic))
            )
        ]
        for topic in excluded[:20]
    ]
    return InlineKeyboardMarkup([delivery_row, quiet_row, summary_row, *topic_rows])


def _span(span: tuple[int | None, int | None], tr: Translator) -> str:
    start, end = span
    if start is None or end is None:
        return tr.gettext("No quiet hours")
    return tr.gettext("Quiet {start}–{end}").format(start=clock_time(start), end=clock_time(end))


def digest_reply(chat: ChatSettings, zone: str, tr: Translator = ENGLISH) -> Html:
    """What /digest answers once the chat's schedule is saved."""
    if chat.digest is None:
        return tr.html("No more digests: this chat gets every new article as it is added.")
    return tr.html(
        "This chat now gets {delivery}: one message listing the new articles of its subscriptions since the "
        "last one, and none when there is nothing new. /digest off goes back.",
        delivery=delivery(chat, zone, tr),
    )
