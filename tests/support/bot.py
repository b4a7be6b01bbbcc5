"""Helpers for the bot tests: the application over a recording request, and the real `dossier bot` process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update

from bot.services import Services
from bot.settings import Settings
from bot.telegram.app import DossierApplication, build_application
from bot.telegram.context import SERVICES, BotServices
from tests.fake_telegram import FakeBotApi, RecordingRequest
from tests.support.archive import ROOT

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "dossier_test_bot"


def bot_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "telegram_token": TOKEN,
        "telegram_base_url": "http://127.0.0.1:9/bot",  # never used: requests go to RecordingRequest
        "rate_limit_per_minute": 5,
        "max_question_chars": 300,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def recorded_app(
    settings: Settings, services: Services
) -> AsyncIterator[tuple[DossierApplication, RecordingRequest]]:
    """The real application over the process's services (bot/services.py), initialized, with Bot API
    calls answered in-process and recorded."""
    request = RecordingRequest(TOKEN, BOT_USERNAME)
    application = build_application(settings, services, request=request)
    async with application:
        yield application, request


async def deliver(application: DossierApplication, request: RecordingRequest) -> None:
    """Hands the update the test just queued in the fake to the application, and waits for its handlers."""
    update = request.api.pending_updates[-1]
    await application.process_update(Update.de_json(update, application.bot))


def texts(request: RecordingRequest | FakeBotApi, chat_id: int) -> list[str]:
    return [m["text"] for m in request.sent_messages(chat_id)]


# The real process


def with_onnx_export(seed_data_dir: Path) -> Path:
    """The seed data directory with the model's ONNX export, so each bot process starts in about a second.

    conftest's seed_data_dir means to include the export, but under pytest's warnings-as-errors torch's
    TracerWarning aborts it; without the export every `dossier bot` process loads torch (~5 s).
    """
    from bot.settings import BUNDLED_MODEL
    from index.embedding import export_dir, load_document_embedder

    if not (export_dir(seed_data_dir, BUNDLED_MODEL) / "onnx" / "model.onnx").exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_document_embedder(BUNDLED_MODEL, seed_data_dir)
    return seed_data_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(data_dir: Path, telegram: FakeBotApi, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(
        HF_HUB_OFFLINE="1",
        DOSSIER_DATA_DIR=str(data_dir),
        DOSSIER_TELEGRAM_TOKEN=telegram.token,
        DOSSIER_TELEGRAM_BASE_URL=telegram.base_url,
    )
    env.update({f"DOSSIER_{k.upper()}": v for k, v in settings.items()})
    return env


class BotProcess:
    """`python -m bot -vv bot` as a subprocess, its log in a file; ready once it has published commands."""

    def __init__(self, env: dict[str, str], log: Path, *args: str):
        self.env = env
        self.log_path = log
        self.args = args or ("bot",)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready: Any, timeout: float = 60) -> BotProcess:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "-vv", *self.args], cwd=ROOT, env=self.env, stderr=log
            )
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the bot did not start:\n{self.log[-3000:]}")
            time.sleep(0.05)
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int:
        """SIGTERM, as Docker and systemd stop it; returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def replies_to(telegram: FakeBotApi, chat_id: int, message_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in telegram.sent_messages(chat_id)
        if m.get("reply_to_message", {}).get("message_id") == message_id
    ]


def wait_for_reply(telegram: FakeBotApi, chat_id: int, count: int, timeout: float = 15) -> dict[str, Any]:
    """The `count`-th message the bot sent to this chat, once it exists."""
    return telegram.wait_for_messages(chat_id, count, timeout)[count - 1]


@asynccontextmanager
async def polling_app(settings: Settings, services: Services) -> AsyncIterator[DossierApplication]:
    """The real application in this process, long polling the fake Bot API server over HTTP, with its
    start-up and stop hooks (the services are left open: tests share them)."""
    from bot.telegram.app import allowed_updates

    application = build_application(settings, services)
    async with application:
        assert application.post_init is not None and application.post_stop is not None
        await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=allowed_updates(), poll_interval=0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_stop(application)


async def run_job(application: DossierApplication, name: str) -> None:
    """Run a background job now instead of waiting for its interval."""
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name(name)
    await job.run(application)


def services_of(app: Any) -> BotServices:
    """The bot services a running application holds."""
    found = app.bot_data[SERVICES]
    assert isinstance(found, BotServices)
    return found


async def say(telegram: FakeBotApi, chat_id: int, text: str, **fields: Any) -> dict[str, Any]:
    """The user writes to a polling bot; returns the bot's next message in that chat."""
    before = len(telegram.sent_messages(chat_id))
    telegram.push_message(chat_id, text, **fields)
    return (await telegram.wait_for_messages_async(chat_id, before + 1))[before]


async def press(
    telegram: FakeBotApi, chat_id: int, message: dict[str, Any], data: str, **fields: Any
) -> None:
    """The user presses a button; returns once the bot has answered the press."""
    answered = len(telegram.answered_callbacks)
    telegram.push_callback_query(chat_id, message["message_id"], data, **fields)
    assert await telegram.wait_for_async(lambda: len(telegram.answered_callbacks) > answered)
