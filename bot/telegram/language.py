"""The reader's language: which one each message is in, and /language to choose it.

A chat's choice is kept with its settings in the shared database, so every replica agrees. Without
one, each person is answered in their Telegram app's language (`language_code`: Russian, Kazakh,
else English), and notices and digests go out in the language of whoever last subscribed the chat.
In groups and channels only admins choose (bot/telegram/permissions.py). The command menu is
published in every language (bot/telegram/app.py); a chat that chooses one gets its menu in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import LANGUAGES, N_, Translator, language_of, translator
from bot.settings import Settings
from bot.state.chats import ChatSettings
from bot.telegram import callbacks
from bot.telegram.context import DossierContext
from bot.telegram.permissions import LANGUAGE_ADMINS_ONLY, may_manage
from bot.telegram.rendering import CHECK

logger = logging.getLogger(__name__)

COMMANDS = (BotCommand("language", N_("The bot's language: English, Русский, Қазақша")),)
UPDATES = (Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY)
NEW_MESSAGES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("language", on_language, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=callbacks.LANGUAGE_PATTERN))


def app_language(update: Update, context: DossierContext) -> str:
    """The language of the sender's Telegram app; DOSSIER_LANGUAGE (else English) when it is one Dossier
    does not speak."""
    user = update.effective_user
    return language_of(user.language_code if user else None, context.services.default_language)


async def reader(update: Update, context: DossierContext) -> Translator:
    """The language to answer this update in: the chat's choice, else the sender's app's."""
    chat = update.effective_chat
    chosen = None
    if chat is not None:
        chosen = (await asyncio.to_thread(context.services.chats.get, chat.id)).language
    return translator(chosen or app_language(update, context))


async def on_language(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    chat = await asyncio.to_thread(context.services.chats.get, update.effective_chat.id)
    tr = translator(chat.language or app_language(update, context))
    await message.reply_html(_view(chat, tr), reply_markup=_keyboard(chat, tr))


async def on_choice(update: Update, context: DossierContext) -> None:
    """A language button: the chat speaks it from now on (or each reader's own, for "automatic")."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    choice = callbacks.parse_language(query.data)
    services = context.services
    stored = await asyncio.to_thread(services.chats.get, update.effective_chat.id)
    if not await may_manage(update, context):
        tr = translator(stored.language or app_language(update, context))
        await query.answer(tr.gettext(LANGUAGE_ADMINS_ONLY), show_alert=True)
        return
    chosen = choice if choice in LANGUAGES else None
    changed = replace(stored, language=chosen, reader_language=app_language(update, context))
    saved = await asyncio.to_thread(services.chats.save, changed)
    tr = translator(saved.language or app_language(update, context))
    await query.answer()
    await _menu(context, saved, tr)
    with contextlib.suppress(BadRequest):  # "not modified": the language it already spoke
        await query.edit_message_text(_view(saved, tr), reply_markup=_keyboard(saved, tr))


def _view(chat: ChatSettings, tr: Translator) -> str:
    if chat.language is None:
        return tr.html(
            "I speak to each person in their Telegram app's language: English, Russian or Kazakh. "
            "Choose one for everyone in this chat:"
        )
    return tr.html("This chat's language: {language}. Choose another:", language=LANGUAGES[chat.language])


def _keyboard(chat: ChatSettings, tr: Translator) -> InlineKeyboardMarkup:
    def mark(on: bool, label: str) -> str:
        return CHECK + label if on else label

    named = [
        InlineKeyboardButton(mark(chat.language == code, name), callback_data=callbacks.language(code))
        for code, name in LANGUAGES.items()
    ]
    automatic = InlineKeyboardButton(
        mark(chat.language is None, tr.gettext("Each person's Telegram language")),
        callback_data=callbacks.language(callbacks.AUTOMATIC),
    )
    return InlineKeyboardMarkup([named, [automatic]])


async def _menu(context: DossierContext, chat: ChatSettings, tr: Translator) -> None:
    """The chat's command menu in its language; without a choice, each person's app language's."""
    scope = BotCommandScopeChat(chat.chat_id)
    try:
        if chat.language is None:
            await context.bot.delete_my_commands(scope=scope)
        else:
            await context.bot.set_my_commands(context.services.menus[tr.language], scope=scope)
    except TelegramError as error:  # a channel has no menu; the language is set all the same
        logger.info("cannot set the command menu of chat %s: %s", chat.chat_id, error)
