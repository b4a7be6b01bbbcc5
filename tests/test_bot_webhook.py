"""`dossier bot` in webhook mode: real HTTP POSTs to its port, with and without Telegram's secret header."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index
from tests.support.bot import BotProcess, bot_env, free_port, wait_for_reply, with_onnx_export

SECRET = "s3cret-Webhook_token"
QUESTION = "Which companies signed the geological exploration agreement?"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="module")
def hook_url() -> str:
    return f"http://127.0.0.1:{free_port()}/telegram-hook"


@pytest.fixture(scope="module")
def bot(
    telegram: FakeBotApi, hook_url: str, seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("bot-webhook")
    env = bot_env(
        copy_index(with_onnx_export(seed_data_dir), home / "data"),
        telegram,
        webhook_url=hook_url,
        webhook_listen="127.0.0.1",
        webhook_port=hook_url.split(":")[2].split("/")[0],
        webhook_secret=SECRET,
    )
    port = int(hook_url.split(":")[2].split("/")[0])
    # Registered and listening: PTB may register the webhook before its server accepts connections.
    process = BotProcess(env, home / "bot.log").start(
        lambda: telegram.webhook is not None and listening(port)
    )
    yield process
    assert process.stop() == 0, process.log[-3000:]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def message_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": f"User{chat_id}"}
    chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    message = {"message_id": 1, "date": int(time.time()), "chat": chat, "from": user, "text": text}
    return {"update_id": update_id, "message": message}


def test_webhook_is_registered_with_the_secret(telegram: FakeBotApi, bot: BotProcess, hook_url: str) -> None:
    webhook = telegram.webhook
    assert webhook is not None
    assert webhook["url"] == hook_url and webhook["secret_token"] == SECRET
    assert set(webhook["allowed_updates"]) == {
        *("message", "edited_message", "callback_query", "inline_query"),
        "channel_post",  # /subscribe in a channel
    }


def test_post_without_or_with_a_wrong_secret_is_rejected(
    telegram: FakeBotApi, bot: BotProcess, hook_url: str
) -> None:
    telegram.add_chat(4001)
    assert post(hook_url, message_update(900_001, 4001, QUESTION), None) == 403
    assert post(hook_url, message_update(900_002, 4001, QUESTION), "not-the-secret") == 403
    time.sleep(0.5)
    assert telegram.sent_messages(4001) == []


def test_post_with_the_secret_is_answered(telegram: FakeBotApi, bot: BotProcess, hook_url: str) -> None:
    telegram.add_chat(4002)
    assert post(hook_url, message_update(900_003, 4002, QUESTION), SECRET) == 200
    assert "Kazgeology" in wait_for_reply(telegram, 4002, 1)["text"]


def test_updates_telegram_delivers_are_answered(telegram: FakeBotApi, bot: BotProcess) -> None:
    telegram.push_message(4003, "/start")
    assert "2 news articles" in wait_for_reply(telegram, 4003, 1)["text"]
    assert telegram.calls_to("getUpdates") == []


def post_oversized(url: str, megabytes: int) -> str:
    """POSTs a body of that size without the secret; how it ended: a status or the connection's error."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.putrequest("POST", parts.path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(megabytes * 1024 * 1024))
        connection.endheaders()
        chunk = b" " * (1024 * 1024)
        for _ in range(megabytes):
            connection.send(chunk)
        return str(connection.getresponse().status)
    except OSError as error:  # the server hung up rather than read on: what a cap looks like
        return type(error).__name__
    finally:
        connection.close()


def resident_mib(bot: BotProcess) -> float:
    assert bot.process is not None
    status = Path(f"/proc/{bot.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


def test_oversized_posts_are_refused_before_their_body_is_read(
    telegram: FakeBotApi, bot: BotProcess, hook_url: str
) -> None:
    before = resident_mib(bot)
    with ThreadPoolExecutor(12) as posts:
        endings = list(posts.map(lambda _: post_oversized(hook_url, 20), range(12)))
    assert "200" not in endings and "403" not in endings, endings  # refused for its size, unread
    assert resident_mib(bot) - before < 40  # 12 x 20 MB would otherwise have been held at once
    telegram.add_chat(4004)
    assert post(hook_url, message_update(900_004, 4004, QUESTION), SECRET) == 200  # still serving
    assert "Kazgeology" in wait_for_reply(telegram, 4004, 1)["text"]


def test_neither_token_nor_secret_reaches_the_log(telegram: FakeBotApi, bot: BotProcess) -> None:
    log = bot.log
    assert "setWebhook" in log  # PTB logs the call and its parameters at debug level
    assert SECRET not in log and telegram.token not in log
