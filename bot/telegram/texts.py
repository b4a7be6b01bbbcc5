"""What the bot says besides answers: greetings, help, lists of articles, and polite refusals.

Functions return Telegram HTML; anything taken from articles or settings is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot import version
from bot.telegram import callbacks
from bot.telegram.examples import ArchiveSummary
from bot.telegram.rendering import MESSAGE_LIMIT, article_line, escape, human_date, utf16_len
from index.models import DocumentInfo

PAGE_SIZE = 5
LATEST = 5

COMMANDS = (
    BotCommand("start", "What the archive holds, with example questions"),
    BotCommand("help", "How to ask, and what the bot does with questions"),
    BotCommand("ask", "Ask a question: /ask QUESTION (also works in groups)"),
    BotCommand("sources", "The articles in the archive"),
    BotCommand("latest", "The newest articles"),
    BotCommand("about", "How answers are made"),
)

HELP = (
    "<b>Ask me about the news archive.</b> Send a question as a message, e.g. "
    "<i>Who signed the agreement?</i> Every sentence of an answer comes from an article and "
    "carries a marker [n] for its source; the buttons show each quote in context. "
    "Follow-up questions (<i>and when?</i>) are read together with your previous question.\n\n"
    "👍/👎 under an answer tell the archive's operators which answers were right or wrong.\n\n"
    "/ask QUESTION — ask (in groups, or anywhere)\n"
    "/new — forget this conversation: the next question starts afresh\n"
    "/search WORDS — the passages that best match, with their articles\n"
    "/sources — the articles in the archive\n"
    "/latest — the newest articles\n"
    "/about — how answers are made\n"
    "/subscribe — every new article as it is added; /subscribe TOPIC only those about a topic\n"
    "/unsubscribe, /subscriptions — stop them, or see what this chat gets\n"
    "/settings — digest or instant delivery, quiet hours, summary length, excluded topics\n"
    "/digest daily HH:MM or /digest weekly DAY HH:MM — one message with the new articles; /digest off\n"
    "/timezone Area/City — the chat's time zone for digests and quiet hours\n"
    "/quiet 22:00 07:00 — notices arrive silently at night; /exclude TOPIC — never about a topic\n\n"
    "<b>In groups</b> I answer only when you mention me (@{username}), reply to one of my "
    "messages, or use /ask; other messages I ignore.\n"
    "<b>Inline:</b> type @{username} and a question in any chat.\n"
    "<b>Edited questions</b> are answered again: edit a question and I reply to the new version.\n"
    "<b>Limits:</b> {per_minute} questions a minute, {max_chars} characters a question; "
    "I read text only."
)

ASK_USAGE = "Put your question after the command, e.g. /ask Who signed the agreement?"
NON_TEXT = "I can only read text. Please type your question, or send /help to see what I can do."
UNKNOWN_COMMAND = "I don't know that command."
ERROR = "Sorry, something went wrong while handling that. Please try again in a moment."
GONE = "That article is no longer in the archive."
STALE_BUTTON = "That button no longer does anything; send /help to see what I can do."


def help_text(username: str, per_minute: int, max_chars: int) -> str:
    return HELP.format(username=escape(username), per_minute=per_minute, max_chars=max_chars)


def too_long(length: int, max_chars: int) -> str:
    return (
        f"That question is {length} characters long; please keep it under {max_chars} "
        "and ask about one thing at a time."
    )


def rate_limited(per_minute: int, retry_in: int) -> str:
    return (
        f"You're asking faster than I can keep up with ({per_minute} questions a minute). "
        f"Please wait about {retry_in} seconds, then ask again."
    )


def holdings(summary: ArchiveSummary) -> str:
    """'The archive holds 2 articles, from 17 July 2020 to 30 April 2021.'"""
    if not summary.articles:
        return "The archive is empty for now."
    noun = "article" if summary.articles == 1 else "articles"
    first, last = human_date(summary.first), human_date(summary.last)
    if first and last and first != last:
        span = f", from {first} to {last}"
    else:
        span = f", from {first}" if first else ""
    return f"The archive holds <b>{summary.articles}</b> news {noun}{span}."


def greeting(first_name: str | None, summary: ArchiveSummary) -> str:
    name = f", {escape(first_name)}" if first_name else ""
    lines = [
        f"Hello{name}! I answer questions from a news archive, quoting the articles and citing each one.",
        "",
        holdings(summary),
    ]
    if summary.examples:
        lines += ["", "<b>Try asking:</b>"] + [f"• {escape(q)}" for q in summary.examples]
    lines += ["", "Send /sources for the articles, /help for everything else."]
    return "\n".join(lines)


def about(summary: ArchiveSummary, updated: str | None) -> str:
    lines = [
        "<b>Dossier</b> answers questions from a fixed archive of news articles, never from the web "
        "or from memory. Each sentence of an answer is quoted from an article and marked [n]; the "
        "source list links to every article quoted. When the articles don't answer a question, "
        "I say so and point to related articles instead of guessing.",
        "",
        holdings(summary),
    ]
    if updated:
        lines.append(f"Last updated {escape(updated)}.")
    lines += [
        "",
        "I keep your last few questions for half an hour so that follow-ups make sense, and each answer "
        "with its question for a week so that its 👍/👎 can be recorded; answers you rate are kept for "
        "the archive's operators, without your name.",
        "",
        f"Dossier {escape(version())}, MIT licence.",
    ]
    return "\n".join(lines)


def sources_page(documents: Sequence[DocumentInfo], page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the article list (newest first) and its ‹ › buttons."""
    if not documents:
        return "The archive is empty for now.", None
    pages = (len(documents) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    lines = [f"<b>Articles in the archive</b> ({len(documents)}, page {page + 1} of {pages})"]
    lines += [
        f"{start + i + 1}. {_document_line(d)}" for i, d in enumerate(documents[start : start + PAGE_SIZE])
    ]
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("‹ Newer", callback_data=callbacks.page(page - 1)))
    if page < pages - 1:
        buttons.append(InlineKeyboardButton("Older ›", callback_data=callbacks.page(page + 1)))
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


def latest(documents: Sequence[DocumentInfo]) -> str:
    if not documents:
        return "The archive is empty for now."
    lines = ["<b>Newest articles</b>"] + [f"• {_document_line(d)}" for d in documents[:LATEST]]
    return "\n".join(lines)


def _document_line(document: DocumentInfo) -> str:
    return article_line(document.title, document.url, document.published, document.source)


def listing(header: str | None, lines: Sequence[str]) -> str:
    """A header and as many lines (already HTML) as fit one message, then how many were left out."""
    top = [header] if header else []
    kept: list[str] = []
    used = utf16_len(header or "") + 40  # room for the "(and N more …)" line
    for line in lines:
        used += utf16_len(line) + 1
        if used > MESSAGE_LIMIT:
            return "\n".join([*top, *kept, f"(and {len(lines) - len(kept)} more not shown)"])
        kept.append(line)
    return "\n".join([*top, *kept])
