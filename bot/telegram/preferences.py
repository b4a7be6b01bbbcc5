"""Per-chat settings: /settings (an inline keyboard), /timezone, /digest, /quiet and /exclude.

Anyone may look; in groups and channels only admins change them (bot/telegram/permissions.py). The
digest job that acts on the schedules is registered here too (bot/telegram/digests.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from telegram import BotCommand, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import N_, Html
from bot.settings import Settings
from bot.state.chats import ChatSettings
from bot.state.subscriptions import normalise_topic
from bot.subscriptions.schedule import DAILY, WEEKLY, next_digest, parse_clock_time, parse_digest, zone_named
from bot.telegram import callbacks, settings_view
from bot.telegram.context import DossierContext
from bot.telegram.digests import DIGEST_EVERY, send_digests
from bot.telegram.language import reader
from bot.telegram.permissions import SETTINGS_ADMINS_ONLY, may_manage
from bot.telegram.rendering import bold, escape
from bot.telegram.settings_view import DIGEST_USAGE, QUIET_USAGE, ZONE_USAGE

COMMANDS = (
    BotCommand("settings", N_("This chat's settings: digest or instant, quiet hours, summary length")),
    BotCommand("digest", N_("New articles once a day or week: /digest daily 08:00, /digest off")),
    BotCommand("timezone", N_("The chat's time zone: /timezone Europe/Berlin")),
    BotCommand("quiet", N_("Silent notices at night: /quiet 22:00 07:00, /quiet off")),
    BotCommand("exclude", N_("Never send articles about a topic: /exclude TOPIC")),
)
UPDATES = (Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY)
NEW_MESSAGES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
TOPIC_LIMIT = 100


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    for name, callback in (
        ("settings", on_settings),
        ("digest", on_digest),
        ("timezone", on_timezone),
        ("quiet", on_quiet),
        ("exclude", on_exclude),
    ):
        application.add_handler(CommandHandler(name, callback, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.SETTINGS_PATTERN))
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        send_digests, interval=DIGEST_EVERY, first=DIGEST_EVERY, name="digests"
    )


async def _chat(update: Update, context: DossierContext) -> ChatSettings:
    assert update.effective_chat is not None
    return await asyncio.to_thread(context.services.chats.get, update.effective_chat.id)


def _message(update: Update) -> Message:
    assert update.effective_message is not None
    return update.effective_message


async def _allowed(update: Update, context: DossierContext) -> bool:
    """May the sender change this chat's settings? If not, they are told so."""
    if await may_manage(update, context):
        return True
    tr = await reader(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer(tr.gettext(SETTINGS_ADMINS_ONLY), show_alert=True)
    else:
        await _message(update).reply_text(tr.html(SETTINGS_ADMINS_ONLY))
    return False


async def _save(update: Update, context: DossierContext, chat: ChatSettings) -> ChatSettings | None:
    """Store the changed settings; None if the sender may not change them.

    The digest's next date is worked out again only when its schedule or the zone changed, so that
    changing the quiet hours just after 08:00 does not put off the 08:00 digest to the next day. A
    chat going back to instant delivery gets what was waiting for its digest as notices.
    """
    if not await _allowed(update, context):
        return None
    services = context.services
    stored = await asyncio.to_thread(services.chats.get, chat.chat_id)
    schedule = settings_view.schedule_of(chat)
    same = (chat.time_zone, schedule) == (stored.time_zone, settings_view.schedule_of(stored))
    if schedule is None:
        due = None
    elif same and stored.digest_due_at is not None:
        due = stored.digest_due_at
    else:
        due = next_digest(schedule, services.zone_of(chat), services.clock())
    saved = await asyncio.to_thread(services.chats.save, replace(chat, digest_due_at=due))
    if stored.digest is not None and chat.digest is None:
        await asyncio.to_thread(services.chats.release_waiting, chat.chat_id)
        if services.courier is not None:
            services.courier.wake()
    return saved


async def _view(
    update: Update, context: DossierContext, chat: ChatSettings
) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    tr = await reader(update, context)
    excluded = await asyncio.to_thread(services.chats.excluded, chat.chat_id)
    subscribed = bool(await asyncio.to_thread(services.subscriptions.store.topics, chat.chat_id))
    zone = services.zone_of(chat).key
    text = settings_view.settings_text(chat, zone, excluded, subscribed, tr)
    return text, settings_view.settings_keyboard(chat, excluded, tr)


async def on_settings(update: Update, context: DossierContext) -> None:
    text, keyboard = await _view(update, context, await _chat(update, context))
    await _message(update).reply_html(text, reply_markup=keyboard)


async def on_button(update: Update, context: DossierContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_setting(query.data)
    assert parsed is not None  # the handler's pattern admits only well-formed data
    action, value = parsed
    chat = await _chat(update, context)
    if action == "x":
        excluded = await asyncio.to_thread(context.services.chats.excluded, chat.chat_id)
        topic = next((t for t in excluded if settings_view.topic_key(t) == value), None)
        if topic is not None and await _allowed(update, context):
            await asyncio.to_thread(context.services.chats.include, chat.chat_id, topic)
        elif topic is not None:
            return
    elif await _save(update, context, _pressed(chat, action, value)) is None:
        return
    text, keyboard = await _view(update, context, await _chat(update, context))
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # the setting it already had
            raise


def _pressed(chat: ChatSettings, action: str, value: str) -> ChatSettings:
    if action == "d":
        if value == "i":
            return replace(chat, digest=None)
        minute = chat.digest_minute if chat.digest_minute is not None else settings_view.DEFAULT_DIGEST_MINUTE
        weekday = chat.digest_weekday if chat.digest_weekday is not None else 0
        return replace(
            chat, digest=DAILY if value == "d" else WEEKLY, digest_minute=minute, digest_weekday=weekday
        )
    if action == "q":
        start, end = settings_view.QUIET_PRESETS[min(int(value), len(settings_view.QUIET_PRESETS) - 1)]
        return replace(chat, quiet_start=start, quiet_end=end)
    return replace(chat, summary_sentences=int(value))


async def on_digest(update: Update, context: DossierContext) -> None:
    message, chat = _message(update), await _chat(update, context)
    tr = await reader(update, context)
    words = context.args or []
    zone = context.services.zone_of(chat).key
    if not words:
        shown = tr.html("Delivery: {delivery}.", delivery=settings_view.delivery(chat, zone, tr))
        await message.reply_html(f"{shown}\n{tr.html(DIGEST_USAGE)}")
        return
    if words[0].casefold() == "off":
        changed = replace(chat, digest=None)
    else:
        try:
            schedule = parse_digest(words)
        except ValueError:
            await message.reply_html(tr.html(DIGEST_USAGE))
            return
        changed = replace(
            chat, digest=schedule.every, digest_minute=schedule.minute, digest_weekday=schedule.weekday
        )
    saved = await _save(update, context, changed)
    if saved is not None:
        await message.reply_html(settings_view.digest_reply(saved, zone, tr))


async def on_timezone(update: Update, context: DossierContext) -> None:
    message, chat = _message(update), await _chat(update, context)
    tr = await reader(update, context)
    name = " ".join(context.args or [])
    if not name:
        current = context.services.zone_of(chat).key
        await message.reply_html(
            tr.html("This chat's time zone is {zone}.", zone=current) + " " + tr.html(ZONE_USAGE)
        )
        return
    zone = zone_named(name)
    if zone is None:
        unknown = tr.html("I don't know the time zone “{name}”.", name=name[:60])
        await message.reply_html(f"{unknown} {tr.html(ZONE_USAGE)}")
        return
    if await _save(update, context, replace(chat, time_zone=zone.key)) is not None:
        await message.reply_html(
            tr.html("Time zone set to {zone}: digests and quiet hours follow it.", zone=zone.key)
        )


async def on_quiet(update: Update, context: DossierContext) -> None:
    message, chat = _message(update), await _chat(update, context)
    tr = await reader(update, context)
    words = context.args or []
    if len(words) == 1 and words[0].casefold() == "off":
        changed = replace(chat, quiet_start=None, quiet_end=None)
    else:
        span = _span(words)
        if span is None:
            shown = tr.html("Quiet hours: {quiet}.", quiet=settings_view.quiet(chat, tr))
            await message.reply_html(f"{shown}\n{tr.html(QUIET_USAGE)}")
            return
        changed = replace(chat, quiet_start=span[0], quiet_end=span[1])
    saved = await _save(update, context, changed)
    if saved is not None:
        await message.reply_html(tr.html("Quiet hours: {quiet}.", quiet=settings_view.quiet(saved, tr)))


def _span(words: list[str]) -> tuple[int, int] | None:
    if len(words) != 2:
        return None
    try:
        return parse_clock_time(words[0]), parse_clock_time(words[1])
    except ValueError:
        return None


async def on_exclude(update: Update, context: DossierContext) -> None:
    message, chat = _message(update), await _chat(update, context)
    tr = await reader(update, context)
    topic = normalise_topic(" ".join(context.args or []))[:TOPIC_LIMIT]
    if not topic:
        excluded = await asyncio.to_thread(context.services.chats.excluded, chat.chat_id)
        listed = ", ".join(escape(t) for t in excluded) or tr.html("none")
        shown = tr.html("Excluded topics: {topics}.", topics=Html(listed))
        usage = tr.html("Usage: /exclude TOPIC; /settings includes one again.")
        await message.reply_html(f"{shown}\n{usage}")
        return
    if not await _allowed(update, context):
        return
    await asyncio.to_thread(context.services.chats.exclude, chat.chat_id, topic)
    await message.reply_html(
        tr.html(
            "This chat no longer gets articles about {topic}, whatever it subscribes to. "
            "/settings includes it again.",
            topic=bold(topic),
        )
    )
