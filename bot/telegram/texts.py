"""What the bot says besides answers: greetings, help, lists of articles, and polite refusals.

Functions return Telegram HTML in the reader's language (`tr`); anything taken from articles or
settings is escaped. Constants are English messages, translated where they are sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot import version
from bot.i18n import ENGLISH, N_, Html, Translator
from bot.telegram import callbacks
from bot.telegram.examples import ArchiveSummary
from bot.telegram.rendering import MESSAGE_LIMIT, article_line, bold, escape, italic, shorten, utf16_len
from index.models import DocumentInfo

PAGE_SIZE = 5
LATEST = 5

COMMANDS = (
    BotCommand("start", N_("What the archive holds, with example questions")),
    BotCommand("help", N_("How to ask, and what the bot does with questions")),
    BotCommand("ask", N_("Ask a question: /ask QUESTION (also works in groups)")),
    BotCommand("sources", N_("The articles in the archive")),
    BotCommand("latest", N_("The newest articles")),
    BotCommand("about", N_("How answers are made")),
)

# /help's list of commands, a line each (the commands themselves stay as they are in every language).
HELP_COMMANDS = (
    N_("/ask QUESTION — ask (in groups, or anywhere)"),
    N_("/new — forget this conversation: the next question starts afresh"),
    N_("/search WORDS — the passages that best match, with their articles"),
    N_("/sources — the articles in the archive"),
    N_("/latest — the newest articles"),
    N_("/about — how answers are made"),
    N_("/subscribe — every new article as it is added; /subscribe TOPIC only those about a topic"),
    N_("/unsubscribe, /subscriptions — stop them, or see what this chat gets"),
    N_("/settings — digest or instant delivery, quiet hours, summary length, excluded topics"),
    N_("/digest daily HH:MM or /digest weekly DAY HH:MM — one message with the new articles; /digest off"),
    N_("/timezone Area/City — the chat's time zone for digests and quiet hours"),
    N_("/quiet 22:00 07:00 — notices arrive silently at night; /exclude TOPIC — never about a topic"),
    N_("/language — English, Русский or Қазақша"),
)

ASK_USAGE = N_("Put your question after the command, e.g. /ask Who signed the agreement?")
NON_TEXT = N_("I can only read text. Please type your question, or send /help to see what I can do.")
UNKNOWN_COMMAND = N_("I don't know that command.")
ERROR = N_("Sorry, something went wrong while handling that. Please try again in a moment.")
GONE = N_("That article is no longer in the archive.")
STALE_BUTTON = N_("That button no longer does anything; send /help to see what I can do.")
EMPTY = N_("The archive is empty for now.")
# Words of an ingestion report (/add): what became of each page.
STATUSES = {
    "added": N_("added"),
    "updated": N_("updated"),
    "unchanged": N_("unchanged"),
    "failed": N_("failed"),
    "new": N_("new"),
    "not modified": N_("not modified"),
}


def help_text(username: str, per_minute: int, max_chars: int, tr: Translator = ENGLISH) -> str:
    # Bold and italic words are messages of their own, looked up before the sentence that holds them:
    # Babel does not extract a message from inside another's arguments.
    title = bold(tr.gettext("Ask me about the news archive."))
    example = italic(tr.gettext("Who signed the agreement?"))
    follow_up = italic(tr.gettext("and when?"))
    intro = tr.html(
        "{title} Send a question as a message, e.g. {example} Every sentence of an answer comes from an "
        "article and carries a marker [n] for its source; the buttons show each quote in context. "
        "Follow-up questions ({follow_up}) are read together with your previous question.",
        title=title,
        example=example,
        follow_up=follow_up,
    )
    feedback = tr.html(
        "👍/👎 under an answer tell the archive's operators which answers were right or wrong."
    )
    mention = f"@{username}"
    title = bold(tr.gettext("In groups"))
    groups = tr.html(
        "{title} I answer only when you mention me ({mention}), reply to one of my messages, or use /ask; "
        "other messages I ignore.",
        title=title,
        mention=mention,
    )
    title = bold(tr.gettext("Inline:"))
    inline = tr.html("{title} type {mention} and a question in any chat.", title=title, mention=mention)
    title = bold(tr.gettext("Edited questions"))
    edited = tr.html(
        "{title} are answered again: edit a question and I reply to the new version.", title=title
    )
    title = bold(tr.gettext("Limits:"))
    questions = tr.nhtml("{count} question a minute", "{count} questions a minute", per_minute)
    characters = tr.nhtml("{count} character a question", "{count} characters a question", max_chars)
    limits = tr.html(
        "{title} {questions}, {characters}; I read text only.",
        title=title,
        questions=questions,
        characters=characters,
    )
    commands = "\n".join(tr.html(line) for line in HELP_COMMANDS)
    return f"{intro}\n\n{feedback}\n\n{commands}\n\n{groups}\n{inline}\n{edited}\n{limits}"


def too_long(length: int, max_chars: int, tr: Translator = ENGLISH) -> str:
    return tr.html(
        "That question is {length} characters long; please keep it under {max_chars} "
        "and ask about one thing at a time.",
        length=length,
        max_chars=max_chars,
    )


def rate_limited(per_minute: int, retry_in: int, tr: Translator = ENGLISH) -> str:
    return tr.html(
        "You're asking faster than I can keep up with ({per_minute} questions a minute). "
        "Please wait about {retry_in} seconds, then ask again.",
        per_minute=per_minute,
        retry_in=retry_in,
    )


def holdings(summary: ArchiveSummary, tr: Translator = ENGLISH) -> str:
    """'The archive holds 2 articles, from 17 July 2020 to 30 April 2021.'"""
    n = summary.articles
    if not n:
        return tr.html(EMPTY)
    count = bold(str(n))
    first = tr.date(summary.first) if summary.first else None
    last = tr.date(summary.last) if summary.last else None
    if first and last and first != last:
        return tr.nhtml(
            "The archive holds {count} news article, from {first} to {last}.",
            "The archive holds {count} news articles, from {first} to {last}.",
            n,
            count=count,
            first=first,
            last=last,
        )
    if first:
        return tr.nhtml(
            "The archive holds {count} news article, from {first}.",
            "The archive holds {count} news articles, from {first}.",
            n,
            count=count,
            first=first,
        )
    return tr.nhtml(
        "The archive holds {count} news article.", "The archive holds {count} news articles.", n, count=count
    )


def greeting(first_name: str | None, summary: ArchiveSummary, tr: Translator = ENGLISH) -> str:
    if first_name:
        hello = tr.html(
            "Hello, {name}! I answer questions from a news archive, quoting the articles and citing each one.",
            name=first_name,
        )
    else:
        hello = tr.html(
            "Hello! I answer questions from a news archive, quoting the articles and citing each one."
        )
    lines = [hello, "", holdings(summary, tr)]
    if summary.examples:  # questions the archive answers, in its articles' own words
        lines += ["", bold(tr.gettext("Try asking:"))] + [f"• {escape(q)}" for q in summary.examples]
    lines += ["", tr.html("Send /sources for the articles, /help for everything else.")]
    return "\n".join(lines)


def about(summary: ArchiveSummary, updated: str | None, tr: Translator = ENGLISH) -> str:
    lines = [
        tr.html(
            "{dossier} answers questions from a fixed archive of news articles, never from the web or from "
            "memory. Each sentence of an answer is quoted from an article and marked [n]; the source list "
            "links to every article quoted. When the articles don't answer a question, I say so and point "
            "to related articles instead of guessing.",
            dossier=bold("Dossier"),
        ),
        "",
        holdings(summary, tr),
    ]
    if updated:
        lines.append(tr.html("Last updated {date}.", date=updated))
    lines += [
        "",
        tr.html(
            "I keep your last few questions for half an hour so that follow-ups make sense, and each answer "
            "with its question for a week so that its 👍/👎 can be recorded; answers you rate are kept for "
            "the archive's operators, without your name."
        ),
        "",
        tr.html("Dossier {version}, MIT licence.", version=version()),
    ]
    return "\n".join(lines)


def sources_page(
    documents: Sequence[DocumentInfo], page: int, tr: Translator = ENGLISH
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the article list (newest first) and its ‹ › buttons."""
    if not documents:
        return tr.html(EMPTY), None
    pages = (len(documents) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    title = bold(tr.gettext("Articles in the archive"))
    header = tr.html(
        "{title} ({count}, page {page} of {pages})",
        title=title,
        count=len(documents),
        page=page + 1,
        pages=pages,
    )
    lines = [header] + [
        f"{start + i + 1}. {_document_line(d, tr)}"
        for i, d in enumerate(documents[start : start + PAGE_SIZE])
    ]
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(tr.gettext("‹ Newer"), callback_data=callbacks.page(page - 1)))
    if page < pages - 1:
        buttons.append(InlineKeyboardButton(tr.gettext("Older ›"), callback_data=callbacks.page(page + 1)))
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


def latest(documents: Sequence[DocumentInfo], tr: Translator = ENGLISH) -> str:
    if not documents:
        return tr.html(EMPTY)
    lines = [bold(tr.gettext("Newest articles"))] + [f"• {_document_line(d, tr)}" for d in documents[:LATEST]]
    return "\n".join(lines)


def _document_line(document: DocumentInfo, tr: Translator) -> Html:
    return article_line(document.title, document.url, document.published, document.source, tr)


def listing(header: str | None, lines: Sequence[str], tr: Translator = ENGLISH) -> str:
    """A header and as many lines (already HTML) as fit one message, then how many were left out."""
    top = [header] if header else []
    kept: list[str] = []
    # room for the "(and N more not shown)" line: its longest form, whatever the language
    room = max(utf16_len(more_not_shown(len(lines), tr)), 40)
    used = utf16_len(header or "") + room
    for line in lines:
        used += utf16_len(line) + 1
        if used > MESSAGE_LIMIT:
            return "\n".join([*top, *kept, more_not_shown(len(lines) - len(kept), tr)])
        kept.append(line)
    return "\n".join([*top, *kept])


def more_not_shown(count: int, tr: Translator) -> str:
    return tr.nhtml("(and {count} more not shown)", "(and {count} more not shown)", count)


def status(value: str, tr: Translator = ENGLISH) -> str:
    """'added', 'failed: timed out' in the reader's words (what follows a colon is kept as it is)."""
    word, colon, rest = value.partition(": ")
    known = STATUSES.get(word)
    return f"{tr.gettext(known)}{colon}{rest}" if known else value


def ingested(report: Sequence[tuple[str, str]], tr: Translator = ENGLISH) -> list[str]:
    """An ingestion report's lines ('added: Title'), the status in the reader's words."""
    return [f"{escape(status(word, tr))}: {escape(shorten(what, 300))}" for word, what in report]
