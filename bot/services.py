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
    from bot.state.subscriptions import SubscriptionStore
    from bot.subscriptions.service import SubscriptionService
    from index.answering.llm import LlmWriter
    from index.answering.service import AnsweringService
    from index.archive import Archive
    from index.config import IndexSettings

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

    return answering_over(settings, Archive.open(reading_settings(settings)))


def reading_settings(settings: Settings) -> IndexSettings:
    """The archive this machine reads: its newest copy of a published one, else its own."""
    if settings.index_source is not None:
        from index.published import newest_installed

        installed = newest_installed(settings.paths.copies, settings.index_settings())
        if installed is not None:
            return installed
    return settings.index_settings()


def writing_settings(settings: Settings) -> IndexSettings:
    """The archive this machine writes; a machine that follows a published archive writes none."""
    if settings.index_source is not None:
        from index.errors import DossierError

        raise DossierError(
            f"this machine answers from the archive published in {settings.index_source} "
            "(DOSSIER_INDEX_SOURCE): add, remove and rebuild articles where that archive is written"
        )
    return settings.index_settings()


def subscription_store(settings: Settings) -> SubscriptionStore:
    """The bot's own database (subscriptions, the outbox, feeds), migrated to the newest schema."""
    from bot.state.subscriptions import open_subscription_store

    return open_subscription_store(settings.database_url or settings.paths.bot_db)


def open_bot_archive(settings: Settings) -> Archive:
    """The bot's archive: a copy of a published one (DOSSIER_INDEX_SOURCE), or its own, for writing."""
    from index.archive import Archive
    from index.errors import IndexNotWritable

    if settings.index_source is not None:
        from index.published import open_copy

        return open_copy(settings.index_source, settings.paths.copies, settings.index_settings())
    try:
        archive = Archive.open(settings.index_settings(), readonly=False)
    except IndexNotWritable as error:
        # Answering still works from a read-only volume; adding articles will say why it cannot.
        logger.warning("%s; opening the archive read-only", error)
        return Archive.open(settings.index_settings())
    if settings.index_publish_dir is not None:
        publish_archive(settings, archive)  # replicas starting now find this writer's latest state
    return archive


def publish_archive(settings: Settings, archive: Archive) -> str:
    """Publish the archive's changes for replicas, when this process writes for them; says what."""
    if settings.index_publish_dir is None:
        return ""
    from index.published import publish

    written = publish(archive, settings.index_publish_dir)
    if written:
        logger.info("published %s in %s", written, settings.index_publish_dir)
    return written


def open_bot_services(settings: Settings) -> Services:
    """Everything `dossier bot` runs on: the archive opened once, for answering and for ingestion."""
    from bot.subscriptions.service import SubscriptionService

    archive = open_bot_archive(settings)
    subscriptions = SubscriptionService(
        archive,
        subscription_store(settings),
        channel_id=settings.channel_id,
        watch_dir=settings.watch_dir,
        feed_interval=settings.feed_interval,
        fetch_policy=settings.fetch_policy(),
    )
    return Services(settings, archive, answering_over(settings, archive), subscriptions)
