"""The new-article notice as a Telegram message: title, date and source, a cited summary, the link."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.subscriptions.notices import Notice
from bot.telegram.rendering import MESSAGE_LIMIT, article_line, escape, safe_url, shorten, utf16_len

FOCUS_PATTERN = r"^s:[0-9a-f]{8,32}$"  # "Ask about this article" in a chat that can press buttons
DEEP_LINK_PREFIX = "a_"  # t.me/<bot>?start=a_<doc_id>: the same button where callbacks can't work
SENTENCE_LIMIT = 600  # characters of one summary sentence; a notice is a glance, not the article
TITLE_LIMIT = 300


def focus_data(doc_id: str) -> str:
    return f"s:{doc_id}"


def render_notice(notice: Notice, bot_username: str, private: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The message and its buttons; channels and groups get a link that opens a private chat instead."""
    d = notice.document
    headline = article_line(shorten(d.title, TITLE_LIMIT), d.url, d.published, d.source)
    summary = " ".join(f"{escape(shorten(s, SENTENCE_LIMIT))} [1]" for s in notice.summary)
    text = f"<b>New article</b>\n{headline}\n\n{summary}\n\n[1] {headline}"
    if utf16_len(text) > MESSAGE_LIMIT:  # an enormous title: the summary goes, the article stays
        text = f"<b>New article</b>\n{headline}"
    if private:
        ask = InlineKeyboardButton("Ask about this article", callback_data=focus_data(d.doc_id))
    else:
        ask = InlineKeyboardButton(
            "Ask about this article", url=f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{d.doc_id}"
        )
    buttons = [ask]
    url = safe_url(d.url)
    if url:
        buttons.append(InlineKeyboardButton("Read the article", url=url))
    return text, InlineKeyboardMarkup([buttons])
