"""Subscriptions, announced articles and the outbox: which chats hear of which articles, durably.

The outbox makes delivery durable: a notice is a row before it is a message, every (chat, article)
pair can be queued only once, and a restart (or another replica) resumes from the rows still pending.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased

from bot.state.chats import ChatStore, digest_chats, forget_chat_rows, move_chat_rows
from bot.state.common import chat_id_of, chat_key, insert_ignoring, insert_new
from bot.state.database import Database, open_database, sqlite_url
from bot.state.feeds import FeedStore
from bot.state.schema import announced, digest_items, outbox, state, subscriptions

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
    kind: str = "notice"  # or "digest", whose messages are in `body`
    body: str | None = None
    parts_sent: int = 0  # messages of a digest Telegram has accepted already


def normalise_topic(topic: str | None) -> str:
    return " ".join((topic or "").split()).casefold()


class SubscriptionStore(FeedStore):
    """Subscriptions, announcements, the outbox and the feeds; each method is one transaction."""

    def __init__(self, database: Database):
        self.database = database

    def close(self) -> None:
        self.database.close()

    # Subscriptions
    def subscribe(self, chat_id: int, topic: str = ALL_TOPICS, chat_type: str = "private") -> bool:
        """True when this is a new subscription."""
        row = {
            "chat_id": chat_id,
            "topic": normalise_topic(topic),
            "chat_type": chat_type,
            "created_at": time.time(),
        }
        with self.database.transaction() as db:
            return insert_new(db, self.database, subscriptions, row)

    def unsubscribe(self, chat_id: int, topic: str | None = None) -> int:
        """Remove one topic (ALL_TOPICS for the all-articles subscription) or, with None, everything."""
        condition = subscriptions.c.chat_id == chat_id
        if topic is not None:
            condition = and_(condition, subscriptions.c.topic == normalise_topic(topic))
        with self.database.transaction() as db:
            return db.execute(delete(subscriptions).where(condition)).rowcount

    def forget_chat(self, chat_id: int | str) -> None:
        """A chat that blocked the bot or no longer exists: no subscriptions, nothing queued."""
        with self.database.transaction() as db:
            if isinstance(chat_id_of(chat_id), int):
                db.execute(delete(subscriptions).where(subscriptions.c.chat_id == int(chat_id)))
                forget_chat_rows(db, int(chat_id))
            db.execute(
                update(outbox)
                .where(outbox.c.chat_id == chat_key(chat_id), outbox.c.status == "pending")
                .values(status="dropped", error="chat gone")
            )

    def migrate_chat(self, old: int, new: int) -> None:
        """A group became a supergroup with a new id: its subscriptions and queued notices move along."""
        other = aliased(outbox)
        with self.database.transaction() as db:
            moved = select(
                subscriptions.c.topic, subscriptions.c.chat_type, subscriptions.c.created_at
            ).where(subscriptions.c.chat_id == old)
            for topic, chat_type, created_at in db.execute(moved).all():
                row = {"chat_id": new, "topic": topic, "chat_type": chat_type, "created_at": created_at}
                db.execute(insert_ignoring(self.database, subscriptions).values(**row))
            db.execute(delete(subscriptions).where(subscriptions.c.chat_id == old))
            move_chat_rows(db, old, new)
            already = exists().where(
                other.c.chat_id == chat_key(new), other.c.article_key == outbox.c.article_key
            )
            db.execute(
                update(outbox)
                .where(outbox.c.chat_id == chat_key(old), outbox.c.status == "pending", ~already)
                .values(chat_id=chat_key(new))
            )
            db.execute(  # queued for both ids: the new one's copy goes
                update(outbox)
                .where(outbox.c.chat_id == chat_key(old), outbox.c.status == "pending")
                .values(status="dropped", error="chat migrated")
            )

    def topics(self, chat_id: int) -> list[str]:
        query = (
            select(subscriptions.c.topic)
            .where(subscriptions.c.chat_id == chat_id)
            .order_by(subscriptions.c.topic)
        )
        with self.database.read() as db:
            return list(db.execute(query).scalars())

    def excluded_topics(self) -> dict[int, list[str]]:
        """Every chat's excluded topics (/exclude), read once per announcement."""
        return ChatStore(self.database).all_excluded()

    def subscriber_count(self) -> int:
        with self.database.read() as db:
            return int(db.execute(select(func.count(func.distinct(subscriptions.c.chat_id)))).scalar_one())

    def subscriptions(self) -> list[Subscription]:
        query = select(subscriptions.c.chat_id, subscriptions.c.topic, subscriptions.c.chat_type).order_by(
            subscriptions.c.chat_id, subscriptions.c.topic
        )
        with self.database.read() as db:
            return [Subscription(*row) for row in db.execute(query).all()]

    # Announcements
    def is_initialised(self) -> bool:
        with self.database.read() as db:
            return db.execute(select(state.c.key).where(state.c.key == "baseline")).first() is not None

    def set_baseline(self, articles: Iterable[tuple[str, str]]) -> None:
        """Record the articles present when announcing starts, so they are never announced."""
        now = time.time()
        rows = [{"article_key": key, "doc_id": doc_id, "announced_at": now} for key, doc_id in articles]
        with self.database.transaction() as db:
            if rows:
                db.execute(insert_ignoring(self.database, announced), rows)
            db.execute(insert_ignoring(self.database, state).values(key="baseline", value=str(now)))

    def unannounced(self, articles: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (article_key, doc_id) pairs never announced before, in the order given."""
        articles = list(articles)
        keys = [key for key, _ in articles]
        known: set[str] = set()
        with self.database.read() as db:
            for at in range(0, len(keys), 500):  # only these keys: the table grows with the archive
                batch = keys[at : at + 500]
                query = select(announced.c.article_key).where(announced.c.article_key.in_(batch))
                known.update(db.execute(query).scalars())
        return [(key, doc_id) for key, doc_id in articles if key not in known]

    def announce(self, article_key: str, doc_id: str, chat_ids: Iterable[int | str]) -> int:
        """Mark an article announced and queue its notice for these chats, all in one transaction.

        Chats that take digests get it in their next digest instead. Returns how many chats were
        served (notices queued plus digest entries); 0 when the article was announced already (perhaps by
        another process or replica).
        """
        now = time.time()
        marked = {"article_key": article_key, "doc_id": doc_id, "announced_at": now}
        chats = list(dict.fromkeys(chat_ids))
        with self.database.transaction() as db:
            if not insert_new(db, self.database, announced, marked):
                return 0
            # Chats that take digests collect the article for their next one instead.
            waiting = digest_chats(db, [c for c in chats if isinstance(c, int)])
            notices = [
                {
                    "chat_id": chat_key(c),
                    "doc_id": doc_id,
                    "article_key": article_key,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for c in chats
                if c not in waiting
            ]
            later = [
                {"chat_id": c, "article_key": article_key, "doc_id": doc_id, "queued_at": now}
                for c in sorted(waiting)
            ]
            if notices:
                db.execute(insert_ignoring(self.database, outbox), notices)
            if later:
                db.execute(insert_ignoring(self.database, digest_items), later)
            return len(chats)

    # The outbox
    def due(self, limit: int = 100, now: float | None = None) -> list[OutboxItem]:
        """Pending notices whose time has come, oldest first."""
        query = (
            select(
                outbox.c.id,
                outbox.c.chat_id,
                outbox.c.doc_id,
                outbox.c.attempts,
                outbox.c.kind,
                outbox.c.body,
                outbox.c.parts_sent,
            )
            .where(
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= (time.time() if now is None else now),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        with self.database.read() as db:
            return [OutboxItem(i, chat_id_of(c), *rest) for i, c, *rest in db.execute(query).all()]

    def next_due_at(self) -> float | None:
        query = select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "pending")
        with self.database.read() as db:
            value = db.execute(query).scalar_one_or_none()
        return float(value) if value is not None else None

    def mark_sent(self, item_id: int) -> None:
        self._update(item_id, status="sent", sent_at=time.time())

    def mark_parts_sent(self, item_id: int, parts: int) -> None:
        """The first `parts` messages of a digest were accepted: a resumed send starts after them."""
        self._update(item_id, parts_sent=parts)

    def retry_later(self, item_id: int, delay: float, error: str) -> None:
        self._update(
            item_id, attempts=outbox.c.attempts + 1, next_attempt_at=time.time() + delay, error=error
        )

    def drop(self, item_id: int, error: str) -> None:
        self._update(item_id, status="dropped", error=error)

    def _update(self, item_id: int, **values: object) -> None:
        with self.database.transaction() as db:
            db.execute(update(outbox).where(outbox.c.id == item_id).values(**values))

    def outbox_counts(self) -> dict[str, int]:
        query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        with self.database.read() as db:
            return {status: int(count) for status, count in db.execute(query).all()}


def open_subscription_store(where: str | Path) -> SubscriptionStore:
    """The store in a database URL (postgresql://…, sqlite:///…) or a SQLite file, migrated."""
    return SubscriptionStore(open_database(sqlite_url(where) if isinstance(where, Path) else where))
