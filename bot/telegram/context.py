"""What handlers share: the process's services plus the bot's own state, in bot_data behind one
typed accessor."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import BotCommand
from telegram.ext import CallbackContext, ExtBot

from bot.i18n import DEFAULT_LANGUAGE
from bot.state.add_requests import AddRequests
from bot.state.chats import ChatSettings, ChatStore
from bot.state.conversations import Conversations
from bot.state.feedback import FeedbackStore
from bot.state.limits import QuestionLimiter
from bot.state.replicas import Lease
from bot.state.searches import SearchStore
from bot.subscriptions.schedule import zone_named
from bot.telegram.examples import ArchiveSummary, summarize
from bot.telegram.ingestion import Ingestion
from bot.telegram.metrics import Metrics
from index.answering.models import Answer, Turn

if TYPE_CHECKING:
    from bot.services import Services
    from bot.settings import Settings
    from bot.subscriptions.service import SubscriptionService
    from bot.telegram.courier import Courier
    from index.answering.service import AnsweringService

SERVICES = "dossier.services"
INLINE_ALLOWANCE = 3  # inline queries arrive while people type, so they get a larger allowance
# The leader (one replica at a time) broadcasts, announces and polls feeds. Its lease lapses LEASE_TTL
# seconds after the last renewal, so another replica takes over within LEASE_TTL + LEAD_EVERY of its
# death; it stops acting LEASE_MARGIN before its lease could lapse, so two never act at once.
LEASE_TTL = 6.0
LEAD_EVERY = 2.0
LEASE_MARGIN = 1.5


def replica_name() -> str:
    """This process among the replicas: host, process id and a nonce (pids repeat across restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class BotServices:
    """The process's services (built by bot/services.py) and the bot's per-chat and per-user state."""

    core: Services
    admin_ids: frozenset[int]
    max_question_chars: int
    questions: QuestionLimiter
    inline_questions: QuestionLimiter
    memory: Conversations  # turns and chosen articles, in the database every replica reads
    add_requests: AddRequests  # /add on a copy of a published archive, for the process writing it
    chats: ChatStore  # per-chat settings, excluded topics, articles waiting for a digest
    feedback: FeedbackStore
    searches: SearchStore
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # of chats that set none
    metrics: Metrics = field(default_factory=Metrics)
    clock: Callable[[], float] = time.time  # digests and quiet hours; tests move it
    heartbeat: Path | None = None
    courier: Courier | None = None  # started with the application, stopped before it shuts down
    ingestion: Ingestion = field(default_factory=Ingestion)  # /add, the watched folder, feeds
    send_rate: float = 30.0  # messages per second the bot allows itself overall (0: no cap)
    paid_broadcast_rate: float = 0.0  # notices sent as paid broadcasts at this rate (0: off)
    default_language: str = DEFAULT_LANGUAGE  # for readers whose app speaks none of Dossier's languages
    lease: Lease | None = None  # held by the replica that leads (see bot/telegram/leader.py)
    leading_until: float = 0.0  # time.monotonic() until which this replica may act as the leader
    # Held by one process that writes the archive (not a copy following a published one): it polls
    # feeds, watches the folder and takes the /add requests other replicas queued.
    ingest_lease: Lease | None = None
    ingesting_until: float = 0.0
    compaction: asyncio.subprocess.Process | None = None  # `dossier index compact`, started by jobs.py
    compaction_started: float = 0.0
    menus: dict[str, list[BotCommand]] = field(default_factory=dict)  # the command menu per language
    _summary: ArchiveSummary | None = None

    @property
    def ingesting(self) -> bool:
        """Does this process add articles now (feeds, the watched folder, queued /add)?"""
        return time.monotonic() < self.ingesting_until

    @property
    def leading(self) -> bool:
        """Does this replica broadcast, announce and poll feeds now?"""
        return time.monotonic() < self.leading_until

    def zone_of(self, chat: ChatSettings) -> ZoneInfo:
        """The chat's own time zone (/timezone), else DOSSIER_TIMEZONE."""
        return (zone_named(chat.time_zone) if chat.time_zone else None) or self.zone

    @classmethod
    def create(cls, settings: Settings, core: Services, metrics: Metrics | None = None) -> BotServices:
        assert core.subscriptions is not None, "the bot runs on bot/services.py's open_bot_services"
        database = core.subscriptions.store.database
        per_minute = settings.rate_limit_per_minute
        name = replica_name()
        return cls(
            core=core,
            admin_ids=frozenset(settings.admin_ids),
            max_question_chars=settings.max_question_chars,
            questions=QuestionLimiter(database, per_minute, "chat"),
            inline_questions=QuestionLimiter(database, per_minute * INLINE_ALLOWANCE, "inline"),
            memory=Conversations(database),
            chats=ChatStore(database),
            feedback=FeedbackStore(database),
            searches=SearchStore(database),
            zone=zone_named(settings.timezone) or ZoneInfo("UTC"),
            metrics=metrics or Metrics(),
            heartbeat=settings.paths.heartbeat,
            paid_broadcast_rate=settings.paid_broadcast_rate,
            default_language=settings.language or DEFAULT_LANGUAGE,
            lease=Lease(database, "leader", name, LEASE_TTL),
            ingest_lease=None if settings.index_source else Lease(database, "ingest", name, LEASE_TTL),
            add_requests=AddRequests(database),
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
