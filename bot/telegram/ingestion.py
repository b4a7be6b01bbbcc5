"""Adding articles while the bot runs, on threads of its own: answers never wait behind ingestion.

/add, the watched folder and feeds fetch pages and embed articles, seconds to a minute each (every
fetch has its deadline, index/fetch.py; every article its budget, index/ingest.py). They used to run
on the event loop's default executor with the answers, where six /add of a page that trickled took
every worker thread and nobody was answered for 90 s. Here they get two threads and a short queue;
when that is full, /add says so at once rather than piling up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
WORKERS = 2  # the archive takes one write at a time; a second thread fetches meanwhile
QUEUED = 6  # jobs waiting for a thread before more are refused
STOP_GRACE = 10.0  # seconds a shutdown waits for the ingestion under way


class IngestionBusy(Exception):
    """WORKERS jobs are running and QUEUED are waiting."""


class Ingestion:
    """A bounded pool for blocking ingestion work, used from the event loop only."""

    def __init__(self, workers: int = WORKERS, queued: int = QUEUED):
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="dossier-ingest")
        self._capacity = workers + queued
        self._jobs = 0

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on an ingestion thread; IngestionBusy when the queue is full."""
        if self._jobs >= self._capacity:
            raise IngestionBusy
        self._jobs += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, functools.partial(function, *args))
        finally:
            self._jobs -= 1

    async def stop(self) -> None:
        """Drop what is queued; give what runs STOP_GRACE seconds to finish (its fetch has a deadline)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        done = asyncio.to_thread(self._executor.shutdown, wait=True)
        try:
            await asyncio.wait_for(done, STOP_GRACE)
        except TimeoutError:
            logger.warning("ingestion still running at shutdown; it stops with the process")
