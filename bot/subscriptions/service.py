"""What the running bot does for subscribers, without Telegram: announce, summarise, ingest, poll.

Every method blocks (SQLite, the model, HTTP) and is meant for a worker thread; each is safe to call
from several threads at once.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.state.subscriptions import SubscriptionStore
from bot.subscriptions.announcer import Announcement, Announcer
from bot.subscriptions.feeds import FeedPoller, PollResult
from bot.subscriptions.notices import Notice, notice_of
from index.archive import Archive
from index.errors import DossierError
from index.fetch_policy import FetchPolicy
from index.models import AddResult, Article
from index.parsing import load_articles
from index.parsing.loader import iter_folder

logger = logging.getLogger(__name__)

NOTICE_CACHE = 32  # articles whose notice is kept rendered: a broadcast reads one article many times


@dataclass(frozen=True)
class Ingested:
    """One line of an ingestion report: "added", "updated", "unchanged" or "failed", and what."""

    status: str
    what: str


@dataclass(frozen=True)
class Stats:
    articles: int
    subscribers: int
    queued: int
    sent: int
    feeds: int
    last_poll: float | None


class SubscriptionService:
    """Subscriptions and the articles that reach subscribers, from whichever process added them."""

    def __init__(
        self,
        archive: Archive,
        store: SubscriptionStore,
        *,
        channel_id: str | None = None,
        watch_dir: Path | None = None,
        feed_interval: float = 900,
        fetch_policy: FetchPolicy | None = None,
    ):
        self.archive = archive
        self.store = store
        self.channel_id = channel_id
        self.watch_dir = watch_dir
        self.feed_interval = feed_interval
        self.fetch_policy = fetch_policy or FetchPolicy()
        self._lock = threading.Lock()  # announcing and the notice cache
        self._write_lock = threading.Lock()  # one ingestion at a time: /add, the watched folder, feeds
        self._announced_revision: str | None = None
        self._announced_position = 0  # the archive's documents looked at so far (0: none yet)
        self._notices: OrderedDict[str, Notice | None] = OrderedDict()
        self._looked: dict[Path, tuple[int, int]] = {}  # size and mtime at the last look at the folder
        self._watched: dict[Path, tuple[int, int]] = {}  # size and mtime when last ingested

    def close(self) -> None:
        self.store.close()

    # Announcing
    def announce(self) -> list[Announcement]:
        """Queue notices for the articles added since the last look (by any process); cheap if none."""
        with self._lock:
            revision = self.archive.revision
            if revision == self._announced_revision:
                return []
            announcer = Announcer(self.archive, self.store, self.archive.embed_query, self.channel_id)
            announcements, self._announced_position = announcer.run_after(self._announced_position)
            self._announced_revision = revision
            return announcements

    def notice(self, doc_id: str) -> Notice | None:
        """The new-article notice for a stored article, or None once it has been removed."""
        with self._lock:
            if doc_id not in self._notices:
                self._notices[doc_id] = self._read_notice(doc_id)
                while len(self._notices) > NOTICE_CACHE:
                    self._notices.popitem(last=False)
            return self._notices[doc_id]

    def _read_notice(self, doc_id: str) -> Notice | None:
        document = self.archive.find_document(doc_id)
        if document is None:
            return None
        sentences, vectors = self.archive.sentences(doc_id)
        return notice_of(document, sentences, vectors)

    def article_title(self, doc_id: str) -> str | None:
        document = self.archive.find_document(doc_id)
        return document.title if document else None

    # Adding articles while the bot runs
    def ingest(self, items: list[str]) -> list[Ingested]:
        """Add files, folders or URLs to the index; the announcer then finds what is new."""
        report, articles = [], []
        for item in items:
            for origin, result in load_articles(item, self.fetch_policy):
                if isinstance(result, DossierError):
                    report.append(Ingested("failed", str(result)))
                else:
                    articles.append((origin, result))
        if not articles:
            return report
        with self._write_lock:
            try:
                results = self.archive.add(articles)
            except DossierError as error:
                return [*report, Ingested("failed", str(error))]
        return report + [Ingested(r.status, r.error or r.title or r.item) for r in results]

    def watch_folder(self) -> list[Ingested]:
        """Ingest the files in DOSSIER_WATCH_DIR that are new or changed and have settled.

        A file is read once its size and modification time were the same at two looks in a row: one
        still being written (copied, downloaded, saved in parts) would otherwise be added and
        announced half-finished. Links out of the folder and special files are never read
        (index/parsing/files.py).
        """
        folder = self.watch_dir
        if folder is None or not folder.is_dir():
            return []
        looked, settled = {}, []
        for path in iter_folder(folder):
            try:
                info = path.stat()
            except OSError:
                continue  # deleted between listing and reading
            looked[path] = signature = (info.st_size, info.st_mtime_ns)
            if self._looked.get(path) == signature and self._watched.get(path) != signature:
                self._watched[path] = signature
                settled.append(str(path))
        self._looked = looked
        return self.ingest(settled) if settled else []

    def poll_feeds(self) -> list[PollResult]:
        """Poll every feed that is due; a failing feed is recorded and retried later, never raised."""
        return FeedPoller(self.store, self._add_from_feed, self.feed_interval, self.fetch_policy).poll_due()

    def _add_from_feed(self, articles: Sequence[tuple[str, Article]]) -> list[AddResult]:
        with self._write_lock:
            return self.archive.add(articles)

    # Reporting
    def stats(self) -> Stats:
        articles = self.archive.counts()["documents"]
        outbox = self.store.outbox_counts()
        feeds = self.store.feeds()
        polls = [f.last_polled_at for f in feeds if f.last_polled_at]
        return Stats(
            articles=articles,
            subscribers=self.store.subscriber_count(),
            queued=outbox.get("pending", 0),
            sent=outbox.get("sent", 0),
            feeds=len(feeds),
            last_poll=max(polls) if polls else None,
        )
