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
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

ChatKey = int | str
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
    ):
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate else None
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
            try:
                async with self._group(chat), self._overall_for(chat):
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = _seconds(error.retry_after)
                self._pause(chat, seconds)
                if attempt == retries:
                    raise
                logger.info("flood control: requests to chat %s wait %.0f s", chat, seconds)
                if chat is None:  # answerCallbackQuery and the like: only this request waits
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # the last attempt returns or raises

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

    def _overall_for(self, chat: ChatKey | None) -> contextlib.AbstractAsyncContextManager[Any]:
        # Only messages to chats count towards the ~30 a second, as in AIORateLimiter.
        return self._overall if self._overall is not None and chat is not None else contextlib.nullcontext()


def _chat_key(chat_id: Any) -> ChatKey | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)
    return str(chat_id)


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
