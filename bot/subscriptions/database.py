"""The bot database's schema, and its errors as one sentence naming the file and what to do."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import DossierError

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    chat_id INTEGER NOT NULL,
    topic TEXT NOT NULL,
    chat_type TEXT NOT NULL DEFAULT 'private',
    created_at REAL NOT NULL,
    PRIMARY KEY (chat_id, topic)
);
CREATE TABLE IF NOT EXISTS announced (
    article_key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    announced_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    article_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    error TEXT,
    UNIQUE (chat_id, article_key)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_polled_at REAL,
    last_status TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_poll_at REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed_url, entry_key)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class BotDatabaseError(DossierError):
    """bot.sqlite3 is damaged or held by another process."""


@contextmanager
def database_errors(path: Path) -> Iterator[None]:
    """sqlite3's errors as one sentence naming this file and what to do about it."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error).lower():
            raise BotDatabaseError(
                f"the bot's database {path} is locked by another process; try again in a moment"
            ) from None
        raise BotDatabaseError(
            f"the bot's database {path} is damaged ({error}); it holds the subscriptions, the outbox "
            f"and the feeds: restore it from a backup, or move it aside to start afresh: mv {path} {path}.damaged"
        ) from None
