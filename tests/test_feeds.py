"""Feeds polled over real HTTP on loopback: new entries are indexed, unchanged feeds add nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.subscriptions.announcer import Announcer
from bot.subscriptions.feeds import FeedPoller
from bot.subscriptions.store import SubscriptionStore
from index.archive import Archive
from index.config import IndexSettings
from index.fetch import FetchPolicy
from tests.support.archive import FakeEmbedder, seed_articles
from tests.support.hostile_site import HostileSite, page
from tests.support.news_site import NewsSite

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
LOOPBACK = FetchPolicy.allowing("127.0.0.1")  # the news site is on loopback, refused unless allowed


@pytest.fixture
def site() -> Iterator[NewsSite]:
    news = NewsSite()
    yield news
    news.stop()


@pytest.fixture
def setup(tmp_path: Path, fake_embedder: FakeEmbedder) -> tuple[Archive, SubscriptionStore]:
    archive = Archive.for_build(IndexSettings(data_dir=tmp_path / "data", model=MODEL), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    return archive, SubscriptionStore(tmp_path / "bot.sqlite3")


def test_new_feed_entries_are_indexed_and_announced_once(site: NewsSite, setup) -> None:  # type: ignore[no-untyped-def]
    archive, store = setup
    Announcer(archive, store, archive.embed_query).run()  # baseline: the seeds
    store.subscribe(7)
    store.add_feed(f"{site.base}/rss")
    poller = FeedPoller(store, archive.add, interval=60, policy=LOOPBACK)
    site.articles["/grain"] = (
        "Grain exports rise",
        "Kazakhstan exported 9.1 million tonnes of grain this season.",
    )
    [result] = poller.poll_due()
    assert (result.status, result.added) == ("new", 1)
    assert any("9.1 million tonnes" in h.text for h in archive.search("grain exports", 3))
    assert len(Announcer(archive, store, archive.embed_query).run()) == 1 and len(store.due()) == 1
    # The same feed again, not modified: nothing fetched, nothing new.
    again = poller.poll(store.feeds()[0])
    assert again.status == "not modified" and len(store.due()) == 1
    assert site.requests.count("/grain") == 1


def test_broken_or_down_feed_backs_off_without_affecting_a_good_one(site: NewsSite, setup) -> None:  # type: ignore[no-untyped-def]
    archive, store = setup
    for path in ("/broken", "/rss"):
        store.add_feed(f"{site.base}{path}")
    store.add_feed("http://127.0.0.1:9/down")
    site.articles["/rail"] = (
        "Rail link opens",
        "The new rail link carries 20 freight trains a day to China.",
    )
    results = {
        r.url.rsplit("/", 1)[1]: r
        for r in FeedPoller(store, archive.add, interval=60, policy=LOOPBACK).poll_due()
    }
    assert results["rss"].added == 1
    assert results["broken"].status.startswith("failed") and results["down"].status.startswith("failed")
    feeds = {f.url.rsplit("/", 1)[1]: f for f in store.feeds()}
    assert feeds["broken"].failures == 1 and feeds["rss"].failures == 0
    assert feeds["broken"].next_poll_at > feeds["rss"].next_poll_at  # backed off: 2 x the interval


def rss(*links: str) -> bytes:
    items = "".join(f"<item><title>Item</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()


def test_slow_feeds_and_entries_are_cut_at_their_deadlines_and_polled_side_by_side(
    setup,  # type: ignore[no-untyped-def]
) -> None:
    archive, store = setup
    hostile = HostileSite()
    try:
        hostile.trickle("/slow-feed", every=0.2)
        hostile.trickle("/slow-page", every=0.2)
        hostile.serve("/slow-entries", rss(f"{hostile.base}/slow-page"), "application/rss+xml")
        good = "The new rail link carries 20 freight trains a day to China, the operator said."
        hostile.serve("/good-page", page("Rail link opens", good).encode())
        hostile.serve("/good", rss(f"{hostile.base}/good-page"), "application/rss+xml")
        for path in ("/slow-feed", "/slow-entries", "/good"):
            store.add_feed(f"{hostile.base}{path}")
        policy = FetchPolicy.allowing("127.0.0.1", deadline=1.5)
        started = time.monotonic()
        results = {r.url.rsplit("/", 1)[1]: r for r in FeedPoller(store, archive.add, 60, policy).poll_due()}
        elapsed = time.monotonic() - started
    finally:
        hostile.stop()
    assert results["good"].added == 1 and any(
        "20 freight trains" in h.text for h in archive.search("rail", 3)
    )
    assert (
        results["slow-feed"].status.startswith("failed")
        and "did not answer within 1.5 s" in results["slow-feed"].status
    )
    assert results["slow-entries"].status == "unchanged"  # the entry timed out: it is tried again next time
    assert store.new_entries(f"{hostile.base}/slow-entries", [f"{hostile.base}/slow-page"])
    assert elapsed < 2.9  # side by side: one after the other they take 3 s and more


def test_a_feed_entry_linking_to_an_internal_address_is_refused_for_good(setup) -> None:  # type: ignore[no-untyped-def]
    archive, store = setup
    hostile = HostileSite()
    metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    try:
        good = "The new rail link carries 20 freight trains a day to China, the operator said."
        hostile.serve("/page", page("Rail link opens", good).encode())
        hostile.serve("/feed", rss(metadata, f"{hostile.base}/page"), "application/rss+xml")
        store.add_feed(f"{hostile.base}/feed")
        [result] = FeedPoller(store, archive.add, 60, FetchPolicy.allowing("127.0.0.1")).poll_due()
    finally:
        hostile.stop()
    assert result.added == 1  # the page beside it is added
    assert store.new_entries(f"{hostile.base}/feed", [metadata]) == []  # refused once, never retried


def test_a_feed_on_an_internal_address_is_refused_by_default(site: NewsSite, setup) -> None:  # type: ignore[no-untyped-def]
    archive, store = setup
    store.add_feed(f"{site.base}/rss")
    [result] = FeedPoller(store, archive.add, interval=60).poll_due()
    assert result.status.startswith("failed") and "loopback address" in result.status
    assert site.requests == []
