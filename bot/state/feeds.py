"""The feeds the bot polls, their conditional-GET state and the entries already seen."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from bot.state.common import insert_ignoring, insert_new
from bot.state.database import Database
from bot.state.schema import feed_entries, feeds


@dataclass(frozen=True)
class Feed:
    url: str
    etag: str | None
    last_modified: str | None
    last_polled_at: float | None
    last_status: str | None
    failures: int
    next_poll_at: float


class FeedStore:
    """Feeds and their entries; each method is one transaction."""

    database: Database

    def add_feed(self, url: str) -> bool:
        with self.database.transaction() as db:
            return insert_new(db, self.database, feeds, {"url": url})

    def add_feeds(self, urls: list[str]) -> int:
        """Add several feeds in one transaction (all or none); returns how many were new."""
        with self.database.transaction() as db:
            return sum(insert_new(db, self.database, feeds, {"url": url}) for url in urls)

    def remove_feed(self, url: str) -> bool:
        with self.database.transaction() as db:
            db.execute(delete(feed_entries).where(feed_entries.c.feed_url == url))
            return db.execute(delete(feeds).where(feeds.c.url == url)).rowcount > 0

    def feeds(self) -> list[Feed]:
        with self.database.read() as db:
            rows = db.execute(select(feeds).order_by(feeds.c.url)).all()
        return [Feed(*row) for row in rows]

    def record_poll(
        self,
        url: str,
        status: str,
        failed: bool,
        next_poll_at: float,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        values: dict[str, object] = {
            "last_polled_at": time.time(),
            "last_status": status,
            "next_poll_at": next_poll_at,
            "failures": feeds.c.failures + 1 if failed else 0,
        }
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        with self.database.transaction() as db:
            db.execute(update(feeds).where(feeds.c.url == url).values(**values))

    def new_entries(self, feed_url: str, keys: Iterable[str]) -> list[str]:
        with self.database.read() as db:
            seen = set(
                db.execute(
                    select(feed_entries.c.entry_key).where(feed_entries.c.feed_url == feed_url)
                ).scalars()
            )
        return [k for k in dict.fromkeys(keys) if k not in seen]

    def mark_entry(self, feed_url: str, key: str) -> None:
        with self.database.transaction() as db:
            db.execute(
                insert_ignoring(self.database, feed_entries).values(
                    feed_url=feed_url, entry_key=key, seen_at=time.time()
                )
            )
