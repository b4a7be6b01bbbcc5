"""/search QUERY: the passages that best match, with their articles' titles, dates and links, a few to
a page behind ‹ › buttons.

The query is kept in the bot's database behind a short id (it may be longer than a button's 64
bytes), so the buttons work after a restart and on any replica; each page searches again, which
costs a few milliseconds and follows the archive as it grows.
"""

from __future__ import annotations

import asyncio

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import ENGLISH, N_, Translator
from bot.settings import Settings
from bot.telegram import callbacks
from bot.telegram.context import DossierContext
from bot.telegram.conversation import within_limits
from bot.telegram.filters import command_argument
from bot.telegram.language import reader
from bot.telegram.rendering import article_line, bold, escape, shorten
from index.models import Hit
from index.text import encodable

COMMANDS = (BotCommand("search", N_("The passages that best match: /search WORDS")),)
UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
PAGE_SIZE = 3  # passages a page: three of at most PASSAGE_LIMIT characters read on a phone
PASSAGE_LIMIT = 500
MAX_RESULTS = 15  # five pages; past them a reader asks differently rather than pages on
USAGE = N_("Put the words after the command, e.g. /search geological exploration")
GONE = N_("That search is too old; send /search again.")
NOTHING = N_("No passage matches that.")


def register(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("search", on_search, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CallbackQueryHandler(on_page, pattern=callbacks.SEARCH_PATTERN))


async def on_search(update: Update, context: DossierContext) -> None:
    message = update.effective_message
    assert message is not None
    query = " ".join(encodable(command_argument(message)).split())
    tr = await reader(update, context)
    if not query:
        await message.reply_html(tr.html(USAGE))
        return
    if not await within_limits(message, context, query, tr):  # a search embeds the query, like a question
        return
    services = context.services
    search_id = await asyncio.to_thread(services.searches.remember, query)
    hits = await asyncio.to_thread(services.core.archive.search, query, MAX_RESULTS)
    text, keyboard = results_page(query, hits, 0, search_id, tr)
    await message.reply_html(text, reply_markup=keyboard)


async def on_page(update: Update, context: DossierContext) -> None:
    """‹ Previous / Next ›: the same message, showing another page of the same search."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_search_page(query.data)
    assert parsed is not None  # the handler's pattern admits only well-formed data
    search_id, page = parsed
    services = context.services
    tr = await reader(update, context)
    words = await asyncio.to_thread(services.searches.query, search_id)
    if words is None:
        await query.answer(tr.gettext(GONE), show_alert=True)
        return
    hits = await asyncio.to_thread(services.core.archive.search, words, MAX_RESULTS)
    text, keyboard = results_page(words, hits, page, search_id, tr)
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # a double tap shows the same page twice
            raise


def results_page(
    query: str, hits: list[Hit], page: int, search_id: str, tr: Translator = ENGLISH
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of passages, each under its article's linked title, date and source, and ‹ › buttons."""
    title = bold(tr.gettext("Passages for"))
    header = tr.html("{title} “{query}”", title=title, query=shorten(query, 200))
    if not hits:
        return f"{header}\n{tr.html(NOTHING)}", None
    pages = (len(hits) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    lines = [f"{header} " + tr.html("(page {page} of {pages})", page=page + 1, pages=pages)]
    for n, hit in enumerate(hits[start : start + PAGE_SIZE], start + 1):
        d = hit.document
        passage = escape(shorten(" ".join(hit.text.split()), PASSAGE_LIMIT))
        lines.append(f"\n{n}. {article_line(d.title, d.url, d.published, d.source, tr)}\n<i>{passage}</i>")
    buttons = []
    if page > 0:
        data = callbacks.search_page(search_id, page - 1)
        buttons.append(InlineKeyboardButton(tr.gettext("‹ Previous"), callback_data=data))
    if page < pages - 1:
        data = callbacks.search_page(search_id, page + 1)
        buttons.append(InlineKeyboardButton(tr.gettext("Next ›"), callback_data=data))
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None
