"""Whatever an article holds, what the bot sends fits Telegram's documented limits and is never dropped.

Telegram refuses a whole message for one field too long (text over 4096 UTF-16 units, a callback
answer over 200 characters): the notice or answer is then lost. So every field is cut to fit, by
construction, and an answer is at most a few messages however long the quoted sentence.
"""

from __future__ import annotations

from datetime import date

from bot.subscriptions.notices import Notice
from bot.telegram import texts
from bot.telegram.notices import render_notice
from bot.telegram.rendering import (
    MAX_ANSWER_MESSAGES,
    MESSAGE_LIMIT,
    answer_keyboard,
    answer_messages,
    safe_url,
    single_message,
    utf16_len,
)
from index.answering.models import Answer, AnswerSentence, Citation
from index.models import DocumentInfo
from tests.fake_telegram import parse_html
from tests.fake_telegram.checks import check_reply_markup

HUGE_TITLE = "Breaking " * 1200  # 10,800 characters
HUGE_SOURCE = "Source " * 720  # 5,040 characters
HUGE_URL = "https://news.example/" + "a" * 5000


def document(title: str = HUGE_TITLE, source: str = HUGE_SOURCE, url: str | None = HUGE_URL) -> DocumentInfo:
    return DocumentInfo("0123456789abcdef", title, date(2021, 4, 30), None, source, url, None, "2021-05-01")


def citation(n: int, title: str = HUGE_TITLE, url: str | None = HUGE_URL) -> Citation:
    return Citation(n, "0123456789abcdef", title, url, date(2021, 4, 30), HUGE_SOURCE, "quote", 7)


def fits(message: str) -> bool:
    """What Telegram checks: the text after entity parsing, in UTF-16 code units."""
    return 0 < utf16_len(parse_html(message).text) <= MESSAGE_LIMIT


def test_an_answer_quoting_a_megabyte_sentence_is_a_few_messages_with_its_sources() -> None:
    sentence = AnswerSentence("Kazakhstan " + "exported grain and " * 200_000 + "oil.", (1, 2))
    answer = Answer("q", (sentence, AnswerSentence("Then more.", (2,))), (citation(1), citation(2)), False)
    messages = answer_messages(answer)
    assert 1 <= len(messages) <= MAX_ANSWER_MESSAGES and all(fits(m) for m in messages)
    last = parse_html(messages[-1]).text
    assert "Sources\n[1] Breaking" in last and "[2] Breaking" in last  # the sources are never the part cut
    assert "…" in parse_html(messages[0]).text
    assert fits(single_message(answer))


def test_an_answer_citing_a_ten_thousand_character_title_keeps_its_sources() -> None:
    answer = Answer("q", (AnswerSentence("Prices rose.", (1,)),), (citation(1),), False)
    [message] = answer_messages(answer)
    assert fits(message) and "[1] Breaking" in parse_html(message).text
    markup = answer_keyboard(answer)
    assert markup is not None
    check_reply_markup(markup.to_dict())
    assert all(
        b.url is None for row in markup.inline_keyboard for b in row
    )  # 5,000-character link: no button


def test_a_notice_whose_article_has_enormous_fields_is_still_sent_with_its_summary() -> None:
    notice = Notice(document(), ("The plant makes 70 MW of power. " * 300, "It opened on Friday."))
    for private in (True, False):
        text, markup = render_notice(notice, "dossier_test_bot", private)
        assert fits(text) and "It opened on Friday." in parse_html(text).text
        check_reply_markup(markup.to_dict())


def test_a_sources_page_of_enormous_titles_fits_one_message() -> None:
    documents = [document() for _ in range(texts.PAGE_SIZE)]
    text, _ = texts.sources_page(documents, 0)
    assert fits(text) and "page 1 of 1" in parse_html(text).text
    assert fits(texts.latest(documents))


def test_only_web_links_of_a_sane_length_become_links() -> None:
    assert safe_url("https://news.example/a?b=1") == "https://news.example/a?b=1"
    assert safe_url("tg://resolve?domain=x") is None and safe_url("javascript:alert(1)") is None
    assert safe_url(HUGE_URL) is None


def test_a_long_list_is_cut_to_one_message_that_says_how_many_more() -> None:
    lines = [f"• feed {i} " + "x" * 300 for i in range(100)]
    text = texts.listing("<b>Feeds</b>", lines)
    assert fits(text) and parse_html(text).text.endswith("more not shown)")
    assert texts.listing("<b>Feeds</b>", lines[:2]) == "<b>Feeds</b>\n" + "\n".join(lines[:2])
