"""What handlers share: the process's services plus the bot's own state, in bot_data behind one
typed accessor."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.telegram.examples import ArchiveSummary, summarize
from bot.telegram.ingestion import Ingestion
from bot.telegram.memory import TurnMemory
from bot.telegram.ratelimit import QuestionLimiter
from index.answering.models import Answer, Turn

if TYPE_CHECKING:
    from bot.services import Services
    from bot.settings import Settings
    from bot.subscriptions.service import SubscriptionService
    from bot.telegram.courier import Courier
    from index.answering.service import AnsweringService

SERVICES = "dossier.services"
INLINE_ALLOWANCE = 3  # inline queries arrive while people type, so they get a larger allowance


@dataclass
class BotServices:
    """The process's services (built by bot/services.py) and the bot's per-chat and per-user state."""

    core: Services
    admin_ids: frozenset[int]
    max_question_chars: int
    questions: QuestionLimiter
    inline_questions: QuestionLimiter
    memory: TurnMemory = field(default_factory=TurnMemory)
    heartbeat: Path | None = None
    courier: Courier | None = None  # started with the application, stopped before it shuts down
    ingestion: Ingestion = field(default_factory=Ingestion)  # /add, the watched folder, feeds
    send_rate: float = 30.0  # messages per second the bot allows itself overall (0: no cap)
    compaction: asyncio.subprocess.Process | None = None  # `dossier index compact`, started by jobs.py
    compaction_started: float = 0.0
    _summary: ArchiveSummary | None = None

    @classmethod
    def create(cls, settings: Settings, core: Services) -> BotServices:
        assert core.subscriptions is not None, "the bot runs on bot/services.py's open_bot_services"
        per_minute = settings.rate_limit_per_minute
        return cls(
            core=core,
            admin_ids=frozenset(settings.admin_ids),
            max_question_chars=settings.max_question_chars,
            questions=QuestionLimiter(per_minute),
            inline_questions=QuestionLimiter(per_minute * INLINE_ALLOWANCE),
            heartbeat=settings.paths.heartbeat,
        )

    @property
    def answering(self) -> AnsweringService:
        return self.core.answering

    @property
    def subscriptions(self) -> SubscriptionService:
        assert self.core.subscriptions is not None
        return self.core.subscriptions

    async def answer(self, question: str, history: Sequence[Turn] = (), doc_id: str | None = None) -> Answer:
        """The service's answer, computed in a worker thread so the event loop keeps serving others.

        `doc_id` limits it to one article (after "Ask about this article").
        """
        return await asyncio.to_thread(self.answering.answer, question, history, doc_id=doc_id)

    async def summary(self) -> ArchiveSummary:
        """Counts, dates and example questions; recomputed when the archive has changed."""
        revision = self.core.archive.revision
        if self._summary is None or self._summary.revision != revision:
            self._summary = await asyncio.to_thread(summarize, self.answering)
        return self._summary


class DossierContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with the services attached."""

    @property
    def services(self) -> BotServices:
        services = self.bot_data[SERVICES]
        assert isinstance(services, BotServices)
        return services
