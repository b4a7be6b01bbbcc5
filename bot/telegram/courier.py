"""Delivering the outbox: every queued notice sent once, at the pace Telegram allows, across restarts.

A notice is marked sent the moment Telegram accepts it, so a crash or kill resumes from the rows still
pending. The one case that can repeat a notice is a kill between Telegram accepting a message and
that mark (a few milliseconds per message): Telegram has no idempotency key, and losing the notice
would be worse than sending it twice. A kill can so repeat at most IN_FLIGHT notices, the sends under
way (README; tests/test_push.py asserts it). A digest of several messages records each part as it
is accepted, so an interrupted digest resumes at its next part, and repeats at most the one in flight.

Pacing: the application's rate limiter (bot/telegram/flood.py) holds all sends to ~30 messages/s and
20 a minute per group or channel, and after a 429 holds that chat alone for its retry_after; a notice
refused so is put back in the outbox for then. This class sends notices evenly at
a little less than that overall rate (no bursts, and room left for answers to people's questions),
keeps private chats to one message a second, and reads a bounded page of the outbox at a time, so
memory does not grow with the number of subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.state.chats import ChatSettings
from bot.state.subscriptions import OutboxItem
from bot.subscriptions.service import SubscriptionService
from bot.telegram.deliveries import CourierSettings, Outgoing, messages_of

logger = logging.getLogger(__name__)

IN_FLIGHT = 32  # sends at once: enough to keep the rate limiter's 30/s busy over a slow network
PAGE = 200  # outbox rows read per look
CHAT_GAP = 1.0  # seconds between two messages to one private chat (Telegram: about one a second)
IDLE = 1.0  # seconds between looks at an empty outbox; announcing wakes the courier at once
MAX_ATTEMPTS = 8  # network failures before a notice is given up (backoff 2 s … ~4 min)
STOP_GRACE = 10.0  # seconds a shutdown waits for the sends already under way
# Share of the bot's overall send rate that notices may use: a broadcast to 10,000 chats then takes
# 10000 / 28.5 = 351 s instead of 333 s, and answers to questions asked meanwhile still get through.
BROADCAST_SHARE = 0.95


class Courier:
    """One background task that sends due notices from the outbox."""

    def __init__(
        self,
        bot: ExtBot[Any],
        service: SubscriptionService,
        send_rate: float,
        paid_rate: float = 0.0,
        may_send: Callable[[], bool] = lambda: True,
        settings: CourierSettings | None = None,
    ):
        """`send_rate` is the bot's overall messages per second (0: no cap); `paid_rate`, when above 0,
        sends notices as paid broadcasts at that rate instead; `may_send` says whether this replica
        still leads (a send is left in the outbox when it does not); `settings` are the chats' own
        (summary length, quiet hours)."""
        self.bot = bot
        self.service = service
        self.settings = settings
        self._paid = paid_rate > 0
        # One message every 1/rate seconds, never a burst: Telegram counts arrivals, not averages.
        rate = paid_rate if self._paid else send_rate * BROADCAST_SHARE
        self._pace = AsyncLimiter(1, 1 / rate) if rate > 0 else None
        self._may_send = may_send
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # outbox id -> its send
        self._last_sent: dict[int | str, float] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._run(), name="dossier-courier")

    def wake(self) -> None:
        """New notices were queued, or a send finished: look now rather than at the next tick."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop reading the outbox and let the sends under way finish (they are marked sent)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=STOP_GRACE)

    async def _run(self) -> None:
        while True:
            try:
                sendable = await self._next_page()
            except Exception:
                logger.exception("cannot read the outbox; trying again")
                sendable = []
            if not sendable:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 a cancel that lands as wait_for's
                # timeout fires can be lost, and stop() then waited for this task forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE):
                        await self._wake.wait()
                continue
            chats = await self._chat_settings(sendable)
            for item in sendable:
                await self._slots.acquire()
                chat = chats.get(item.chat_id) or ChatSettings(0)
                self._in_flight[item.id] = asyncio.create_task(self._deliver(item, chat))

    async def _chat_settings(self, items: list[OutboxItem]) -> dict[int | str, ChatSettings]:
        """The page's chats' settings, read at once (one query, not one per notice)."""
        if self.settings is None or not items:
            return {}
        try:
            return await asyncio.to_thread(self.settings.of, [i.chat_id for i in items])
        except Exception:
            logger.exception("cannot read the chats' settings; sending with the defaults")
            return {}

    async def _next_page(self) -> list[OutboxItem]:
        """Due notices not already under way, at most one per chat and none too soon after the last."""
        items = await asyncio.to_thread(self.service.store.due, PAGE)
        now = time.monotonic()
        self._last_sent = {c: t for c, t in self._last_sent.items() if now - t < CHAT_GAP}
        busy = {i.chat_id for i in items if i.id in self._in_flight} | set(self._last_sent)
        page = []
        for item in items:
            if item.id in self._in_flight or item.chat_id in busy:
                continue
            busy.add(item.chat_id)
            page.append(item)
        return page

    async def _deliver(self, item: OutboxItem, chat: ChatSettings) -> None:
        try:
            await self._send(item, chat)
        except Exception:  # one bad notice must not stop the others
            logger.exception("notice %d to chat %s failed", item.id, item.chat_id)
            await asyncio.to_thread(self.service.store.retry_later, item.id, _backoff(item), "unexpected")
        finally:
            self._in_flight.pop(item.id, None)
            self._slots.release()
            self.wake()  # its chat may be free now

    async def _send(self, item: OutboxItem, chat: ChatSettings) -> None:
        """Every message of the row still unsent (a digest may have several), then the row is sent."""
        store = self.service.store
        messages = await asyncio.to_thread(messages_of, item, self.service.notice, self.bot.username, chat)
        if messages is None:
            await asyncio.to_thread(store.drop, item.id, "article removed")
            return
        silent = self.settings is not None and self.settings.silent(chat)
        private = isinstance(item.chat_id, int) and item.chat_id > 0
        for part in range(item.parts_sent, len(messages)):
            if part > item.parts_sent and private:
                await asyncio.sleep(CHAT_GAP)  # the parts of a digest keep a private chat's pace too
            if not await self._send_one(item, messages[part], silent):
                return
            if part < len(messages) - 1:
                await asyncio.to_thread(store.mark_parts_sent, item.id, part + 1)
        self._last_sent[item.chat_id] = time.monotonic()
        await asyncio.to_thread(store.mark_sent, item.id)

    async def _send_one(self, item: OutboxItem, message: Outgoing, silent: bool) -> bool:
        """One message; True when Telegram accepted it, else what happened is recorded on the row."""
        store = self.service.store
        if self._pace is not None:
            await self._pace.acquire()
        if not self._may_send():  # another replica leads now: it sends what is still pending
            return False
        try:
            # No retries in the rate limiter: a chat told to wait is rescheduled in the outbox, and
            # its slot goes to another chat meanwhile.
            await self.bot.send_message(
                item.chat_id,
                message.text,
                reply_markup=message.markup,
                disable_notification=True if silent else None,
                rate_limit_args=0,
                allow_paid_broadcast=True if self._paid else None,
            )
        except Forbidden as error:
            logger.info("chat %s blocked the bot (%s): unsubscribing it", item.chat_id, error.message)
            await asyncio.to_thread(store.forget_chat, item.chat_id)
        except ChatMigrated as error:
            logger.info("chat %s is now %s: moving its subscriptions", item.chat_id, error.new_chat_id)
            await asyncio.to_thread(store.migrate_chat, int(item.chat_id), error.new_chat_id)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                logger.info("chat %s no longer exists: unsubscribing it", item.chat_id)
                await asyncio.to_thread(store.forget_chat, item.chat_id)
            else:
                logger.warning("notice %d to chat %s refused: %s", item.id, item.chat_id, error.message)
                await asyncio.to_thread(store.drop, item.id, error.message)
        except RetryAfter as error:  # this chat waits (and only it: bot/telegram/flood.py)
            delay = error.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            await asyncio.to_thread(store.retry_later, item.id, seconds, "flood control")
        except (TimedOut, NetworkError) as error:  # 5xx, timeouts, connection errors
            if item.attempts + 1 >= MAX_ATTEMPTS:
                await asyncio.to_thread(store.drop, item.id, f"gave up: {error.message}")
            else:
                await asyncio.to_thread(store.retry_later, item.id, _backoff(item), error.message)
        else:
            return True
        return False


def _backoff(item: OutboxItem) -> float:
    return 2.0 * 2**item.attempts
