"""A PTB request class that answers Bot API calls in-process, for fast handler tests.

    request = RecordingRequest()
    bot = telegram.Bot(request.api.token, request=request, get_updates_request=request)
    await handler(update, context)
    assert request.sent_messages(42)[0]["text"] == "..."

Same idea as PTB's OfflineRequest and aiogram's MockedSession, but instead of fixed canned JSON it
answers from the same model of Telegram as FakeBotApi, in lenient mode: any chat, message or query id
a test invents is taken as real, while text, HTML, keyboards and inline results are checked exactly
as the server checks them. set_result replaces the answer for one method.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from .checks import ApiError
from .methods import CANONICAL_NAMES
from .telegram_state import Call, TelegramState

Result = Callable[[dict[str, Any]], Any]


class RecordingRequest(BaseRequest):
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "dossier_test_bot",
        *,
        api: TelegramState | None = None,
    ):
        self.api = api or TelegramState(token, bot_username, lenient=True)
        self._results: dict[str, Result] = {}

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def set_result(self, method: str, result: Any) -> None:
        """Answers `method` with `result` (a JSON value, a TelegramObject, or a function of the params).

        The fake's checks still run first for methods it knows; None removes the override.
        """
        canonical = CANONICAL_NAMES.get(method.lower(), method)
        if result is None:
            self._results.pop(canonical, None)
        elif callable(result):
            self._results[canonical] = result
        else:
            self._results[canonical] = lambda params: result

    # The inspection and failure-injection API of the fake, for convenience.

    @property
    def calls(self) -> list[Call]:
        return self.api.calls

    def calls_to(self, method: str) -> list[Call]:
        return self.api.calls_to(method)

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return self.api.sent_messages(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        self.api.fail_next(
            method, status=status, retry_after=retry_after, description=description, times=times
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        canonical = CANONICAL_NAMES.get(api_method.lower(), api_method)
        override = self._results.get(canonical)
        if canonical not in CANONICAL_NAMES.values() and override is None:
            # An InvalidToken("Not Found") from PTB would hide what is missing; say it plainly.
            raise NotImplementedError(
                f"RecordingRequest does not model {api_method}; give it a result with "
                f"request.set_result({api_method!r}, ...)"
            )
        params = _params(request_data)
        try:
            if canonical == "getUpdates":
                # A long poll waits on a lock; a worker thread keeps the event loop free meanwhile.
                result = await asyncio.to_thread(self.api.handle, api_method, params, override=override)
            else:
                result = self.api.handle(api_method, params, override=override)
        except ApiError as error:
            return error.status, json.dumps(error.payload()).encode()
        return 200, json.dumps({"ok": True, "result": result}, default=_to_json).encode()


def _params(request_data: RequestData | None) -> dict[str, Any]:
    """The parameters exactly as HTTPXRequest would post them: strings, JSON-encoded where structured."""
    if request_data is None:
        return {}
    params: dict[str, Any] = dict(request_data.json_parameters)
    for name, upload in request_data.multipart_data.items():
        params[name] = {"filename": upload[0], "content_type": upload[2] if len(upload) > 2 else None}
    return params


def _to_json(value: Any) -> Any:
    """Lets set_result take PTB objects (Message, User, ...) as well as plain JSON."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
