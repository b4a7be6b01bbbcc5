"""How many questions one user may ask per minute, counted in the database so that every replica
enforces the same limit: a sliding window of the user's questions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import Enum

from sqlalchemy import delete, func, select, text

from bot.state.common import insert_new
from bot.state.database import Database
from bot.state.schema import limit_notices, questions_asked

WINDOW_SECONDS = 60.0


class Verdict(Enum):
    ALLOWED = "allowed"
    LIMITED = "limited"  # over the limit: tell the user once
    IGNORED = "ignored"  # still over the limit and already told: stay silent


class QuestionLimiter:
    """Per-user sliding-window limit for one scope ("chat" questions, "inline" queries)."""

    def __init__(
        self, database: Database, per_minute: int, scope: str = "chat", clock: Callable[[], float] = time.time
    ):
        self.database = database
        self.per_minute = per_minute
        self.scope = scope
        self._clock = clock

    def check(self, user_id: int) -> Verdict:
        """Count one question by this user, unless it is over the limit."""
        now = self._clock()
        mine = (questions_asked.c.user_id == user_id, questions_asked.c.scope == self.scope)
        with self.database.transaction() as db:
            if self.database.dialect == "postgresql":  # replicas checking one user take turns
                db.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": hash((self.scope, user_id)) & 0x7FFFFFFF}
                )
            asked = db.execute(
                select(func.count()).where(*mine, questions_asked.c.at > now - WINDOW_SECONDS)
            ).scalar_one()
            if asked < self.per_minute:
                db.execute(questions_asked.insert().values(user_id=user_id, scope=self.scope, at=now))
                db.execute(
                    delete(limit_notices).where(
                        limit_notices.c.user_id == user_id, limit_notices.c.scope == self.scope
                    )
                )
                return Verdict.ALLOWED
            told = {"user_id": user_id, "scope": self.scope, "at": now}
            return Verdict.LIMITED if insert_new(db, self.database, limit_notices, told) else Verdict.IGNORED

    def retry_in(self, user_id: int) -> int:
        """Whole seconds until this user may ask again."""
        now = self._clock()
        query = (
            select(questions_asked.c.at)
            .where(
                questions_asked.c.user_id == user_id,
                questions_asked.c.scope == self.scope,
                questions_asked.c.at > now - WINDOW_SECONDS,
            )
            .order_by(questions_asked.c.at.desc())
            .limit(self.per_minute)
        )
        with self.database.read() as db:
            recent = list(db.execute(query).scalars())
        if len(recent) < self.per_minute:
            return 0
        return max(1, math.ceil(recent[-1] + WINDOW_SECONDS - now))

    def expire(self) -> None:
        """Forget questions older than the window (run now and then)."""
        oldest = self._clock() - WINDOW_SECONDS
        with self.database.transaction() as db:
            db.execute(delete(questions_asked).where(questions_asked.c.at <= oldest))
            db.execute(delete(limit_notices).where(limit_notices.c.at <= oldest))
