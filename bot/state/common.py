"""Small pieces every store uses: inserts that skip duplicates on either database, chat ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from bot.state.database import Database


def insert_ignoring(database: Database, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect of this database."""
    dialect = postgresql if database.dialect == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def insert_new(connection: Connection, database: Database, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists; True when it was inserted.

    RETURNING tells, where rowcount cannot: SQLAlchemy reports -1 for inserts through psycopg 3.
    """
    statement = insert_ignoring(database, table).values(**values).returning(*table.primary_key.columns)
    return connection.execute(statement).first() is not None


def upsert(database: Database, table: Table, keys: list[str], values: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET the other values."""
    dialect = postgresql if database.dialect == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changed = {k: statement.excluded[k] for k in values if k not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def chat_key(chat_id: int | str) -> str:
    """A chat id as the outbox stores it: text, since a channel may be "@name"."""
    return str(chat_id)


def chat_id_of(value: int | str) -> int | str:
    """The stored chat id back as Telegram takes it: a number, or a channel's "@name"."""
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text
