"""What handlers share: the services in bot_data, reached through one typed accessor."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.answering.models import Answer, Turn
from bot.telegram.examples import ArchiveSummary, summarize
from bot.telegram.memory import TurnMemory
from bot.telegram.ratelimit import QuestionLimiter

if TYPE_CHECKING:
    from bot.answering.service import AnsweringService
    from bot.settings import Settings
    from bot.subscriptions.service import SubscriptionService
    from bot.telegram.courier import Courier

SERVICES = "dossier.services"
HEARTBEAT_FILE = "bot.heartbeat"
INLINE_ALLOWANCE = 3  # inline queries arrive while people type, so they get a larger allowance


@dataclass
class Services:
    """The answering and subscription services and the bot's own per-chat and per-user state."""

    answering: AnsweringService
    subscriptions: SubscriptionService
    admin_ids: frozenset[int]
    max_question_chars: int
    questions: QuestionLimiter
    inline_questions: QuestionLimiter
    memory: TurnMemory = field(default_factory=TurnMemory)
    heartbeat: Path | None = None
    courier: Courier | None = None  # started with the application, stopped before it shuts down
    send_rate: float = 30.0  # messages per second the bot allows itself overall (0: no cap)
    _summary: ArchiveSummary | None = None

    @classmethod
    def create(cls, settings: Settings, answering: AnsweringService) -> Services:
        from bot.subscriptions.service import SubscriptionService

        per_minute = settings.rate_limit_per_minute
        return cls(
            answering=answering,
            subscriptions=SubscriptionService(settings, answering.archive.embed_query),
            admin_ids=frozenset(settings.admin_ids),
            max_question_chars=settings.max_question_chars,
            questions=QuestionLimiter(per_minute),
            inline_questions=QuestionLimiter(per_minute * INLINE_ALLOWANCE),
            heartbeat=settings.data_dir / HEARTBEAT_FILE,
        )

    async def answer(self, question: str, history: Sequence[Turn] = (), doc_id: str | None = None) -> Answer:
        """The service's answer, computed in a worker thread so the event loop keeps serving others.

        `doc_id` limits it to one article (after "Ask about this article").
        """
        return await asyncio.to_thread(self.answering.answer, question, history, doc_id=doc_id)

    async def summary(self) -> ArchiveSummary:
        """Counts, dates and example questions; recomputed when the archive has changed."""
        revision = self.answering.archive.revision
        if self._summary is None or self._summary.revision != revision:
            self._summary = await asyncio.to_thread(summarize, self.answering)
        return self._summary


class DossierContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with the services attached."""

    @property
    def services(self) -> Services:
        services = self.bot_data[SERVICES]
        assert isinstance(services, Services)
        return services
