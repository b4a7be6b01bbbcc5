"""Each chat's own settings (time zone, quiet hours, summary length, digest schedule, language), the
topics it excluded, and the articles waiting for its next digest."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import Connection, delete, select, update

from bot.i18n import DEFAULT_LANGUAGE
from bot.state.common import insert_new, upsert
from bot.state.database import Database
from bot.state.schema import chat_settings, digest_items, excluded_topics, outbox

MAX_SUMMARY_SENTENCES = 3


@dataclass(frozen=True)
class ChatSettings:
    """A chat's settings; None means "the default" (DOSSIER_TIMEZONE, instant delivery, ...)."""

    chat_id: int
    time_zone: str | None = None
    quiet_start: int | None = None  # minutes after local midnight
    quiet_end: int | None = None
    summary_sentences: int = MAX_SUMMARY_SENTENCES
    digest: str | None = None  # "daily" or "weekly"; None: every article as it comes
    digest_weekday: int | None = None
    digest_minute: int | None = None
    digest_due_at: float | None = None
    language: str | None = None  # chosen with /language; None: each person's Telegram language
    reader_language: str | None = None  # the Telegram language of whoever last subscribed the chat

    @property
    def notice_language(self) -> str:
        """The language of notices and digests, which no one in particular asked for."""
        return self.language or self.reader_language or DEFAULT_LANGUAGE


@dataclass(frozen=True)
class DigestItem:
    article_key: str
    doc_id: str


class ChatStore:
    """Settings, exclusions and waiting digest items; each method is one transaction."""

    def __init__(self, database: Database):
        self.database = database

    def get(self, chat_id: int) -> ChatSettings:
        with self.database.read() as db:
            row = db.execute(select(chat_settings).where(chat_settings.c.chat_id == chat_id)).first()
        return _settings(row) if row is not None else ChatSettings(chat_id)

    def many(self, chat_ids: Iterable[int]) -> dict[int, ChatSettings]:
        """The stored settings of these chats (chats with none are left out)."""
        wanted = sorted(set(chat_ids))
        if not wanted:
            return {}
        with self.database.read() as db:
            rows = db.execute(select(chat_settings).where(chat_settings.c.chat_id.in_(wanted))).all()
        return {int(row.chat_id): _settings(row) for row in rows}

    def save(self, settings: ChatSettings) -> ChatSettings:
        values = {
            "chat_id": settings.chat_id,
            "time_zone": settings.time_zone,
            "quiet_start": settings.quiet_start,
            "quiet_end": settings.quiet_end,
            "summary_sentences": settings.summary_sentences,
            "digest": settings.digest,
            "digest_weekday": settings.digest_weekday,
            "digest_minute": settings.digest_minute,
            "digest_due_at": settings.digest_due_at if settings.digest else None,
            "language": settings.language,
            "reader_language": settings.reader_language,
            "updated_at": time.time(),
        }
        with self.database.transaction() as db:
            db.execute(upsert(self.database, chat_settings, ["chat_id"], values))
        return settings

    def change(self, chat_id: int, **changes: object) -> ChatSettings:
        return self.save(replace(self.get(chat_id), **changes))  # type: ignore[arg-type]

    # Excluded topics
    def exclude(self, chat_id: int, topic: str) -> bool:
        row = {"chat_id": chat_id, "topic": topic, "created_at": time.time()}
        with self.database.transaction() as db:
            return insert_new(db, self.database, excluded_topics, row)

    def include(self, chat_id: int, topic: str) -> bool:
        condition = (excluded_topics.c.chat_id == chat_id) & (excluded_topics.c.topic == topic)
        with self.database.transaction() as db:
            return db.execute(delete(excluded_topics).where(condition)).rowcount > 0

    def excluded(self, chat_id: int) -> list[str]:
        query = select(excluded_topics.c.topic).where(excluded_topics.c.chat_id == chat_id)
        with self.database.read() as db:
            return sorted(db.execute(query).scalars())

    def all_excluded(self) -> dict[int, list[str]]:
        """Every chat's excluded topics (read once per announcement, like the subscriptions)."""
        found: dict[int, list[str]] = {}
        with self.database.read() as db:
            for chat_id, topic in db.execute(select(excluded_topics.c.chat_id, excluded_topics.c.topic)):
                found.setdefault(int(chat_id), []).append(topic)
        return found

    # Digests
    def release_waiting(self, chat_id: int) -> int:
        """A chat back on instant delivery: what waited for its digest is queued as notices."""
        now = time.time()
        with self.database.transaction() as db:
            waiting = db.execute(
                select(digest_items.c.article_key, digest_items.c.doc_id).where(
                    digest_items.c.chat_id == chat_id
                )
            ).all()
            for article_key, doc_id in waiting:
                row = {
                    "chat_id": str(chat_id),
                    "doc_id": doc_id,
                    "article_key": article_key,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                insert_new(db, self.database, outbox, row)
            db.execute(delete(digest_items).where(digest_items.c.chat_id == chat_id))
        return len(waiting)

    def due_digests(self, now: float) -> list[ChatSettings]:
        query = select(chat_settings).where(
            chat_settings.c.digest.is_not(None), chat_settings.c.digest_due_at <= now
        )
        with self.database.read() as db:
            return [_settings(row) for row in db.execute(query.order_by(chat_settings.c.digest_due_at))]

    def waiting(self, chat_id: int) -> list[DigestItem]:
        """Articles announced to this chat since its last digest, oldest first."""
        query = (
            select(digest_items.c.article_key, digest_items.c.doc_id)
            .where(digest_items.c.chat_id == chat_id)
            .order_by(digest_items.c.queued_at, digest_items.c.article_key)
        )
        with self.database.read() as db:
            return [DigestItem(*row) for row in db.execute(query)]

    def queue_digest(
        self, chat: ChatSettings, items: list[DigestItem], body: str | None, next_due_at: float
    ) -> bool:
        """Move the chat's digest into the outbox and set its next date, all at once.

        `body` is the digest's messages (JSON), or None when there was nothing new: then only the
        date moves on. False when another run did this slot already (the due date had moved).
        """
        now = time.time()
        with self.database.transaction() as db:
            moved = db.execute(
                update(chat_settings)
                .where(
                    chat_settings.c.chat_id == chat.chat_id,
                    chat_settings.c.digest_due_at == chat.digest_due_at,
                )
                .values(digest_due_at=next_due_at)
            )
            if moved.rowcount == 0:
                return False
            if body is None:
                return True
            keys = [item.article_key for item in items]
            db.execute(
                delete(digest_items).where(
                    digest_items.c.chat_id == chat.chat_id, digest_items.c.article_key.in_(keys)
                )
            )
            row = {
                "chat_id": str(chat.chat_id),
                "doc_id": items[0].doc_id,
                "article_key": f"digest:{chat.digest_due_at:.0f}",
                "kind": "digest",
                "body": body,
                "next_attempt_at": now,
                "created_at": now,
            }
            insert_new(db, self.database, outbox, row)
            return True


def forget_chat_rows(db: Connection, chat_id: int) -> None:
    """A chat that blocked the bot or no longer exists: nothing of it is kept."""
    for table in (chat_settings, excluded_topics, digest_items):
        db.execute(delete(table).where(table.c.chat_id == chat_id))


def move_chat_rows(db: Connection, old: int, new: int) -> None:
    """A group became a supergroup: its settings, exclusions and waiting articles move along."""
    for table in (chat_settings, excluded_topics, digest_items):
        db.execute(delete(table).where(table.c.chat_id == new))
        db.execute(update(table).where(table.c.chat_id == old).values(chat_id=new))


def digest_chats(db: Connection, chat_ids: Iterable[int]) -> set[int]:
    """Which of these chats take digests instead of a message per article."""
    query = select(chat_settings.c.chat_id).where(
        chat_settings.c.chat_id.in_(sorted(set(chat_ids))), chat_settings.c.digest.is_not(None)
    )
    return {int(c) for c in db.execute(query).scalars()}


def _settings(row: object) -> ChatSettings:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values.pop("updated_at", None)
    if values["summary_sentences"] is None:
        values["summary_sentences"] = MAX_SUMMARY_SENTENCES
    return ChatSettings(**values)
