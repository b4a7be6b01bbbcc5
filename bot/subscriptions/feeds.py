"""Polling RSS and Atom feeds: new entries' pages are fetched, extracted and added to the index.

Due feeds are polled side by side, each within its own deadline: a feed or an entry that is down,
slow or returns garbage is recorded and retried with exponential backoff, and never holds up the
others. Every feed and every entry is fetched through the core's one fetcher (index/fetch.py), under
the operator's fetch policy: an entry linking to an internal address is refused, not broadcast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.subscriptions.store import Feed, SubscriptionStore
from index.fetch import FetchError, FetchPolicy, fetch
from index.models import AddResult, Article
from index.parsing.loader import fetch_url

logger = logging.getLogger(__name__)

MAX_BACKOFF = 24 * 3600.0
MAX_ENTRIES = 50  # per poll: a feed that suddenly lists thousands of items is read in portions
FEED_WORKERS = 4  # feeds polled at once
# A whole poll of one feed, its entries' pages included; entries left over wait for the next poll.
FEED_DEADLINE = 120.0

AddArticles = Callable[[Sequence[tuple[str, Article]]], list[AddResult]]


@dataclass(frozen=True)
class PollResult:
    url: str
    status: str  # "new", "unchanged", "not modified" or "failed: …"
    added: int = 0


def is_feed_type(media_type: str) -> bool:
    """Feeds come as RSS, Atom, any XML, and, from careless servers, as text or nothing at all."""
    return "xml" in media_type or media_type.startswith("text/") or media_type in ("", "application/json")


class FeedPoller:
    def __init__(
        self, store: SubscriptionStore, add: AddArticles, interval: float, policy: FetchPolicy | None = None
    ):
        self.store = store
        self.add = add
        self.interval = interval
        self.policy = policy or FetchPolicy()

    def poll_due(self, now: float | None = None) -> list[PollResult]:
        """Poll every feed whose time has come, several at once."""
        now = time.time() if now is None else now
        due = [feed for feed in self.store.feeds() if feed.next_poll_at <= now]
        if len(due) <= 1:
            return [self.poll(feed) for feed in due]
        with ThreadPoolExecutor(FEED_WORKERS, thread_name_prefix="dossier-feed") as pool:
            return list(pool.map(self.poll, due))

    def poll(self, feed: Feed) -> PollResult:
        try:
            result = self._poll(feed, time.monotonic() + FEED_DEADLINE)
        except Exception as error:
            delay = min(self.interval * 2 ** (feed.failures + 1), MAX_BACKOFF)
            status = f"failed: {_describe(error)}"
            logger.warning("feed %s %s; next try in %.0f s", feed.url, status, delay)
            self.store.record_poll(feed.url, status, failed=True, next_poll_at=time.time() + delay)
            return PollResult(feed.url, status)
        return result

    def _poll(self, feed: Feed, deadline: float) -> PollResult:
        import feedparser

        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        response = fetch(
            feed.url,
            self.policy,
            is_feed_type,
            headers=headers,
            deadline=deadline,
            what="an RSS or Atom feed",
        )
        next_poll = time.time() + self.interval
        if response.status == 304:
            self.store.record_poll(feed.url, "not modified", failed=False, next_poll_at=next_poll)
            return PollResult(feed.url, "not modified")
        parsed = feedparser.parse(response.body, response_headers=dict(response.headers))
        links = [e.get("link") or e.get("id") for e in parsed.entries[:MAX_ENTRIES]]
        # feedparser reads what it can of anything; malformed and linkless means not a feed at all.
        if (parsed.bozo or not parsed.feed) and not any(links):
            raise ValueError("not an RSS or Atom feed")
        new = self.store.new_entries(feed.url, [link for link in links if link])
        added = self._ingest(feed.url, new, deadline)
        self.store.record_poll(
            feed.url,
            "new" if added else "unchanged",
            failed=False,
            next_poll_at=next_poll,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        return PollResult(feed.url, "new" if added else "unchanged", added)

    def _ingest(self, feed_url: str, links: list[str], deadline: float) -> int:
        articles = []
        for done, link in enumerate(links):
            if time.monotonic() >= deadline:
                logger.info(
                    "feed %s: out of time; %d entries wait for the next poll", feed_url, len(links) - done
                )
                break
            try:
                articles.append((link, fetch_url(link, self.policy, deadline)))
            except FetchError as error:
                logger.info("skipping feed entry %s: %s", link, error)
                if error.transient:
                    continue  # a passing failure: try this entry again next time
            except Exception as error:  # an entry that cannot be read is skipped for good
                logger.info("skipping feed entry %s: %s", link, error)
            self.store.mark_entry(feed_url, link)
        if not articles:
            return 0
        results = self.add(articles)
        for link, _ in articles:
            self.store.mark_entry(feed_url, link)
        return sum(r.status in ("added", "updated") for r in results)


def _describe(error: Exception) -> str:
    text = str(error) if isinstance(error, FetchError) else f"{error.__class__.__name__}: {error}"
    return text[:200]
