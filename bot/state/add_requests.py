"""/add requests that a replica following a published archive hands to the process that writes it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.state.database import Database
from bot.state.schema import add_requests


@dataclass(frozen=True)
class AddRequest:
    url: str
    chat_id: int  # where to report the result


class AddRequests:
    def __init__(self, database: Database):
        self.database = database

    def ask(self, urls: Sequence[str], chat_id: int) -> None:
        rows = [{"url": u, "chat_id": chat_id, "requested_at": time.time()} for u in urls]
        with self.database.transaction() as db:
            db.execute(add_requests.insert(), rows)

    def take(self, limit: int = 10) -> list[AddRequest]:
        """The oldest requests, removed from the queue (one process takes each)."""
        with self.database.transaction() as db:
            query = select(add_requests.c.id, add_requests.c.url, add_requests.c.chat_id).order_by(
                add_requests.c.id
            )
            if self.database.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = db.execute(query.limit(limit)).all()
            if rows:
                db.execute(delete(add_requests).where(add_requests.c.id.in_([r.id for r in rows])))
        return [AddRequest(r.url, int(r.chat_id)) for r in rows]
