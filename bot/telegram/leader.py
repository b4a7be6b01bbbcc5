"""Which replica leads: it alone broadcasts the outbox, announces new articles and polls feeds.

Every replica answers questions; jobs that must happen once happen on the leader. Leadership is a
lease in the bot's database (bot/state/replicas.py), renewed every LEAD_EVERY seconds; when the
leader dies its lease lapses and the next replica to try takes it over, courier and all. With one
process (SQLite) that process simply leads.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.state.replicas import Lease
from bot.telegram.context import LEASE_MARGIN, LEASE_TTL, BotServices, DossierContext
from index.errors import DossierError

logger = logging.getLogger(__name__)


async def lead(context: DossierContext) -> None:
    """Take or renew the lease, and start or stop this replica's courier to match."""
    await follow_lease(context.services)


async def follow_lease(services: BotServices) -> bool:
    """One renewal: True while this replica leads."""
    if services.lease is None:
        return False
    asked = time.monotonic()
    services.ingesting_until = (
        asked + LEASE_TTL - LEASE_MARGIN if await _holds(services.ingest_lease) else 0.0
    )
    try:
        held = await asyncio.to_thread(services.lease.hold)
    except DossierError as error:
        logger.warning("cannot renew the leader's lease: %s", error)
        held = False
    was_leading = services.leading
    # Counted from before the request: the lease may have been granted at any moment of it.
    services.leading_until = asked + LEASE_TTL - LEASE_MARGIN if held else 0.0
    courier = services.courier
    if held and not was_leading:
        logger.info("replica %s leads: broadcasting, announcing and polling feeds", services.lease.holder)
        if courier is not None and not courier.running:
            courier.start()
    elif not held and courier is not None and courier.running:
        logger.info("replica %s no longer leads; another replica broadcasts", services.lease.holder)
        await courier.stop()
    return held


async def _holds(lease: Lease | None) -> bool:
    if lease is None:
        return False
    try:
        return await asyncio.to_thread(lease.hold)
    except DossierError as error:
        logger.warning("cannot renew the %s lease: %s", lease.name, error)
        return False


async def release_lease(services: BotServices) -> None:
    """A replica stopping on purpose hands its leases over at once (its jobs have stopped)."""
    held = [(services.lease, services.leading), (services.ingest_lease, services.ingesting)]
    services.leading_until = services.ingesting_until = 0.0
    for lease, holding in held:
        if lease is None or not holding:
            continue
        try:
            await asyncio.to_thread(lease.release)
        except DossierError as error:
            logger.warning("cannot hand over the %s lease (it lapses by itself): %s", lease.name, error)
