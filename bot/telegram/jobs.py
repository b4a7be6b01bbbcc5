"""The heartbeat that `dossier health` checks (following the index is push.py's job)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from telegram.ext import Application

from bot.telegram.context import DossierContext

logger = logging.getLogger(__name__)
HEARTBEAT_EVERY = 30  # seconds
HEARTBEAT_STALE = 3 * HEARTBEAT_EVERY  # `dossier health` calls the bot dead after this long


def register(application: Application) -> None:  # type: ignore[type-arg]
    jobs = application.job_queue
    assert jobs is not None, "install python-telegram-bot[job-queue]"
    # APScheduler cannot start an interval at 0, so the first beat is a job of its own (PTB's advice),
    # allowed to run late: it is scheduled now but the job queue only starts once start-up is done.
    jobs.run_once(beat, when=0, name="first heartbeat", job_kwargs={"misfire_grace_time": None})
    jobs.run_repeating(beat, interval=HEARTBEAT_EVERY, name="heartbeat")


async def beat(context: DossierContext) -> None:
    """Touch the heartbeat file; the event loop running this job is what `dossier health` vouches for."""
    path = context.services.heartbeat
    if path is None:
        return
    try:
        await asyncio.to_thread(path.touch)
    except OSError as error:
        logger.warning("cannot write the heartbeat file %s: %s", path, error.strerror)


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the bot last touched its heartbeat file, or None if it never has."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
