"""Telegram's flood limits kept as PTB's AIORateLimiter keeps them, except that a 429 holds only its chat.

AIORateLimiter stops every request of the bot while any one of them waits out a RetryAfter: a chat
told to wait 120 s made an unrelated user wait 118 s for an answer. The Bot API's retry_after is "the
number of seconds left to wait before the request can be repeated" (ResponseParameters): here the
requests to that chat wait, and no others. The overall ~30 messages a second and 20 a minute per
group are kept with the same aiolimiter buckets PTB uses; "typing" skips the queue, since a late
chat action is worse than none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.state.replicas import SendPace

logger = logging.getLogger(__name__)

ChatKey = int | str
PAID_BROADCAST_MAX = 1000  # messages a second Telegram allows with allow_paid_broadcast
_PRUNE_AT = 1024  # chats remembered as paused before expired pauses are forgotten


class ChatRateLimiter(BaseRateLimiter[int]):
    """Overall and per-group pacing; after a 429, only requests to the chat that got it wait.

    `rate_limit_args` of a request is how often to retry it after a 429 (default `max_retries`;
    0: raise RetryAfter at once, as the courier wants, to reschedule the notice in its outbox).
    """

    def __init__(
        self,
        overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND,
        group_max_rate: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: float = 60,
        max_retries: int = 0,
        shared: SharedPaces | None = None,
        on_send: Callable[[str], None] = lambda result: None,
    ):
        """`shared`: paces kept in the database for several replicas; they replace the overall rate.
        `on_send` hears how each sendMessage ended: "ok", "429", "403" or "error" (the metrics)."""
        self._shared = shared
        self._on_send = on_send
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate and shared is None else None
        # Paid broadcasts (allow_paid_broadcast) are outside the free overall rate, up to 1000 a second.
        self._paid = AsyncLimiter(PAID_BROADCAST_MAX, 1) if shared is None else None
        self._group_rate = (group_max_rate, group_time_period)
        self._groups: dict[ChatKey, AsyncLimiter] = {}
        self._paused: dict[ChatKey, float] = {}  # chat -> time.monotonic() when it may be sent to again
        self.max_retries = max_retries

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        chat = _chat_key(data.get("chat_id"))
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._wait_for(chat)
            paid = bool(data.get("allow_paid_broadcast"))
            try:
                async with self._group(chat), self._overall_for(chat, paid):
                    await self._shared_slot(chat, paid)
                    result = await callback(*args, **kwargs)
                    self._count(endpoint, "ok")
                    return result
            except RetryAfter as error:
                self._count(endpoint, "429")
                seconds = _seconds(error.retry_after)
                self._pause(chat, seconds)
                if attempt == retries:
                    raise
                logger.info("flood control: requests to chat %s wait %.0f s", chat, seconds)
                if chat is None:  # answerCallbackQuery and the like: only this request waits
                    await asyncio.sleep(seconds)
            except Forbidden:
                self._count(endpoint, "403")
                raise
            except TelegramError:
                self._count(endpoint, "error")
                raise
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _count(self, endpoint: str, result: str) -> None:
        if endpoint == "sendMessage":
            self._on_send(result)

    async def _wait_for(self, chat: ChatKey | None) -> None:
        until = self._paused.get(chat) if chat is not None else None
        if until is not None and until > time.monotonic():
            await asyncio.sleep(until - time.monotonic())

    def _pause(self, chat: ChatKey | None, seconds: float) -> None:
        if chat is None:
            return
        now = time.monotonic()
        if len(self._paused) >= _PRUNE_AT:
            self._paused = {c: t for c, t in self._paused.items() if t > now}
        self._paused[chat] = max(self._paused.get(chat, 0.0), now + seconds)

    def _group(self, chat: ChatKey | None) -> contextlib.AbstractAsyncContextManager[Any]:
        # As AIORateLimiter: negative ids and @names are groups and channels; private chats have no bucket.
        rate, period = self._group_rate
        if chat is None or (isinstance(chat, int) and chat > 0) or not rate:
            return contextlib.nullcontext()
        if chat not in self._groups:
            if len(self._groups) >= _PRUNE_AT:
                self._groups = {
                    c: lim for c, lim in self._groups.items() if not lim.has_capacity(lim.max_rate)
                }
            self._groups[chat] = AsyncLimiter(rate, period)
        return self._groups[chat]

    def _overall_for(self, chat: ChatKey | None, paid: bool) -> contextlib.AbstractAsyncContextManager[Any]:
        # Only messages to chats count towards the ~30 a second, as in AIORateLimiter.
        limiter = self._paid if paid else self._overall
        return limiter if limiter is not None and chat is not None else contextlib.nullcontext()

    async def _shared_slot(self, chat: ChatKey | None, paid: bool) -> None:
        """With several replicas: wait for this message's slot in the pace they share."""
        if self._shared is None or chat is None:
            return
        pace = self._shared.paid if paid else self._shared.free
        delay = await asyncio.to_thread(pace.reserve)
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass(frozen=True)
class SharedPaces:
    """The bot token's send rates kept in the database, so that replicas together stay within them."""

    free: SendPace  # ~30 messages a second, answers and notices alike
    paid: SendPace  # notices sent as paid broadcasts (DOSSIER_PAID_BROADCAST_RATE)


def _chat_key(chat_id: Any) -> ChatKey | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)
    return str(chat_id)


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
