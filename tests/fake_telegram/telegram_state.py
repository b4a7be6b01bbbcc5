"""The fake Telegram behind one lock: method dispatch, recorded calls, injected failures, test controls.

FakeBotApi serves this over HTTP; RecordingRequest calls it in-process. Everything public here is safe
to call from any thread, including while the bot is polling.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import ApiError, coerce_params, telegram_error
from .methods import CANONICAL_NAMES, METHODS
from .rate_limits import FloodControl, RateLimits
from .updates import DEFAULT_USER_ID, bot_user_dict
from .user_actions import press_button, type_inline_query, write_message
from .world import World

CONFLICT_WEBHOOK = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
CONFLICT_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)


@dataclass
class Call:
    """One Bot API request as the fake received it (params decoded to JSON types)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None  # None while the request is still running (a long poll)
    error: str | None = None


class TelegramState:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "dossier_test_bot",
        *,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        lenient: bool = False,
    ):
        self.token = token
        self.bot_user = bot_user_dict(token, bot_username)
        # One re-entrant lock for everything, so predicates given to wait_for may call our getters.
        self._cond = threading.Condition(threading.RLock())
        flood = FloodControl(limits or RateLimits()) if enforce_limits else None
        self._world = World(self.bot_user, lenient=lenient, flood=flood)
        self._calls: list[Call] = []
        self._failures: dict[str, list[Callable[[], ApiError]]] = {}
        self._holds: dict[str, int] = {}  # method -> successful calls after which the next ones wait
        self._held = 0
        self._releases = 0
        self._poll_generation = itertools.count(1)
        self._current_poll = 0
        self._stopping = False

    # The Bot API

    def handle(
        self,
        method: str,
        raw_params: Mapping[str, Any],
        *,
        override: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        """Runs one Bot API call and returns its JSON `result`; raises ApiError like Telegram.

        `override` supplies the result instead (after the usual checks, for methods the fake knows).
        """
        canonical = CANONICAL_NAMES.get(method.lower(), method)
        call = Call(canonical, dict(raw_params), time.time())
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        try:
            call.params = coerce_params(raw_params)
            self._wait_if_held(canonical)
            result = self._dispatch(canonical, call.params, override)
        except ApiError as error:
            self._finish(call, error.status, error.description)
            raise
        except Exception as error:
            self._finish(call, 500, f"fake bug: {error!r}")
            raise
        self._finish(call, 200, None)
        return result

    def _dispatch(
        self, method: str, params: dict[str, Any], override: Callable[[dict[str, Any]], Any] | None
    ) -> Any:
        with self._cond:
            failures = self._failures.get(method)
            if failures:
                raise failures.pop(0)()
            if override is not None:
                if method in METHODS:
                    METHODS[method](self._world, params)  # still refuse what Telegram would refuse
                return override(params)
            if method == "getUpdates":
                return copy.deepcopy(self._get_updates(params))
            if method not in METHODS:
                raise ApiError(404, "Not Found")
            # Copies, so a later edit cannot change a result that is still being serialised.
            return copy.deepcopy(METHODS[method](self._world, params))

    def _wait_if_held(self, method: str) -> None:
        """A held call waits for release() and then fails as if it never reached Telegram."""
        with self._cond:
            limit = self._holds.get(method)
            if limit is None or sum(c.method == method and c.status == 200 for c in self._calls) < limit:
                return
            self._held += 1
            self._cond.notify_all()
            releases = self._releases
            while releases == self._releases and not self._stopping:
                self._cond.wait()
            self._held -= 1
        raise ApiError(502, "Bad Gateway")

    def _finish(self, call: Call, status: int, error: str | None) -> None:
        with self._cond:
            call.status, call.error = status, error
            self._cond.notify_all()

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._world.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self._world.confirm(int(params.get("offset") or 0))
        if params.get("allowed_updates") is not None:
            self._world.allowed_updates = list(params["allowed_updates"])  # persists, as in Telegram
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0.0)
        # A newer getUpdates ends an older one with 409, which is how Telegram reports two bot instances.
        self._current_poll = poll = next(self._poll_generation)
        self._cond.notify_all()
        while True:
            if self._stopping:
                return []
            if poll != self._current_poll:
                raise ApiError(409, CONFLICT_POLLER)
            batch = self._world.deliverable(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                return batch
            self._cond.wait(remaining)

    def _shutdown(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    # Test controls: the world

    def add_chat(
        self, chat_id: int, type: str = "private", title: str | None = None, username: str | None = None
    ) -> dict[str, Any]:
        """Makes a chat known to the fake (pushing a message from it does the same)."""
        with self._cond:
            return dict(self._world.add_chat(chat_id, type, title, username))

    def set_chat_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        """getChatMember's answer for this user: creator, administrator, member, left or kicked."""
        with self._cond:
            self._world.members[(chat_id, user_id)] = status

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """The language of this user's Telegram app, as their updates will carry it (None: unknown)."""
        with self._cond:
            self._world.languages[user_id] = language_code

    def block_chat(self, chat_id: int) -> None:
        """The user blocks the bot (or removes it from the group): sends answer 403 Forbidden."""
        with self._cond:
            self._world.blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._cond:
            self._world.blocked.discard(chat_id)

    def delete_chat(self, chat_id: int) -> None:
        """The chat disappears: every method naming it answers 400 "chat not found"."""
        with self._cond:
            self._world.deleted.add(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail with a Telegram-shaped error of this status."""
        canonical = CANONICAL_NAMES.get(method.lower(), method)
        with self._cond:
            self._failures.setdefault(canonical, []).extend(
                [lambda: telegram_error(status, description, retry_after)] * times
            )

    def hold(self, method: str, after: int) -> None:
        """After `after` successful calls of `method`, further calls hang until release() (a stalled
        network); then they fail with 502, having changed nothing."""
        with self._cond:
            self._holds[CANONICAL_NAMES.get(method.lower(), method)] = after

    def release(self) -> None:
        with self._cond:
            self._holds.clear()
            self._releases += 1
            self._cond.notify_all()

    @property
    def held(self) -> int:
        """Calls waiting at a hold right now."""
        with self._cond:
            return self._held

    def push_update(self, update: dict[str, Any]) -> int:
        """Queues a raw update (its update_id is assigned here) and returns the update_id."""
        with self._cond:
            update_id = self._world.enqueue(copy.deepcopy(update))
            self._cond.notify_all()
            return update_id

    def push_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        from_user_id: int | None = None,
        chat_type: str = "private",
        reply_to_bot: bool = False,
        entities: list[dict[str, Any]] | None = None,
        edited: bool = False,
        **fields: Any,
    ) -> int:
        """A user writes in a chat; returns the message_id. `fields` adds e.g. photo=[...] or sticker={...}.

        A leading /command and @mentions get their entities unless `entities` is given; a private
        chat's sender is the chat's user, a group's is DEFAULT_USER_ID unless from_user_id says.
        """
        with self._cond:
            message_id = write_message(
                self._world,
                chat_id,
                text,
                from_user_id=from_user_id,
                chat_type=chat_type,
                reply_to_bot=reply_to_bot,
                entities=entities,
                edited=edited,
                fields=fields,
            )
            self._cond.notify_all()
            return message_id

    def push_callback_query(
        self, chat_id: int, message_id: int, data: str, from_user_id: int | None = None
    ) -> str:
        """A user presses an inline button under a message the bot sent; returns the query id."""
        with self._cond:
            query_id = press_button(self._world, chat_id, message_id, data, from_user_id)
            self._cond.notify_all()
            return query_id

    def push_inline_query(self, query: str, from_user_id: int = DEFAULT_USER_ID) -> str:
        """A user types "@bot query" in any chat; returns the query id."""
        with self._cond:
            query_id = type_inline_query(self._world, query, from_user_id)
            self._cond.notify_all()
            return query_id

    # Inspection

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        canonical = CANONICAL_NAMES.get(method.lower(), method)
        with self._cond:
            return [call for call in self._calls if call.method == canonical]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent, oldest first, as they are now (after edits); "_params" is the last request."""
        with self._cond:
            return copy.deepcopy(self._world.sent_messages(chat_id))

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._cond:
            return copy.deepcopy(self._world.webhook)

    @property
    def commands(self) -> list[dict[str, str]]:
        """The default-scope, all-language command list (setMyCommands without scope)."""
        return self.commands_for()

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        with self._cond:
            key = self._world.commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._world.commands.get(key, []))

    @property
    def answered_callbacks(self) -> list[dict[str, Any]]:
        with self._cond:
            return copy.deepcopy(self._world.answered_callbacks)

    @property
    def inline_answers(self) -> list[dict[str, Any]]:
        with self._cond:
            return copy.deepcopy(self._world.inline_answers)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        with self._cond:
            return copy.deepcopy(self._world.updates)

    # Waiting

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> bool:
        """Blocks until predicate() is true (re-checked on every change) or timeout; returns the last result.

        This blocks the calling thread: from a test whose bot runs in the same event loop, use
        wait_for_async instead.
        """
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """All messages the bot has sent to chat_id once there are at least `count`; AssertionError if not."""
        if not self.wait_for(lambda: len(self._world.sent_messages(chat_id)) >= count, timeout):
            raise AssertionError(
                self.describe(f"expected {count} message(s) in chat {chat_id} within {timeout}s")
            )
        return self.sent_messages(chat_id)

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 10) -> bool:
        """wait_for without blocking the event loop the bot may be running in."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def wait_for_messages_async(
        self, chat_id: int, count: int = 1, timeout: float = 10
    ) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)

    def describe(self, headline: str) -> str:
        """A dump of what the bot did, for assertion messages."""
        with self._cond:
            lines = [headline, "messages sent:"]
            lines += [
                f"  chat {m['chat']['id']} #{m['message_id']}: {m.get('text')!r}"
                for m in self._world.sent_messages(None)
            ] or ["  (none)"]
            polls = [call for call in self._calls if call.method == "getUpdates"]
            last_poll = f", the last answered {polls[-1].status} {polls[-1].error or ''}" if polls else ""
            lines.append(
                f"pending updates: {len(self._world.updates)}; getUpdates calls: {len(polls)}{last_poll}"
            )
            lines.append("other calls, latest last:")
            for call in [call for call in self._calls if call.method != "getUpdates"][-20:]:
                lines.append(f"  {call.method} {call.params} -> {call.status} {call.error or ''}".rstrip())
            return "\n".join(lines)
