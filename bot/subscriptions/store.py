"""The bot's own SQLite database: subscriptions, announced articles, the outbox and the feeds.

The outbox makes delivery durable: a notice is a row before it is a message, every (chat, article)
pair can be queued only once, and a restart resumes from the rows still pending.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.subscriptions.database import SCHEMA, database_errors

ALL_TOPICS = ""  # the topic of a subscription to every new article


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    topic: str  # ALL_TOPICS for every article
    chat_type: str


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int | str  # a channel may be named by "@username"
    doc_id: str
    attempts: int


@dataclass(frozen=True)
class Feed:
    url: str
    etag: str | None
    last_modified: str | None
    last_polled_at: float | None
    last_status: str | None
    failures: int
    next_poll_at: float


class SubscriptionStore:
    """Thread-safe access to bot.sqlite3; each method is one transaction."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with database_errors(path):
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, database_errors(self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    # Subscriptions
    def subscribe(self, chat_id: int, topic: str = ALL_TOPICS, chat_type: str = "private") -> bool:
        """True when this is a new subscription."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO subscriptions(chat_id, topic, chat_type, created_at) VALUES (?, ?, ?, ?)",
                (chat_id, normalise_topic(topic), chat_type, time.time()),
            )
            return cursor.rowcount > 0

    def unsubscribe(self, chat_id: int, topic: str | None = None) -> int:
        """Remove one topic (ALL_TOPICS for the all-articles subscription) or, with None, everything."""
        with self._transaction() as db:
            if topic is None:
                return db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)).rowcount
            return db.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND topic = ?", (chat_id, normalise_topic(topic))
            ).rowcount

    def forget_chat(self, chat_id: int | str) -> None:
        """A chat that blocked the bot or no longer exists: no subscriptions, nothing queued."""
        with self._transaction() as db:
            db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
            db.execute(
                "UPDATE outbox SET status = 'dropped', error = 'chat gone' WHERE chat_id = ? AND status = 'pending'",
                (chat_id,),
            )

    def migrate_chat(self, old: int, new: int) -> None:
        """A group became a supergroup with a new id: its subscriptions and queued notices move along."""
        with self._transaction() as db:
            db.execute("UPDATE OR IGNORE subscriptions SET chat_id = ? WHERE chat_id = ?", (new, old))
            db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (old,))
            db.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ? WHERE chat_id = ? AND status = 'pending'", (new, old)
            )
            db.execute(  # queued for both ids: the new one's copy goes
                "UPDATE outbox SET status = 'dropped', error = 'chat migrated' WHERE chat_id = ? AND status = 'pending'",
                (old,),
            )

    def topics(self, chat_id: int) -> list[str]:
        rows = self._read("SELECT topic FROM subscriptions WHERE chat_id = ? ORDER BY topic", (chat_id,))
        return [r[0] for r in rows]

    def subscriber_count(self) -> int:
        return int(self._read("SELECT COUNT(DISTINCT chat_id) FROM subscriptions")[0][0])

    def subscriptions(self) -> list[Subscription]:
        rows = self._read("SELECT chat_id, topic, chat_type FROM subscriptions ORDER BY chat_id, topic")
        return [Subscription(*r) for r in rows]

    # Announcements and the outbox
    def is_initialised(self) -> bool:
        return bool(self._read("SELECT 1 FROM state WHERE key = 'baseline'"))

    def set_baseline(self, articles: Iterable[tuple[str, str]]) -> None:
        """Record the articles present when announcing starts, so they are never announced."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO announced(article_key, doc_id, announced_at) VALUES (?, ?, ?)",
                [(key, doc_id, now) for key, doc_id in articles],
            )
            db.execute("INSERT OR REPLACE INTO state(key, value) VALUES ('baseline', ?)", (str(now),))

    def unannounced(self, articles: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (article_key, doc_id) pairs never announced before, in the order given."""
        articles = list(articles)
        keys = [key for key, _ in articles]
        known: set[str] = set()
        for at in range(0, len(keys), 500):  # only these keys: the table grows with the archive
            batch = tuple(keys[at : at + 500])
            marks = ",".join("?" * len(batch))
            known.update(
                r[0]
                for r in self._read(
                    f"SELECT article_key FROM announced WHERE article_key IN ({marks})", batch
                )
            )
        return [(key, doc_id) for key, doc_id in articles if key not in known]

    def announce(self, article_key: str, doc_id: str, chat_ids: Iterable[int | str]) -> int:
        """Mark an article announced and queue its notice for these chats, all in one transaction."""
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO announced(article_key, doc_id, announced_at) VALUES (?, ?, ?)",
                (article_key, doc_id, now),
            )
            if cursor.rowcount == 0:
                return 0  # announced already, perhaps by another process
            queued = db.executemany(
                "INSERT OR IGNORE INTO outbox(chat_id, doc_id, article_key, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(chat_id, doc_id, article_key, now, now) for chat_id in dict.fromkeys(chat_ids)],
            )
            return queued.rowcount

    def due(self, limit: int = 100, now: float | None = None) -> list[OutboxItem]:
        """Pending notices whose time has come, oldest first."""
        rows = self._read(
            "SELECT id, chat_id, doc_id, attempts FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
            " ORDER BY id LIMIT ?",
            (time.time() if now is None else now, limit),
        )
        return [OutboxItem(*r) for r in rows]

    def next_due_at(self) -> float | None:
        rows = self._read("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
        return rows[0][0] if rows and rows[0][0] is not None else None

    def mark_sent(self, item_id: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?", (time.time(), item_id))

    def retry_later(self, item_id: int, delay: float, error: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, error = ? WHERE id = ?",
                (time.time() + delay, error, item_id),
            )

    def drop(self, item_id: int, error: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE outbox SET status = 'dropped', error = ? WHERE id = ?", (error, item_id))

    def outbox_counts(self) -> dict[str, int]:
        return {
            status: count
            for status, count in self._read("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        }

    # Feeds
    def add_feed(self, url: str) -> bool:
        with self._transaction() as db:
            return db.execute("INSERT OR IGNORE INTO feeds(url) VALUES (?)", (url,)).rowcount > 0

    def remove_feed(self, url: str) -> bool:
        with self._transaction() as db:
            db.execute("DELETE FROM feed_entries WHERE feed_url = ?", (url,))
            return db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount > 0

    def feeds(self) -> list[Feed]:
        rows = self._read(
            "SELECT url, etag, last_modified, last_polled_at, last_status, failures, next_poll_at FROM feeds ORDER BY url"
        )
        return [Feed(*r) for r in rows]

    def record_poll(
        self,
        url: str,
        status: str,
        failed: bool,
        next_poll_at: float,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE feeds SET last_polled_at = ?, last_status = ?, next_poll_at = ?,"
                " failures = CASE WHEN ? THEN failures + 1 ELSE 0 END,"
                " etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified) WHERE url = ?",
                (time.time(), status, next_poll_at, failed, etag, last_modified, url),
            )

    def new_entries(self, feed_url: str, keys: Iterable[str]) -> list[str]:
        seen = {
            r[0] for r in self._read("SELECT entry_key FROM feed_entries WHERE feed_url = ?", (feed_url,))
        }
        return [k for k in dict.fromkeys(keys) if k not in seen]

    def mark_entry(self, feed_url: str, key: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO feed_entries(feed_url, entry_key, seen_at) VALUES (?, ?, ?)",
                (feed_url, key, time.time()),
            )

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:  # type: ignore[type-arg]
        with self._lock, database_errors(self.path):
            return self._db.execute(sql, params).fetchall()


def normalise_topic(topic: str | None) -> str:
    return " ".join((topic or "").split()).casefold()
