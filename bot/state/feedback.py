"""Answers given in chats and the 👍/👎 people gave them, kept for the operator's eval cases.

Every answer is recorded when it is sent (its question, text, citations and the archive revision it
came from), so that a press on its buttons, minutes or days later, says what it rates. Only the chat
id identifies who asked; unrated answers are deleted after UNRATED_DAYS.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from bot.state.database import Database
from bot.state.schema import feedback

UNRATED_DAYS = 7  # a 👍/👎 pressed later than this finds nothing to rate
UP, DOWN = "up", "down"
REASONS = ("wrong answer", "wrong source", "should have answered", "should have refused")


@dataclass(frozen=True)
class AnswerRecord:
    """What one answer said, as the feedback refers to it."""

    question: str
    answer: str
    short_answer: str | None
    refused: bool
    citations: tuple[dict[str, Any], ...]  # n, doc_id, title, url, quote
    history: tuple[dict[str, str], ...]  # earlier turns: question, answer
    revision: str


@dataclass(frozen=True)
class Feedback:
    id: str
    chat_id: int
    record: AnswerRecord
    rating: str | None
    reason: str | None
    created_at: float
    rated_at: float | None


class FeedbackStore:
    def __init__(self, database: Database, clock: Callable[[], float] = time.time):
        self.database = database
        self._clock = clock

    def record(self, chat_id: int, answer: AnswerRecord) -> str:
        """Keep an answer just sent; returns the short id its buttons carry."""
        feedback_id = secrets.token_urlsafe(6)  # 8 characters, 48 random bits
        row = {
            "id": feedback_id,
            "chat_id": chat_id,
            "question": answer.question,
            "answer": answer.answer,
            "short_answer": answer.short_answer,
            "refused": answer.refused,
            "citations": json.dumps(answer.citations, ensure_ascii=False),
            "history": json.dumps(answer.history, ensure_ascii=False),
            "revision": answer.revision,
            "created_at": self._clock(),
        }
        with self.database.transaction() as db:
            db.execute(feedback.insert().values(**row))
        return feedback_id

    def rate(self, feedback_id: str, rating: str, reason: str | None = None) -> Feedback | None:
        """Record 👍/👎 (a later press replaces an earlier one); None if the answer is unknown."""
        with self.database.transaction() as db:
            changed = db.execute(
                update(feedback)
                .where(feedback.c.id == feedback_id)
                .values(rating=rating, reason=reason, rated_at=self._clock())
            )
            if changed.rowcount == 0:
                return None
            row = db.execute(select(feedback).where(feedback.c.id == feedback_id)).one()
        return _feedback(row)

    def rated(self) -> list[Feedback]:
        """Every rated answer, oldest rating first."""
        query = select(feedback).where(feedback.c.rating.is_not(None)).order_by(feedback.c.rated_at)
        with self.database.read() as db:
            return [_feedback(row) for row in db.execute(query)]

    def expire(self) -> int:
        """Delete unrated answers older than UNRATED_DAYS; returns how many."""
        oldest = self._clock() - UNRATED_DAYS * 86400
        condition = feedback.c.rating.is_(None) & (feedback.c.created_at < oldest)
        with self.database.transaction() as db:
            return db.execute(delete(feedback).where(condition)).rowcount


def _feedback(row: Any) -> Feedback:
    record = AnswerRecord(
        question=row.question,
        answer=row.answer,
        short_answer=row.short_answer,
        refused=bool(row.refused),
        citations=tuple(json.loads(row.citations)),
        history=tuple(json.loads(row.history)),
        revision=row.revision,
    )
    return Feedback(row.id, int(row.chat_id), record, row.rating, row.reason, row.created_at, row.rated_at)
