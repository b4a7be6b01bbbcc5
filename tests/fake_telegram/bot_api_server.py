"""A strict fake Telegram Bot API server on 127.0.0.1, for end-to-end runs of the bot.

    with FakeBotApi() as telegram:
        # run the bot with base_url=telegram.base_url and token=telegram.token
        telegram.push_message(42, "/start")
        reply = telegram.wait_for_messages(42)[0]

Real HTTP, real long polling, Telegram's error shapes; see TelegramState for the test controls.
Webhooks are delivered too, but only to loopback addresses (route_webhook points a registered
public URL at a local one, as a reverse proxy would).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .checks import ApiError
from .http_params import read_params
from .methods import is_loopback
from .rate_limits import RateLimits
from .telegram_state import Call, TelegramState

__all__ = ["Call", "FakeBotApi", "RateLimits"]

logger = logging.getLogger(__name__)

BOT_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?")
# Webhook deliveries must never follow a proxy from the environment off this machine.
_LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FakeBotApi(TelegramState):
    """Serves the fake Telegram over HTTP; bound on construction, so base_url is known at once."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "dossier_test_bot",
        *,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
    ):
        super().__init__(token, bot_username, enforce_limits=enforce_limits, limits=limits)
        self._server = _Server(self)
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self._threads: list[threading.Thread] = []
        self._webhook_route: str | None = None

    def start(self) -> None:
        for target, name in ((self._serve, "http"), (self._deliver_webhooks, "webhook")):
            thread = threading.Thread(target=target, name=f"fake-bot-api-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self) -> None:
        # serve_forever checks for shutdown() between selects; the default 0.5 s would slow every test.
        self._server.serve_forever(poll_interval=0.02)

    def stop(self) -> None:
        """Ends long polls and deliveries, closes every connection and waits for the threads."""
        self._shutdown()
        if self._threads:
            self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> FakeBotApi:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def route_webhook(self, url: str | None) -> None:
        """Delivers webhook updates to this loopback URL whatever URL the bot registered (None: stop)."""
        with self._cond:
            self._webhook_route = url
            self._cond.notify_all()

    # Webhook delivery: one update at a time, in order, retried until the bot answers 2xx.

    def _deliver_webhooks(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or self._next_delivery() is not None)
                if self._stopping:
                    return
                delivery = self._next_delivery()
            if delivery is None:
                continue
            url, secret, update = delivery
            error = _post_update(url, secret, update)
            with self._cond:
                if error is None:
                    self._world.updates = [u for u in self._world.updates if u is not update]
                    self._world.webhook_error = None
                else:
                    self._world.webhook_error = (int(time.time()), error)
                    self._cond.wait(0.1)  # Telegram backs off too; stop() still wakes us at once
                self._cond.notify_all()

    def _next_delivery(self) -> tuple[str, str | None, dict[str, Any]] | None:
        webhook = self._world.webhook
        if webhook is None:
            return None
        url = self._webhook_route or webhook["url"]
        if not is_loopback(urlsplit(url).hostname):
            return None
        pending = self._world.deliverable(1)
        return (url, webhook["secret_token"], pending[0]) if pending else None


def _post_update(url: str, secret: str | None, update: dict[str, Any]) -> str | None:
    """POSTs one update as Telegram does; returns getWebhookInfo's last_error_message, or None."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with _LOOPBACK_OPENER.open(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as error:
        return f"Wrong response from the webhook: {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        return f"Connection failed: {error}"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a broadcast opens many connections at once

    def __init__(self, api: TelegramState):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._connections_lock:
            if is_open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Keep-alive connections would otherwise keep their handler threads reading forever."""
        with self._connections_lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-poll (PTB cancels long polls on shutdown) is not an error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool expects
    disable_nagle_algorithm = True  # headers and body are separate writes; Nagle would add 40 ms to each
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        api = self.server.api
        try:
            params = read_params(self)
            match = BOT_PATH.fullmatch(urlsplit(self.path).path)
            if match is None:
                raise ApiError(404, "Not Found")
            if match["token"] != api.token:
                raise ApiError(401, "Unauthorized")
            result = api.handle(match["method"], params)
        except ApiError as error:
            self._reply(error.status, error.payload())
        except Exception as error:
            # A bug in the fake: answer, so the bot fails with a message instead of a hung request.
            logger.exception("fake Bot API failed on %s", self.path.rsplit("/", 1)[-1])
            self._reply(500, ApiError(500, f"Internal Server Error: fake bug: {error!r}").payload())
        else:
            self._reply(200, {"ok": True, "result": result})

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client is gone; its request may be repeated

    def log_message(self, format: str, *args: Any) -> None:
        pass  # calls are recorded in FakeBotApi.calls; stderr noise would bury test output
