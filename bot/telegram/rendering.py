"""Answers as Telegram HTML: escaped text, [n] markers, a linked source list, split to fit 4096.

Everything that comes from a user or an article is escaped here and nowhere else; markup is only
ever added around escaped text, so every block is balanced HTML on its own and a message can be cut
between any two blocks without cutting a tag. The bot's own words come from the reader's language
(bot/i18n.py); quoted sentences, titles and sources stay in the article's, never translated.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import ENGLISH, N_, Html, Translator
from bot.telegram import callbacks
from index.answering.models import Answer, Citation, Related

MESSAGE_LIMIT = 4096  # Telegram's limit for one message's text, in UTF-16 code units
CONTEXT_LIMIT = 3000  # a passage shown "in context" is cut to this many characters
# Every field from an article is cut to these before it is rendered, so that no article, however
# odd, makes Telegram refuse (and so lose) a message: an answer is at most MAX_ANSWER_MESSAGES.
MAX_ANSWER_MESSAGES = 3
SENTENCE_LIMIT = 1500  # characters of one quoted sentence; its button shows it whole, in context
TITLE_LIMIT = 300
SOURCE_LIMIT = 100
# Telegram documents no length for links; longer ones than browsers reliably take stay plain text.
URL_LIMIT = 2048
MAX_SOURCES = 10  # source lines and button rows of one answer (Telegram allows 100 buttons)
CHECK = "✓ "  # marks the chosen one among buttons (settings, language)
REFUSAL = N_("Sorry, the articles in the archive don't answer that.")
REFUSAL_HINT = N_("Try asking it another way, or see /sources for what the archive covers.")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if Telegram will take it as a link; anything but http(s) would fail the whole message."""
    if not url or len(url.strip()) > URL_LIMIT:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def link(text: str, url: str | None) -> str:
    target = safe_url(url)
    return f'<a href="{escape(target)}">{escape(text)}</a>' if target else escape(text)


def bold(text: str) -> Html:
    """Bold text (escaped, unless it is Html already)."""
    return Html(f"<b>{text if isinstance(text, Html) else escape(text)}</b>")


def italic(text: str) -> Html:
    return Html(f"<i>{text if isinstance(text, Html) else escape(text)}</i>")


def human_date(value: date | None, tr: Translator = ENGLISH) -> str | None:
    return tr.date(value) if value else None


def article_line(
    title: str, url: str | None, published: date | None, source: str | None, tr: Translator = ENGLISH
) -> Html:
    """'<a href=url>title</a> · 17 July 2020 · source', escaped, each field cut to its limit."""
    source = shorten(source, SOURCE_LIMIT) if source else None
    parts = [link(shorten(title, TITLE_LIMIT), url)] + [
        escape(p) for p in (human_date(published, tr), source) if p
    ]
    return Html(" · ".join(parts))


# Splitting


@dataclass(frozen=True)
class Block:
    """A piece of balanced HTML and what separates it from the block before it in one message."""

    html: str
    joiner: str = "\n"


def text_blocks(text: str, joiner: str, limit: int = MESSAGE_LIMIT) -> list[Block]:
    """Plain text as escaped blocks that each fit a message, cut between words if it must be cut."""
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if utf16_len(escape(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = word
        while utf16_len(escape(current)) > limit:  # one "word" longer than a message: cut it anyway
            cut = _longest_fitting_prefix(current, limit)
            pieces.append(current[:cut])
            current = current[cut:]
    if current:
        pieces.append(current)
    return [Block(escape(piece), joiner if i == 0 else " ") for i, piece in enumerate(pieces)]


def _longest_fitting_prefix(text: str, limit: int) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if utf16_len(escape(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def pack(blocks: Iterable[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined into as few messages as fit, each cut only between blocks."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{block.joiner}{block.html}" if current else block.html
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = block.html
    if current:
        messages.append(current)
    return messages


# Answers


def answer_blocks(answer: Answer, tr: Translator = ENGLISH) -> list[Block]:
    """The answer's sentences with their [n] markers, then the numbered source list."""
    if answer.refused or not answer.sentences:
        return refusal_blocks(answer.related, tr)
    return _sentence_blocks(answer) + _source_blocks(answer, tr)


def _sentence_blocks(answer: Answer) -> list[Block]:
    blocks: list[Block] = []
    for sentence in answer.sentences:
        cut = replace(sentence, text=shorten(sentence.text, SENTENCE_LIMIT))
        blocks += text_blocks(replace(answer, sentences=(cut,)).text, " ")
    return bold_short_answer(blocks, answer.short_answer)


def bold_short_answer(blocks: list[Block], short: str | None) -> list[Block]:
    """The direct answer in bold where it first appears whole inside one block (never inside an entity)."""
    marked = escape(short or "")
    for i, block in enumerate(blocks if marked else []):
        at = block.html.find(marked)
        if at >= 0 and block.html.rfind("&", 0, at) <= block.html.rfind(";", 0, at):
            bold = f"{block.html[:at]}<b>{marked}</b>{block.html[at + len(marked) :]}"
            return [*blocks[:i], replace(block, html=bold), *blocks[i + 1 :]]
    return blocks


def _source_blocks(answer: Answer, tr: Translator) -> list[Block]:
    if not answer.citations:
        return []
    lines = [Block(source_line(c, tr)) for c in answer.citations[:MAX_SOURCES]]
    return [Block(bold(tr.gettext("Sources")), "\n\n"), *lines]


def answer_messages(answer: Answer, tr: Translator = ENGLISH) -> list[str]:
    """The answer in at most MAX_ANSWER_MESSAGES messages; sentences are cut from the end, never sources."""
    messages = pack(answer_blocks(answer, tr))
    return messages if len(messages) <= MAX_ANSWER_MESSAGES else fitted(answer, MAX_ANSWER_MESSAGES, tr)


def source_line(citation: Citation, tr: Translator = ENGLISH) -> str:
    """'[n] title · date · source', the title linking to the article."""
    line = article_line(citation.title, citation.url, citation.published, citation.source, tr)
    return f"[{citation.n}] {line}"


def refusal_blocks(related: Sequence[Related], tr: Translator = ENGLISH) -> list[Block]:
    blocks = [Block(tr.html(REFUSAL)), Block(tr.html(REFUSAL_HINT), " ")]
    if related:
        title = bold(tr.gettext("Related articles"))
        blocks.append(Block(tr.html("{title} (they may help, but do not answer it):", title=title), "\n\n"))
        blocks += [Block("• " + article_line(r.title, r.url, r.published, None, tr)) for r in related]
    return blocks


def answer_keyboard(
    answer: Answer, feedback_id: str | None = None, tr: Translator = ENGLISH
) -> InlineKeyboardMarkup | None:
    """One row per source: the cited passage in context, and the article itself; then 👍/👎 when the
    answer was recorded for feedback (`feedback_id`)."""
    rows = []
    quote, article = tr.gettext("Quote in context"), tr.gettext("Open article")
    for citation in answer.citations[:MAX_SOURCES]:
        data = callbacks.quote(citation.doc_id, citation.sentence)
        row = [InlineKeyboardButton(f"[{citation.n}] {quote}", callback_data=data)]
        url = safe_url(citation.url)
        if url:
            row.append(InlineKeyboardButton(f"[{citation.n}] {article}", url=url))
        rows.append(row)
    if feedback_id is not None:
        rows.append(feedback_row(feedback_id))
    return InlineKeyboardMarkup(rows) if rows else None


def feedback_row(feedback_id: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("👍", callback_data=callbacks.feedback(feedback_id, "u")),
        InlineKeyboardButton("👎", callback_data=callbacks.feedback(feedback_id, "d")),
    ]


# A cited passage in context


def context_message(
    title: str, url: str | None, published: date | None, passage: str, cited: str, tr: Translator = ENGLISH
) -> str:
    """The article line, then the passage as a quote with the cited sentence in bold."""
    passage = shorten(passage, CONTEXT_LIMIT)
    at = passage.find(cited) if cited else -1
    if at < 0:
        quoted = escape(passage)
    else:
        before, after = passage[:at], passage[at + len(cited) :]
        quoted = f"{escape(before)}<b>{escape(cited)}</b>{escape(after)}"
    return f"{article_line(title, url, published, None, tr)}\n<blockquote>{quoted}</blockquote>"


def article_keyboard(url: str | None, tr: Translator = ENGLISH) -> InlineKeyboardMarkup | None:
    target = safe_url(url)
    if not target:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr.gettext("Open article"), url=target)]])


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a space where there is one in the last fifth."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    word_end = head.rfind(" ", limit * 4 // 5)
    return (head[:word_end] if word_end > 0 else head) + "…"


def single_message(answer: Answer, tr: Translator = ENGLISH) -> str:
    """The answer in one message, for inline mode: sentences are dropped from the end, never sources."""
    return fitted(answer, 1, tr)[0]


def fitted(answer: Answer, count: int, tr: Translator = ENGLISH) -> list[str]:
    """At most `count` messages: as many of the answer's blocks as fit, "…", then all the sources."""
    if answer.refused or not answer.sentences:
        return pack(refusal_blocks(answer.related, tr))[:count]
    sentences, sources = _sentence_blocks(answer), _source_blocks(answer, tr)
    for keep in range(len(sentences), 0, -1):
        cut = [Block("…", " ")] if keep < len(sentences) else []
        messages = pack(sentences[:keep] + cut + sources)
        if len(messages) <= count:
            return messages
    return pack(sentences + sources)[:count]
