"""The one error handler: log what failed (never the token), tell the user, keep running."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Conflict, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.i18n import Translator, translator
from bot.telegram import texts
from bot.telegram.context import DossierContext
from bot.telegram.language import app_language, reader

logger = logging.getLogger(__name__)
TRANSIENT = (NetworkError, RetryAfter, Conflict)  # PTB retries these itself; a traceback adds nothing


async def on_error(update: object, context: DossierContext) -> None:
    """Log the failure; if a user was waiting for something, say that it went wrong."""
    error = context.error
    where = _describe(update)
    if isinstance(error, Forbidden):
        logger.warning("%s: the chat no longer accepts messages from the bot (%s)", where, error)
        return
    if update is None and isinstance(error, TRANSIENT):
        logger.warning("%s: %s: %s (retrying)", where, type(error).__name__, error)
        return
    logger.error("%s failed", where, exc_info=error)
    if isinstance(update, Update):
        await _tell_user(update, context)


async def _tell_user(update: Update, context: DossierContext) -> None:
    # The failure may have been Telegram refusing a message; if this one fails too, the log has it.
    tr = await _reader(update, context)
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(tr.gettext(texts.ERROR), show_alert=True)
            return
        if update.effective_chat is not None and update.effective_message is not None:
            await context.bot.send_message(update.effective_chat.id, tr.html(texts.ERROR))


async def _reader(update: Update, context: DossierContext) -> Translator:
    """The reader's language; their app's when the chat's choice cannot be read (the database may be
    what failed)."""
    try:
        return await reader(update, context)
    except Exception:
        logger.debug("the chat's language could not be read", exc_info=True)
        return translator(app_language(update, context))


def _describe(update: object) -> str:
    """Which update failed, without its content: user text does not belong in the log."""
    if isinstance(update, Update):
        kind = next((k for k in update.to_dict() if k != "update_id"), "update")
        chat = update.effective_chat.id if update.effective_chat else "-"
        return f"update {update.update_id} ({kind}, chat {chat})"
    return "polling" if update is None else type(update).__name__
