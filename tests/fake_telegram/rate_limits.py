"""Telegram's flood limits for bots, as leaky buckets over accepted messages.

The numbers are the ones Telegram documents in its bot FAQ ("My bot is hitting limits, how do I avoid
this?"): about 30 messages per second overall, one per second in a private chat, 20 per minute in a
group. The buckets have the shape of PTB's AIORateLimiter (aiolimiter: `limit` at once, then refilled
at limit/window), so a bot that throttles the way PTB recommends passes and one that does not gets 429
deterministically. JITTER absorbs the delay between the bot's clock and the request's arrival.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

JITTER = 0.05  # seconds


@dataclass(frozen=True)
class RateLimits:
    """How many messages Telegram accepts per window before it answers 429."""

    overall_per_second: int = 30
    private_chat_per_second: int = 1
    group_per_minute: int = 20
    # sendMessage's allow_paid_broadcast: "up to 1000 messages per second, ignoring broadcasting
    # limits", paid in Stars (Bot API); such messages do not count towards the free overall rate.
    paid_per_second: int = 1000


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    level: float = 0.0
    checked: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one more message fits (0 if it fits now), leaking first."""
        self.level = max(self.level - (now - self.checked) * self.per_second, 0.0)
        self.checked = now
        overflow = self.level + 1 - self.capacity - JITTER * self.per_second
        return max(overflow, 0.0) / self.per_second


class FloodControl:
    """Not thread-safe on its own: the fake calls it under its state lock."""

    def __init__(self, limits: RateLimits):
        self.limits = limits
        self._overall = _Bucket(limits.overall_per_second, limits.overall_per_second)
        self._paid = _Bucket(limits.paid_per_second, limits.paid_per_second)
        self._per_chat: dict[int, _Bucket] = {}
        self.paid_accepted = 0  # messages sent as paid broadcasts: what the bot's owner pays for

    def retry_after(self, chat_id: int, chat_type: str, now: float, paid: bool = False) -> int | None:
        """Seconds to wait before a message to this chat is accepted, or None if it is accepted now.

        An accepted message is counted; a refused one is not, as in Telegram.
        """
        chat = self._chat_bucket(chat_id, chat_type, now)
        overall = self._paid if paid else self._overall
        wait = max(overall.wait(now), chat.wait(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        overall.level += 1
        chat.level += 1
        self.paid_accepted += paid
        return None

    def _chat_bucket(self, chat_id: int, chat_type: str, now: float) -> _Bucket:
        if chat_id not in self._per_chat:
            if chat_type in ("group", "supergroup", "channel"):
                limit = self.limits.group_per_minute
                self._per_chat[chat_id] = _Bucket(limit, limit / 60, checked=now)
            else:
                limit = self.limits.private_chat_per_second
                self._per_chat[chat_id] = _Bucket(limit, limit, checked=now)
        return self._per_chat[chat_id]
