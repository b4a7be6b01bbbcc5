"""The new-article notice as a Telegram message: title, date and source, a cited summary, the link."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import ENGLISH, Translator
from bot.subscriptions.notices import Notice
from bot.telegram.rendering import MESSAGE_LIMIT, article_line, bold, escape, safe_url, shorten, utf16_len

FOCUS_PATTERN = r"^s:[0-9a-f]{8,32}$"  # "Ask about this article" in a chat that can press buttons
DEEP_LINK_PREFIX = "a_"  # t.me/<bot>?start=a_<doc_id>: the same button where callbacks can't work
SENTENCE_LIMIT = 600  # characters of one summary sentence; a notice is a glance, not the article
TITLE_LIMIT = 300


def focus_data(doc_id: str) -> str:
    return f"s:{doc_id}"


def render_notice(
    notice: Notice, bot_username: str, private: bool, sentences: int = 3, tr: Translator = ENGLISH
) -> tuple[str, InlineKeyboardMarkup]:
    """The message and its buttons; channels and groups get a link that opens a private chat instead.

    `sentences`: how long the summary may be (the chat's setting, 1-3); `tr`: the chat's language
    (the summary is quoted in the article's)."""
    d = notice.document
    headline = article_line(shorten(d.title, TITLE_LIMIT), d.url, d.published, d.source, tr)
    summary = " ".join(f"{escape(shorten(s, SENTENCE_LIMIT))} [1]" for s in notice.shortened(sentences))
    title = bold(tr.gettext("New article"))
    text = f"{title}\n{headline}\n\n{summary}\n\n[1] {headline}"
    if utf16_len(text) > MESSAGE_LIMIT:  # an enormous title: the summary goes, the article stays
        text = f"{title}\n{headline}"
    return text, InlineKeyboardMarkup([article_buttons(d.doc_id, d.url, bot_username, private, tr=tr)])


def article_buttons(
    doc_id: str, url: str | None, bot_username: str, private: bool, label: str = "", tr: Translator = ENGLISH
) -> list[InlineKeyboardButton]:
    """ "Ask about this article" (a link that opens a private chat where buttons can't call back) and
    "Read the article"; `label` ("[2] ") tells the articles of a digest apart."""
    ask_label = label + tr.gettext("Ask about this article")
    if private:
        ask = InlineKeyboardButton(ask_label, callback_data=focus_data(doc_id))
    else:
        link = f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{doc_id}"
        ask = InlineKeyboardButton(ask_label, url=link)
    buttons = [ask]
    target = safe_url(url)
    if target:
        buttons.append(InlineKeyboardButton(label + tr.gettext("Read the article"), url=target))
    return buttons
