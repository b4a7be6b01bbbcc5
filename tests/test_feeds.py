"""Feeds polled over real HTTP on loopback: new entries are indexed, unchanged feeds add nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.subscriptions.announcer import Announcer
from bot.subscriptions.feeds import FeedPoller
from bot.subscriptions.store import SubscriptionStore
from index.archive import Archive, IndexSettings
from tests.conftest import FakeEmbedder, seed_articles

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class NewsSite:
    """A loopback site with an RSS feed (honouring ETag), its article pages and a broken feed."""

    def __init__(self) -> None:
        self.articles: dict[str, tuple[str, str]] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path == "/rss":
                    etag = f'"{len(site.articles)}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.reply(200, "application/rss+xml", site.rss(), {"ETag": etag})
                elif self.path == "/broken":
                    self.reply(200, "application/rss+xml", b"<rss><channel><item>\x00garbage")
                elif self.path in site.articles:
                    title, body = site.articles[self.path]
                    page = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                    page += "".join(f"<p>{p}</p>" for p in body.split("\n")) + "</article></body></html>"
                    self.reply(200, "text/html; charset=utf-8", page.encode())
                else:
                    self.reply(404, "text/plain", b"not found")

            def reply(
                self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><link>{self.base}{path}</link></item>"
            for path, (title, _) in self.articles.items()
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()


@pytest.fixture
def site() -> Iterator[NewsSite]:
    news = NewsSite()
    yield news
    news.server.shutdown()


@pytest.fixture
def setup(tmp_path: Path, fake_embedder: FakeEmbedder) -> tuple[Archive, SubscriptionStore]:
    archive = Archive.for_build(IndexSettings(data_dir=tmp_path / "data", model=MODEL), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    return archive, SubscriptionStore(tmp_path / "bot.sqlite3")


def test_new_feed_entries_are_indexed_and_announced_once(site: NewsSite, setup) -> None:  # type: ignore[no-untyped-def]
    archive, store = setup
    Announcer(archive, store).run()  # baseline: the seeds
    store.subscribe(7)
    store.add_feed(f"{site.base}/rss")
    poller = FeedPoller(store, archive.add, interval=60)
    site.articles["/grain"] = (
        "Grain exports rise",
        "Kazakhstan exported 9.1 million tonnes of grain this season.",
    )
    [result] = poller.poll_due()
    assert (result.status, result.added) == ("new", 1)
    assert any("9.1 million tonnes" in h.text for h in archive.search("grain exports", 3))
    assert len(Announcer(archive, store).run()) == 1 and len(store.due()) == 1
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
    results = {r.url.rsplit("/", 1)[1]: r for r in FeedPoller(store, archive.add, interval=60).poll_due()}
    assert results["rss"].added == 1
    assert results["broken"].status.startswith("failed") and results["down"].status.startswith("failed")
    feeds = {f.url.rsplit("/", 1)[1]: f for f in store.feeds()}
    assert feeds["broken"].failures == 1 and feeds["rss"].failures == 0
    assert feeds["broken"].next_poll_at > feeds["rss"].next_poll_at  # backed off: 2 x the interval
