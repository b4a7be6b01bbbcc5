"""The bot's background jobs: the heartbeat `dossier health` checks, and pushing new articles.

Articles reach the index from `dossier index add` in another process, from DOSSIER_WATCH_DIR, from
feeds, or from an admin's /add; whichever it was, the follow job notices the new revision of the one
shared archive (reading only what changed), and queues notices, and the courier sends them. When
enough has changed since the last compaction, it starts `dossier index compact` in a process of its
own (which lowers its own priority), and answers from the new segment once that is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import time

from telegram.error import TelegramError
from telegram.ext import Application

from bot.heartbeat import HEARTBEAT_EVERY
from bot.i18n import translator
from bot.services import publish_archive
from bot.state import replicas
from bot.telegram import texts
from bot.telegram.context import LEAD_EVERY, BotServices, DossierContext
from bot.telegram.ingestion import IngestionBusy
from bot.telegram.leader import lead
from index.errors import DossierError
from index.published import follow

logger = logging.getLogger(__name__)

FOLLOW_EVERY = 2.0  # seconds between looks at the index's revision (one SQLite read when unchanged)
WATCH_EVERY = 5.0
FEEDS_EVERY = 10.0  # how often due feeds are looked for; each feed has its own DOSSIER_FEED_INTERVAL
EXPIRE_EVERY = 60.0  # old conversation turns and question counts are deleted this often
COMPACT_RETRY = 600.0  # seconds before a compaction that failed is tried again


def register(application: Application) -> None:  # type: ignore[type-arg]
    jobs = application.job_queue
    assert jobs is not None, "install python-telegram-bot[job-queue]"
    # APScheduler cannot start an interval at 0, so the first beat is a job of its own (PTB's advice),
    # allowed to run late: it is scheduled now but the job queue only starts once start-up is done.
    jobs.run_once(beat, when=0, name="first heartbeat", job_kwargs={"misfire_grace_time": None})
    jobs.run_repeating(beat, interval=HEARTBEAT_EVERY, name="heartbeat")
    jobs.run_repeating(follow_index, interval=FOLLOW_EVERY, first=0.5, name="follow-index")
    jobs.run_repeating(watch_folder, interval=WATCH_EVERY, first=1.0, name="watch-folder")
    jobs.run_repeating(requested_adds, interval=WATCH_EVERY, first=1.5, name="requested-adds")
    jobs.run_repeating(poll_feeds, interval=FEEDS_EVERY, first=2.0, name="feeds")
    jobs.run_repeating(expire, interval=EXPIRE_EVERY, first=EXPIRE_EVERY, name="expire")
    jobs.run_repeating(lead, interval=LEAD_EVERY, first=LEAD_EVERY, name="lead")


async def beat(context: DossierContext) -> None:
    """Touch the heartbeat file (what `dossier health` vouches for) and record this replica as alive."""
    services = context.services
    if services.heartbeat is not None:
        try:
            await asyncio.to_thread(services.heartbeat.touch)
        except OSError as error:
            logger.warning("cannot write the heartbeat file %s: %s", services.heartbeat, error.strerror)
    if services.lease is not None:
        detail = "leader" if services.leading else "replica"
        try:
            await asyncio.to_thread(replicas.beat, services.lease.database, services.lease.holder, detail)
        except DossierError as error:
            logger.warning("cannot record this replica's heartbeat: %s", error)


async def follow_index(context: DossierContext) -> None:
    """Answer from the newest revision, and queue notices for the articles it adds."""
    services = context.services
    settings = services.core.settings
    try:
        changed = await asyncio.to_thread(_follow, services)
        if changed:
            logger.info("the archive changed; answering from its new revision")
            if settings.index_publish_dir is not None:  # the replicas following this writer too
                await asyncio.to_thread(publish_archive, settings, services.core.archive)
        if not services.leading:  # every replica answers from the new revision; the leader announces
            return
        announcements = await asyncio.to_thread(services.subscriptions.announce)
        if changed and settings.index_source is None:  # a copy's compacted bases come from its writer
            await compact_when_due(services)
    except DossierError as error:
        logger.warning("cannot follow the index: %s", error)
        return
    for announcement in announcements:
        logger.info("queued %d notices for %s", announcement.queued, announcement.document.doc_id)
    if any(a.queued for a in announcements) and services.courier is not None:
        services.courier.wake()


def _follow(services: BotServices) -> bool:
    """Pick up the archive's changes: from the store another process writes, or, for a replica
    following a published archive, from what its writer published."""
    archive, settings = services.core.archive, services.core.settings
    if settings.index_source is None:
        return archive.refresh()
    before = archive.revision
    done = follow(archive, settings.index_source, settings.paths.copies)
    if done:
        logger.info("following %s: %s", settings.index_source, done)
    return archive.revision != before


async def compact_when_due(services: BotServices) -> None:
    """Start `dossier index compact` in its own process once enough changed; one at a time."""
    running = services.compaction
    if running is not None and running.returncode is None:
        return
    if (
        running is not None
        and running.returncode
        and time.monotonic() - services.compaction_started < COMPACT_RETRY
    ):
        return
    if not await asyncio.to_thread(services.core.archive.compaction_due):
        return
    settings = services.core.settings
    env = {
        **os.environ,
        "DOSSIER_DATA_DIR": str(settings.data_dir),
        "DOSSIER_EMBEDDING_MODEL": settings.embedding_model,
    }
    logger.info("starting a compaction of the index")
    services.compaction_started = time.monotonic()
    services.compaction = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "index",
        "compact",
        env=env,
        stdout=subprocess.DEVNULL,
    )


async def watch_folder(context: DossierContext) -> None:
    """Add the article files that appeared or changed in DOSSIER_WATCH_DIR, on the ingestion threads."""
    services = context.services
    if not services.ingesting:
        return
    try:
        added = await services.ingestion.run(services.subscriptions.watch_folder)
    except IngestionBusy:
        return  # the next look will find the same files
    for line in added:
        logger.info("watched folder: %s: %s", line.status, line.what)


async def poll_feeds(context: DossierContext) -> None:
    """Poll the feeds that are due, side by side, on the ingestion threads (one process at a time)."""
    services = context.services
    if not services.ingesting:
        return
    try:
        polled = await services.ingestion.run(services.subscriptions.poll_feeds)
    except IngestionBusy:
        return  # still due next time
    for result in polled:
        logger.info("feed %s: %s (%d new)", result.url, result.status, result.added)
        services.metrics.feed_polled(result.status)


async def expire(context: DossierContext) -> None:
    """Delete conversations and question counts past their lifetime, so the database stays small."""
    services = context.services
    for forget in (
        services.memory.expire,
        services.questions.expire,
        services.inline_questions.expire,
        services.feedback.expire,
        services.searches.expire,
    ):
        await asyncio.to_thread(forget)


async def requested_adds(context: DossierContext) -> None:
    """Add what admins asked replicas that follow a published copy to add, and report to them."""
    services = context.services
    if not services.ingesting:
        return
    requests = await asyncio.to_thread(services.add_requests.take)
    for request in requests:
        try:
            report = await services.ingestion.run(services.subscriptions.ingest, [request.url])
        except IngestionBusy:
            await asyncio.to_thread(services.add_requests.ask, [request.url], request.chat_id)
            return  # asked again, for the next round
        chat = await asyncio.to_thread(services.chats.get, request.chat_id)
        tr = translator(chat.notice_language)  # the admin who asked is not there to ask
        lines = texts.ingested([(r.status, r.what) for r in report], tr)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(request.chat_id, texts.listing(None, lines, tr))
