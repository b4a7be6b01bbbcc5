"""/search queries behind short ids, so that the page buttons of a result keep working after a restart
and on any replica (a query is longer than the 64 bytes a button's data may hold)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from sqlalchemy import delete, select

from bot.state.database import Database
from bot.state.schema import searches

KEEP_DAYS = 30  # the buttons of an older search say it is gone


class SearchStore:
    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self._clock = clock

    def remember(self, query: str) -> str:
        search_id = secrets.token_urlsafe(6)
        with self.database.transaction() as db:
            db.execute(searches.insert().values(id=search_id, query=query, created_at=self._clock()))
        return search_id

    def query(self, search_id: str) -> str | None:
        with self.database.read() as db:
            found = db.execute(select(searches.c.query).where(searches.c.id == search_id)).scalar()
        return str(found) if found is not None else None

    def expire(self) -> int:
        oldest = self._clock() - KEEP_DAYS * 86400
        with self.database.transaction() as db:
            return db.execute(delete(searches).where(searches.c.created_at < oldest)).rowcount
