"""Polling RSS and Atom feeds: new entries' pages are fetched, extracted and added to the index.

Each feed is polled on its own schedule; one that is down, slow or returns garbage is recorded and
retried with exponential backoff, and never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from bot.state.feeds import Feed
from bot.state.subscriptions import SubscriptionStore
from index.errors import UnsupportedDocument
from index.models import AddResult, Article
from index.parsing.loader import FETCH_TIMEOUT, fetch_url

logger = logging.getLogger(__name__)

MAX_BACKOFF = 24 * 3600.0
MAX_ENTRIES = 50  # per poll: a feed that suddenly lists thousands of items is read in portions

AddArticles = Callable[[Sequence[tuple[str, Article]]], list[AddResult]]


@dataclass(frozen=True)
class PollResult:
    url: str
    status: str  # "new", "unchanged", "not modified" or "failed: …"
    added: int = 0


class FeedPoller:
    def __init__(self, store: SubscriptionStore, add: AddArticles, interval: float):
        self.store = store
        self.add = add
        self.interval = interval

    def poll_due(self, now: float | None = None) -> list[PollResult]:
        """Poll every feed whose time has come."""
        now = time.time() if now is None else now
        return [self.poll(feed) for feed in self.store.feeds() if feed.next_poll_at <= now]

    def poll(self, feed: Feed) -> PollResult:
        try:
            result = self._poll(feed)
        except Exception as error:
            delay = min(self.interval * 2 ** (feed.failures + 1), MAX_BACKOFF)
            status = f"failed: {_describe(error)}"
            logger.warning("feed %s %s; next try in %.0f s", feed.url, status, delay)
            self.store.record_poll(feed.url, status, failed=True, next_poll_at=time.time() + delay)
            return PollResult(feed.url, status)
        return result

    def _poll(self, feed: Feed) -> PollResult:
        import feedparser

        headers = {"User-Agent": "Dossier/0.1 (feed reader)"}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        response = httpx.get(feed.url, headers=headers, timeout=FETCH_TIMEOUT, follow_redirects=True)
        next_poll = time.time() + self.interval
        if response.status_code == 304:
            self.store.record_poll(feed.url, "not modified", failed=False, next_poll_at=next_poll)
            return PollResult(feed.url, "not modified")
        response.raise_for_status()
        parsed = feedparser.parse(response.content)
        links = [e.get("link") or e.get("id") for e in parsed.entries[:MAX_ENTRIES]]
        # feedparser reads what it can of anything; malformed and linkless means not a feed at all.
        if (parsed.bozo or not parsed.feed) and not any(links):
            raise ValueError("not an RSS or Atom feed")
        new = self.store.new_entries(feed.url, [link for link in links if link])
        added = self._ingest(feed.url, new)
        self.store.record_poll(
            feed.url,
            "new" if added else "unchanged",
            failed=False,
            next_poll_at=next_poll,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        return PollResult(feed.url, "new" if added else "unchanged", added)

    def _ingest(self, feed_url: str, links: list[str]) -> int:
        articles = []
        for link in links:
            try:
                articles.append((link, fetch_url(link)))
            except UnsupportedDocument as error:
                logger.info("skipping feed entry %s: %s", link, error)
                if "cannot fetch" in str(error):
                    continue  # a passing failure: try this entry again next time
            self.store.mark_entry(feed_url, link)
        if not articles:
            return 0
        results = self.add(articles)
        for link, _ in articles:
            self.store.mark_entry(feed_url, link)
        return sum(r.status in ("added", "updated") for r in results)


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    return f"{error.__class__.__name__}: {error}"[:200]
