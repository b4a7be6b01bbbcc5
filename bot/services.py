"""The composition root: Settings in, the services of one process out, each built once and shared.

Every surface gets its archive and services here: the CLI commands and the Telegram bot never open
an archive or a database themselves, so a running bot has one archive (one SQLite connection, one
FAISS and one BM25 in memory) that answering, announcing and ingestion all read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.settings import Settings

# The core is imported where it is used: `dossier feeds` needs none of it, `dossier ask` no FAISS
# until it searches (cold start is measured by bench/answer_bench.py).
if TYPE_CHECKING:
    from bot.subscriptions.service import SubscriptionService
    from bot.subscriptions.store import SubscriptionStore
    from index.answering.llm import LlmWriter
    from index.answering.service import AnsweringService
    from index.archive import Archive

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """What a process shares: the archive, the answering service and (for the bot) subscriptions."""

    settings: Settings
    archive: Archive
    answering: AnsweringService
    subscriptions: SubscriptionService | None = None

    def close(self) -> None:
        if self.subscriptions is not None:
            self.subscriptions.close()
        self.archive.close()


def llm_writer(settings: Settings) -> LlmWriter | None:
    """The optional writer of generated answers, when DOSSIER_LLM_BASE_URL is set."""
    if not settings.llm_base_url:
        return None
    from index.answering.llm import LlmWriter

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LlmWriter(settings.llm_base_url, settings.llm_model, key, settings.llm_timeout)


def answering_over(settings: Settings, archive: Archive) -> AnsweringService:
    from index.answering.service import AnsweringService

    return AnsweringService(
        archive,
        llm=llm_writer(settings),
        max_question_chars=settings.max_question_chars,
        min_confidence=settings.min_confidence,
    )


def open_answering(settings: Settings) -> AnsweringService:
    """Answering over the archive opened read-only, as `dossier ask`, `chat` and `eval` need it."""
    from index.archive import Archive

    return answering_over(settings, Archive.open(settings.index_settings()))


def subscription_store(settings: Settings) -> SubscriptionStore:
    """The bot's own database: subscriptions, the outbox, feeds."""
    from bot.subscriptions.store import SubscriptionStore

    return SubscriptionStore(settings.paths.bot_db)


def open_bot_services(settings: Settings) -> Services:
    """Everything `dossier bot` runs on: the archive opened once, for answering and for ingestion."""
    from bot.subscriptions.service import SubscriptionService
    from index.archive import Archive
    from index.errors import IndexNotWritable

    try:
        archive = Archive.open(settings.index_settings(), readonly=False)
    except IndexNotWritable as error:
        # Answering still works from a read-only volume; adding articles will say why it cannot.
        logger.warning("%s; opening the archive read-only", error)
        archive = Archive.open(settings.index_settings())
    subscriptions = SubscriptionService(
        archive,
        subscription_store(settings),
        channel_id=settings.channel_id,
        watch_dir=settings.watch_dir,
        feed_interval=settings.feed_interval,
        fetch_policy=settings.fetch_policy(),
    )
    return Services(settings, archive, answering_over(settings, archive), subscriptions)
