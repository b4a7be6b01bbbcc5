"""Subscriptions, announcing each article once, the durable outbox, and topic matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.subscriptions.announcer import Announcer, article_key
from bot.subscriptions.notices import summarise
from bot.subscriptions.store import ALL_TOPICS, SubscriptionStore
from index.archive import Archive
from index.config import IndexSettings
from index.models import Article
from tests.support.archive import FakeEmbedder, seed_articles

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture
def store(tmp_path: Path) -> SubscriptionStore:
    return SubscriptionStore(tmp_path / "bot.sqlite3")


@pytest.fixture
def archive(tmp_path: Path, fake_embedder: FakeEmbedder) -> Archive:
    archive = Archive.for_build(IndexSettings(data_dir=tmp_path / "data", model=MODEL), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    return archive


def water(version: str = "14") -> Article:
    return Article(
        title="Water summit in Astana",
        paragraphs=(f"Ministers agreed to build {version} monitoring stations on the Syr Darya.",),
        url="https://news.example/water",
    )


def test_subscriptions_survive_reopening(tmp_path: Path, store: SubscriptionStore) -> None:
    assert store.subscribe(1) and not store.subscribe(1)
    store.subscribe(1, "  Space   Programme ")
    store.close()
    again = SubscriptionStore(tmp_path / "bot.sqlite3")
    assert again.topics(1) == [ALL_TOPICS, "space programme"]
    assert again.unsubscribe(1, "space programme") == 1 and again.topics(1) == [ALL_TOPICS]
    assert again.unsubscribe(1) == 1 and again.topics(1) == []


def test_articles_present_at_start_are_not_announced(archive: Archive, store: SubscriptionStore) -> None:
    store.subscribe(1)
    announcer = Announcer(archive, store, archive.embed_query)
    assert announcer.run() == [] and store.due() == []
    assert announcer.run() == []


def test_new_article_is_queued_once_for_each_subscriber_even_when_updated(
    archive: Archive, store: SubscriptionStore
) -> None:
    announcer = Announcer(archive, store, archive.embed_query)
    announcer.run()
    store.subscribe(1)
    store.subscribe(2)
    store.subscribe(2, "water")
    archive.add([("w", water())])
    [announcement] = announcer.run()
    assert announcement.queued == 2
    assert sorted(item.chat_id for item in store.due()) == [1, 2]
    archive.add([("w2", water("15"))])  # an updated version of the same article
    assert announcer.run() == [] and len(store.due()) == 2


def test_outbox_resumes_pending_items_and_forgets_gone_chats(
    archive: Archive, store: SubscriptionStore
) -> None:
    announcer = Announcer(archive, store, archive.embed_query)
    announcer.run()
    for chat in (1, 2, 3):
        store.subscribe(chat)
    archive.add([("w", water())])
    announcer.run()
    first, second, third = store.due()
    store.mark_sent(first.id)
    store.retry_later(second.id, delay=60, error="timed out")
    store.forget_chat(third.chat_id)
    assert store.due() == []
    assert [i.chat_id for i in store.due(now=10**12)] == [second.chat_id]
    assert store.outbox_counts() == {"sent": 1, "pending": 1, "dropped": 1}
    assert store.topics(third.chat_id) == []


def test_topic_subscriptions_match_by_meaning_and_words(seed_archive: Archive, tmp_path: Path) -> None:
    store = SubscriptionStore(tmp_path / "bot.sqlite3")
    store.subscribe(10, "customs")
    store.subscribe(11, "space programme")
    store.subscribe(12, "football")
    store.subscribe(13, "geological exploration")
    announcer = Announcer(seed_archive, store, seed_archive.embed_query)
    by_title = {d.title[:20]: d for d in seed_archive.documents()}
    minsk = announcer.recipients(by_title["Prime Minister Askar"])
    kazan = announcer.recipients(by_title["Kazakhstan and Russi"])
    assert set(minsk) == {10, 11}
    assert set(kazan) == {11, 13}


def test_summary_is_two_or_three_sentences_of_the_article(seed_archive: Archive) -> None:
    for document in seed_archive.documents():
        sentences, vectors = seed_archive.sentences(document.doc_id)
        summary = summarise(sentences, vectors)
        text = seed_archive.document_text(document.doc_id)
        assert 2 <= len(summary) <= 3 and all(s in text for s in summary)


def test_article_key_prefers_the_url(archive: Archive) -> None:
    for document in archive.documents():
        assert article_key(document) == document.url


def test_a_watched_file_is_added_and_announced_only_once_it_is_complete(
    archive: Archive, store: SubscriptionStore, tmp_path: Path
) -> None:
    from bot.subscriptions.service import SubscriptionService

    watched = tmp_path / "watched"
    watched.mkdir()
    service = SubscriptionService(archive, store, watch_dir=watched)
    service.announce()  # the baseline
    store.subscribe(1)
    path = watched / "water.txt"
    path.write_text("Water summit in Astana\n\nMinisters agreed to build")  # the first half
    assert service.watch_folder() == []
    with path.open("a") as handle:
        handle.write(" 14 monitoring stations on the Syr Darya.\n")
    assert service.watch_folder() == []  # changed since the last look: still being written
    assert [i.status for i in service.watch_folder()] == ["added"]
    [announcement] = service.announce()
    assert "14 monitoring stations" in archive.document_text(announcement.document.doc_id)
    assert service.watch_folder() == [] and service.announce() == []
