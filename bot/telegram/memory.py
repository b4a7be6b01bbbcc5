"""Each chat's last few turns, so follow-up questions can lean on earlier ones, and its chosen article."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from index.answering.models import Turn

MAX_TURNS = 3  # the service only reads the last turn; a little more gives it room
TTL_SECONDS = 30 * 60  # a question half an hour later starts a new conversation
MAX_CHATS = 10_000  # the least recently used chat is forgotten first


class TurnMemory:
    """Bounded, expiring per-chat history. Used from the event loop only, so it needs no lock."""

    def __init__(
        self,
        max_turns: int = MAX_TURNS,
        ttl_seconds: float = TTL_SECONDS,
        max_chats: int = MAX_CHATS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._max_turns = max_turns
        self._ttl = ttl_seconds
        self._max_chats = max_chats
        self._clock = clock
        self._chats: OrderedDict[int, deque[tuple[float, Turn]]] = OrderedDict()
        self._focus: OrderedDict[int, tuple[float, str]] = OrderedDict()

    def history(self, chat_id: int) -> tuple[Turn, ...]:
        """The chat's unexpired turns, oldest first."""
        turns = self._chats.get(chat_id)
        if not turns:
            return ()
        oldest = self._clock() - self._ttl
        while turns and turns[0][0] < oldest:
            turns.popleft()
        if not turns:
            del self._chats[chat_id]
        return tuple(turn for _, turn in turns)

    def remember(self, chat_id: int, turn: Turn) -> None:
        turns = self._chats.pop(chat_id, None) or deque(maxlen=self._max_turns)
        turns.append((self._clock(), turn))
        self._chats[chat_id] = turns
        while len(self._chats) > self._max_chats:
            self._chats.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)
        self._focus.pop(chat_id, None)

    def focus(self, chat_id: int, doc_id: str) -> None:
        """The chat's next question is about this article ("Ask about this article")."""
        self._focus.pop(chat_id, None)
        self._focus[chat_id] = (self._clock(), doc_id)
        while len(self._focus) > self._max_chats:
            self._focus.popitem(last=False)

    def take_focus(self, chat_id: int) -> str | None:
        """The article the chat chose for its next question, once; None if none or it expired."""
        chosen = self._focus.pop(chat_id, None)
        if chosen is None or chosen[0] < self._clock() - self._ttl:
            return None
        return chosen[1]

    def __len__(self) -> int:
        return len(self._chats)
