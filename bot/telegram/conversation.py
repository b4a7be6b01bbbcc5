"""Questions in chats: private messages, group mentions and replies, /ask, edits, and everything else.

Rules, also stated in /help:
- private chat: every text message is a question;
- group: only a message that mentions the bot, replies to it, or uses /ask; the rest is ignored;
- an edited question is answered again, as a new reply to the edited message;
- non-text messages get a short hint in private chats; unknown commands get help.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from telegram import BotCommand, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.i18n import N_, Translator
from bot.settings import Settings
from bot.state.limits import Verdict
from bot.telegram import rendering, texts
from bot.telegram.context import DossierContext
from bot.telegram.feedback import answer_record
from bot.telegram.filters import AddressedToBot, CommandForBot, command_argument, without_mention
from bot.telegram.language import reader
from index.errors import DossierError
from index.text import encodable

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for 5 s or until the bot's next message

PRIVATE = filters.ChatType.PRIVATE
# Not a question: a command, or an inline answer sent through this very bot ("@bot question" in its chat).
QUESTION = filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT & filters.UpdateType.MESSAGES

COMMANDS = (BotCommand("new", N_("Forget this conversation: the next question starts afresh")),)
UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE)
FORGOTTEN = N_("Forgotten: your next question starts a new conversation.")
# The answering service's own words for a question it cannot take (index/answering/question.py),
# translated when they are exactly these; any other is shown as the service said it.
SERVICE_MESSAGES = (N_("Please send a question in words: this one was empty."),)


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """Question handlers; commands are registered before these, so they win."""
    application.add_handler(CommandHandler("ask", on_ask))
    application.add_handler(CommandHandler("new", on_new, filters=filters.UpdateType.MESSAGE))
    application.add_handler(MessageHandler(PRIVATE & QUESTION, on_private_text))
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & QUESTION & AddressedToBot(), on_group_text)
    )
    unknown = filters.COMMAND & filters.UpdateType.MESSAGE & (PRIVATE | CommandForBot())
    application.add_handler(MessageHandler(unknown, on_unknown_command))
    non_text = PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(non_text, on_non_text))


async def on_private_text(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await ask(message, context, message.text, await reader(update, context))


async def on_group_text(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None
    await ask(message, context, without_mention(message), await reader(update, context))


async def on_ask(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None
    tr = await reader(update, context)
    question = command_argument(message)
    if not question:
        await message.reply_html(tr.html(texts.ASK_USAGE))
        return
    await ask(message, context, question, tr)


async def on_new(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None
    await asyncio.to_thread(context.services.memory.forget, message.chat_id)
    await message.reply_html((await reader(update, context)).html(FORGOTTEN))


async def ask(message: Message, context: DossierContext, question: str, tr: Translator) -> None:
    """Check the limits, answer off the event loop while showing "typing", reply, remember the turn.

    The answer quotes the articles in their own language; its other words are in the reader's (`tr`)."""
    started = time.perf_counter()
    services = context.services
    question = encodable(question)  # a forged update may carry a lone surrogate
    if not await within_limits(message, context, question, tr):
        return
    chat_id = message.chat_id
    about = await asyncio.to_thread(services.memory.take_focus, chat_id)  # "Ask about this article"
    history = await asyncio.to_thread(services.memory.history, chat_id)
    revision = services.core.archive.revision
    try:
        async with typing(message):
            answer = await services.answer(question, history, about)
    except DossierError as error:  # the service's own words, e.g. for a question with no words in it
        await message.reply_html(rendering.escape(tr.error(error)), do_quote=_quote(message))
        return
    await asyncio.to_thread(services.memory.remember, chat_id, answer.to_turn())
    record = answer_record(answer, history, revision)
    feedback_id = await asyncio.to_thread(services.feedback.record, chat_id, record)
    parts = rendering.answer_messages(answer, tr)
    keyboard = rendering.answer_keyboard(answer, feedback_id, tr)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_html(
            part, reply_markup=keyboard if last else None, do_quote=i == 0 and _quote(message)
        )
    services.metrics.answered("chat", answer.refused, time.perf_counter() - started)


async def within_limits(message: Message, context: DossierContext, question: str, tr: Translator) -> bool:
    services = context.services
    user_id = message.from_user.id if message.from_user else message.chat_id
    verdict = await asyncio.to_thread(services.questions.check, user_id)
    if verdict is Verdict.LIMITED:
        retry = await asyncio.to_thread(services.questions.retry_in, user_id)
        await message.reply_html(
            texts.rate_limited(services.questions.per_minute, retry, tr), do_quote=_quote(message)
        )
    if verdict is not Verdict.ALLOWED:
        return False
    if len(question) > services.max_question_chars:
        await message.reply_html(
            texts.too_long(len(question), services.max_question_chars, tr), do_quote=_quote(message)
        )
        return False
    return True


def _quote(message: Message) -> bool:
    """Quote the question in groups, and when answering an edit, so it is clear what is answered."""
    return message.chat.type != ChatType.PRIVATE or message.edit_date is not None


@contextlib.asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Shows "typing" until the block ends; the last action is sent before the reply can be."""
    done = asyncio.Event()

    async def keep_typing() -> None:
        while not done.is_set():
            with contextlib.suppress(TelegramError):  # a lost "typing" must not cost the answer
                await message.reply_chat_action(ChatAction.TYPING)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TYPING_EVERY):  # not wait_for: see Courier._run
                    await done.wait()

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        done.set()
        await task


async def on_unknown_command(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None
    tr = await reader(update, context)
    services = context.services
    help_text = texts.help_text(
        context.bot.username, services.questions.per_minute, services.max_question_chars, tr
    )
    await message.reply_html(f"{tr.html(texts.UNKNOWN_COMMAND)} {help_text}")


async def on_non_text(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_html((await reader(update, context)).html(texts.NON_TEXT))
