"""The parts behind digests, settings and exclusions that need no Telegram: what a digest's messages
hold and how they are split, which chats an exclusion keeps an article from, and the time zone setting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from bot.state.chats import ChatStore
from bot.state.subscriptions import open_subscription_store
from bot.subscriptions.announcer import Announcer
from bot.subscriptions.notices import Notice
from bot.telegram.digests import MAX_ARTICLES, PER_MESSAGE, render_digest
from index.archive import Archive
from index.models import DocumentInfo
from tests.fake_telegram.checks import check_length, check_reply_markup, render_text


def notice(n: int, title: str = "Title", sentence: str = "Something happened.") -> Notice:
    document = DocumentInfo(
        f"{n:016x}",
        f"{title} {n}",
        date(2026, 5, 1),
        None,
        "The Source",
        f"https://news.example/{n}",
        None,
        "",
    )
    return Notice(document, (sentence, "Second sentence.", "Third."), (1, 0, 2))


def test_a_digest_of_enormous_articles_is_split_into_messages_telegram_accepts() -> None:
    notices = [notice(n, "T" * 5000, "S " * 3000) for n in range(MAX_ARTICLES)]
    messages = render_digest("Daily digest", notices, more=7, bot_username="dossier_test_bot", private=True)
    assert len(messages) > 1
    for message in messages:
        check_length(render_text({"text": message.text, "parse_mode": "HTML"}))
        if message.markup is not None:
            check_reply_markup(message.markup.to_dict())
            assert len(message.markup.inline_keyboard) <= PER_MESSAGE
    listed = " ".join(m.text for m in messages)
    assert f"[{MAX_ARTICLES}] " in listed and "57 new articles" in messages[0].text
    assert messages[-1].text.endswith("… and 7 older articles: /latest lists the newest.")


def test_each_digest_entry_has_its_most_central_sentence_cited_and_its_buttons() -> None:
    [message] = render_digest("Weekly digest", [notice(1), notice(2)], 0, "dossier_test_bot", private=False)
    assert message.text.startswith("<b>Weekly digest</b> · 2 new articles")
    assert "Second sentence. [1]" in message.text and "Something happened." not in message.text
    assert message.markup is not None
    [ask, read] = message.markup.inline_keyboard[1]
    assert (
        ask.text == "[2] Ask about this article"
        and ask.url == f"https://t.me/dossier_test_bot?start=a_{2:016x}"
    )
    assert read.url == "https://news.example/2"
    assert render_digest("Daily digest", [], 0, "bot", True) == []


def test_an_excluded_topic_keeps_its_articles_from_the_chat_whatever_it_subscribes_to(
    seed_archive: Archive, tmp_path: Path
) -> None:
    store = open_subscription_store(tmp_path / "bot.sqlite3")
    for chat in (20, 21, 22):
        store.subscribe(chat)
    chats = ChatStore(store.database)
    chats.exclude(20, "geological exploration")  # by words and meaning: the Kazan article
    chats.exclude(22, "football")  # matches neither article
    announcer = Announcer(seed_archive, store, seed_archive.embed_query)
    by_title = {d.title[:20]: d for d in seed_archive.documents()}
    assert set(announcer.recipients(by_title["Kazakhstan and Russi"])) == {21, 22}
    assert set(announcer.recipients(by_title["Prime Minister Askar"])) == {20, 21, 22}


def test_the_shortened_notice_keeps_the_most_central_sentences_in_reading_order() -> None:
    n = notice(1)
    assert n.shortened(1) == ("Second sentence.",)
    assert n.shortened(2) == ("Something happened.", "Second sentence.")
    assert n.shortened(3) == n.summary
    assert Notice(n.document, ("a", "b")).shortened(1) == ("a",)


def test_the_default_time_zone_must_be_one_that_exists() -> None:
    assert Settings(timezone="europe/berlin").timezone == "Europe/Berlin"
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        Settings(timezone="Mars/Olympus")
