"""How many questions one user may ask per minute: a sliding window per user."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW_SECONDS = 60.0
SWEEP_EVERY = 1000  # checks between sweeps of idle users, so the table stays bounded


class Verdict(Enum):
    ALLOWED = "allowed"
    LIMITED = "limited"  # over the limit: tell the user once
    IGNORED = "ignored"  # still over the limit and already told: stay silent


class QuestionLimiter:
    """Per-user sliding-window limit. Used from the event loop only, so it needs no lock."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._told: set[int] = set()
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        """Count one question by this user, unless it is over the limit."""
        now = self._clock()
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self._sweep(now)
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - WINDOW_SECONDS:
            asked.popleft()
        if len(asked) < self.per_minute:
            asked.append(now)
            self._told.discard(user_id)
            return Verdict.ALLOWED
        if user_id in self._told:
            return Verdict.IGNORED
        self._told.add(user_id)
        return Verdict.LIMITED

    def retry_in(self, user_id: int) -> int:
        """Whole seconds until this user may ask again."""
        asked = self._asked.get(user_id)
        if not asked or len(asked) < self.per_minute:
            return 0
        return max(1, math.ceil(asked[0] + WINDOW_SECONDS - self._clock()))

    def _sweep(self, now: float) -> None:
        idle = [user for user, asked in self._asked.items() if not asked or asked[-1] <= now - WINDOW_SECONDS]
        for user in idle:
            del self._asked[user]
            self._told.discard(user)
