"""Each chat's last few turns, so that follow-up questions can lean on earlier ones, and the article a
chat chose to ask about next ("Ask about this article"). Kept in the database, so that whichever
replica receives a chat's next message reads the same conversation."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, select

from bot.state.common import upsert
from bot.state.database import Database
from bot.state.schema import focus, turns
from index.answering.models import Turn

MAX_TURNS = 3  # the service only reads the last turn; a little more gives it room
TTL_SECONDS = 30 * 60  # a question half an hour later starts a new conversation


class Conversations:
    """Bounded, expiring per-chat history and the chosen article, shared by replicas."""

    def __init__(
        self,
        database: Database,
        max_turns: int = MAX_TURNS,
        ttl_seconds: float = TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ):
        self.database = database
        self._max_turns = max_turns
        self._ttl = ttl_seconds
        self._clock = clock

    def history(self, chat_id: int) -> tuple[Turn, ...]:
        """The chat's unexpired turns, oldest first."""
        query = (
            select(turns.c.question, turns.c.answer, turns.c.doc_ids)
            .where(turns.c.chat_id == chat_id, turns.c.at >= self._clock() - self._ttl)
            .order_by(turns.c.id.desc())
            .limit(self._max_turns)
        )
        with self.database.read() as db:
            rows = db.execute(query).all()
        return tuple(Turn(q, a, tuple(d.split())) for q, a, d in reversed(rows))

    def remember(self, chat_id: int, turn: Turn) -> None:
        """Add a turn, keeping only the chat's newest few."""
        now = self._clock()
        row = {"chat_id": chat_id, "at": now, "question": turn.question, "answer": turn.answer}
        with self.database.transaction() as db:
            db.execute(turns.insert().values(**row, doc_ids=" ".join(turn.doc_ids)))
            newest = (
                select(turns.c.id)
                .where(turns.c.chat_id == chat_id)
                .order_by(turns.c.id.desc())
                .limit(self._max_turns)
                .subquery()
            )
            oldest_kept = select(func.min(newest.c.id)).scalar_subquery()
            db.execute(delete(turns).where(turns.c.chat_id == chat_id, turns.c.id < oldest_kept))

    def forget(self, chat_id: int) -> None:
        with self.database.transaction() as db:
            db.execute(delete(turns).where(turns.c.chat_id == chat_id))
            db.execute(delete(focus).where(focus.c.chat_id == chat_id))

    def focus(self, chat_id: int, doc_id: str) -> None:
        """The chat's next question is about this article."""
        values = {"chat_id": chat_id, "doc_id": doc_id, "at": self._clock()}
        with self.database.transaction() as db:
            db.execute(upsert(self.database, focus, ["chat_id"], values))

    def take_focus(self, chat_id: int) -> str | None:
        """The article the chat chose for its next question, once; None if none or it expired."""
        with self.database.transaction() as db:
            row = db.execute(select(focus.c.doc_id, focus.c.at).where(focus.c.chat_id == chat_id)).first()
            if row is None:
                return None
            db.execute(delete(focus).where(focus.c.chat_id == chat_id))
        return None if row.at < self._clock() - self._ttl else str(row.doc_id)

    def expire(self) -> int:
        """Delete turns and choices older than the conversation lifetime; returns the turns deleted."""
        oldest = self._clock() - self._ttl
        with self.database.transaction() as db:
            db.execute(delete(focus).where(focus.c.at < oldest))
            return db.execute(delete(turns).where(turns.c.at < oldest)).rowcount
