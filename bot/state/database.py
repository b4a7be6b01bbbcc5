"""The bot's database: a SQLite file on one machine, or PostgreSQL shared by several replicas.

`DOSSIER_DATABASE_URL=postgresql://…` selects PostgreSQL; unset, the state stays in bot.sqlite3 in
the data directory. SQLAlchemy Core serves both with one implementation (psycopg 3 underneath for
PostgreSQL), and alembic brings either schema up to date when the database is opened, so a new
release migrates on start. Replicas starting together take turns: the upgrade holds a lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from index.errors import DossierError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST_REVISION = "0001"  # the schema of the SQLite-only releases, which kept no alembic version
MIGRATION_LOCK = 0x646F7373  # "doss": the advisory lock replicas take while migrating PostgreSQL
SQLITE_BUSY_SECONDS = 30  # how long a write waits for another process's write to finish


def engine_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 here (SQLAlchemy would otherwise pick psycopg2)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Database:
    """One engine (a connection pool) per process; every write is one transaction."""

    def __init__(self, url: str):
        self.url = url
        url = engine_url(url)
        if url.startswith("sqlite"):
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
        self.dialect = self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing; on SQLite the write lock is taken at the start (BEGIN IMMEDIATE)."""
        with database_errors(self.url), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (on SQLite these take the write lock too: see _sqlite_engine)."""
        with database_errors(self.url), self.engine.connect() as connection:
            yield connection

    def now(self, connection: Connection) -> float:
        """The database's clock in Unix seconds: the one time every replica agrees on."""
        if self.dialect == "postgresql":
            return float(
                connection.execute(text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar_one()
            )
        return time.time()  # SQLite is one machine: its clock is the process's

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (stamping a database from before migrations)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.transaction() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            tables = set(inspect(connection).get_table_names())
            if "subscriptions" in tables and "alembic_version" not in tables:
                command.stamp(config, FIRST_REVISION)
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(connection: Any, _record: Any) -> None:
        # SQLAlchemy's documented recipe: let it emit BEGIN itself (pysqlite's implicit transactions
        # begin late and deferred, which deadlocks two writers upgrading their read locks).
        connection.isolation_level = None
        connection.execute("PRAGMA journal_mode = WAL")  # the CLI reads while the bot writes
        connection.execute("PRAGMA synchronous = NORMAL")  # a killed process loses nothing in WAL mode
        connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def open_database(url: str) -> Database:
    """The database at `url`, migrated to the newest schema; BotDatabaseError if it cannot be used."""
    database = Database(url)
    try:
        database.upgrade()
    except BaseException:
        database.close()
        raise
    return database


class BotDatabaseError(DossierError):
    """The bot's database is damaged, locked, or cannot be reached."""


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """The driver's errors as one sentence naming the database and what to do about it."""
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as error:
        raise BotDatabaseError(describe(url, error)) from None


def describe(url: str, error: DBAPIError) -> str:
    reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if "locked" in reason.lower():
            return f"the bot's database {path} is locked by another process; try again in a moment"
        return (
            f"the bot's database {path} is damaged ({reason}); it holds the subscriptions, the outbox "
            f"and the feeds: restore it from a backup, or move it aside to start afresh: mv {path} {path}.damaged"
        )
    where = url.split("@")[-1]  # never the user and password
    return f"cannot use the bot's database at {where} ({reason}); check DOSSIER_DATABASE_URL and the server"
