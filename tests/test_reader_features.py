"""Digests, quiet hours, settings, feedback, /search and /new, end to end: the real application long
polling the strict fake Bot API over HTTP on 127.0.0.1, its clock moved instead of waiting for hours."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.services import Services
from bot.settings import Settings
from bot.telegram.context import BotServices
from bot.telegram.digests import queue_digest
from bot.telegram.permissions import SETTINGS_ADMINS_ONLY
from bot.telegram.preferences import DIGEST_USAGE
from index.answering.evaluate import read_questions
from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index, run_dossier
from tests.support.bot import (
    bot_env,
    bot_settings,
    polling_app,
    press,
    run_job,
    say,
    services_of,
    with_onnx_export,
)

ALMATY = ZoneInfo("Asia/Almaty")
GEOLOGY = "Which companies signed the geological exploration agreement?"
OFF_TOPIC = "Who won the Tour de France in 2022?"
GROUP = -100_321


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def almaty(*parts: int) -> float:
    return datetime(*parts, tzinfo=ALMATY).timestamp()  # type: ignore[misc]


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="module")
def settings(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, telegram: FakeBotApi) -> Settings:
    data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path_factory.mktemp("reader") / "data")
    return bot_settings(data_dir, telegram_base_url=telegram.base_url, rate_limit_per_minute=30)


def current(telegram: FakeBotApi, chat_id: int, message: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in telegram.sent_messages(chat_id) if m["message_id"] == message["message_id"])


async def edited(telegram: FakeBotApi, chat_id: int, message: dict[str, Any], how: Any) -> dict[str, Any]:
    """The message once an edit made `how(message)` true (a press is answered before the edit)."""
    assert await telegram.wait_for_async(lambda: how(current(telegram, chat_id, message))), telegram.describe(
        "the message was not edited as expected"
    )
    return current(telegram, chat_id, message)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def seed_documents(bot: BotServices) -> list[str]:
    return [d.doc_id for d in bot.answering.documents()]


async def silence(telegram: FakeBotApi, chat_id: int, count: int, seconds: float = 1.5) -> None:
    """Nothing more arrives in this chat for a while (the courier looks every second)."""
    await asyncio.sleep(seconds)
    assert len(telegram.sent_messages(chat_id)) == count, telegram.describe("unexpected message")


async def test_a_digest_lists_the_new_articles_once_at_its_hour_and_nothing_new_sends_nothing(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 3001
    clock = Clock(almaty(2026, 5, 1, 7, 0))
    async with polling_app(settings, services) as app:
        bot = services_of(app)
        bot.clock = clock
        assert "every new article" in (await say(telegram, chat, "/subscribe"))["text"]
        assert "Asia/Almaty" in (await say(telegram, chat, "/timezone asia/almaty"))["text"]
        assert (await say(telegram, chat, "/digest hourly"))["text"] == DIGEST_USAGE
        reply = await say(telegram, chat, "/digest daily 08:00")
        assert "a digest daily at 08:00 (Asia/Almaty)" in reply["text"]
        for n, doc_id in enumerate(seed_documents(bot)):
            bot.subscriptions.store.announce(f"digest-test-{n}", doc_id, [chat])
        await silence(telegram, chat, 4)  # no notice: the articles wait for the digest
        clock.now = almaty(2026, 5, 1, 7, 59)
        await run_job(app, "digests")
        await silence(telegram, chat, 4)
        clock.now = almaty(2026, 5, 1, 8, 0, 20)
        await run_job(app, "digests")
        digest = (await telegram.wait_for_messages_async(chat, 5))[4]
        assert digest["text"].startswith("Daily digest · 2 new articles")
        assert "[1] " in digest["text"] and "[2] " in digest["text"]
        assert "Kazakhstan and Russia" in digest["text"] and "Askar Mamin" in digest["text"]
        labels = [b["text"] for b in buttons(digest)]
        assert labels[:2] == ["[1] Ask about this article", "[1] Read the article"] and len(labels) == 4
        await run_job(app, "digests")  # the same hour again: already sent
        clock.now = almaty(2026, 5, 2, 8, 0, 20)
        await run_job(app, "digests")  # a day later with nothing new: no message
        await silence(telegram, chat, 5)
        bot.subscriptions.store.announce("digest-test-late", seed_documents(bot)[0], [chat])
    # Stopped with a digest due: it is queued while no bot runs, and the next one delivers it once.
    clock.now = almaty(2026, 5, 3, 8, 0, 5)
    [due] = bot.chats.due_digests(clock.now)
    assert queue_digest(bot, due, "dossier_test_bot", clock.now)
    async with polling_app(settings, services):
        late = (await telegram.wait_for_messages_async(chat, 6))[5]
        assert late["text"].startswith("Daily digest · 1 new article")
        await silence(telegram, chat, 6)


async def test_notices_in_quiet_hours_arrive_without_sound_and_others_with_it(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 3002
    clock = Clock(almaty(2026, 5, 1, 23, 30))
    async with polling_app(settings, services) as app:
        bot = services_of(app)
        bot.clock = clock
        await say(telegram, chat, "/subscribe")
        await say(telegram, chat, "/timezone Asia/Almaty")
        assert "22:00–07:00" in (await say(telegram, chat, "/quiet 22:00 07:00"))["text"]
        bot.subscriptions.store.announce("quiet-night", seed_documents(bot)[0], [chat])
        night = (await telegram.wait_for_messages_async(chat, 4))[3]
        clock.now = almaty(2026, 5, 2, 12, 0)
        bot.subscriptions.store.announce("quiet-noon", seed_documents(bot)[1], [chat])
        noon = (await telegram.wait_for_messages_async(chat, 5))[4]
    assert night["text"].startswith("New article") and night["_params"]["disable_notification"] is True
    assert noon["text"].startswith("New article") and "disable_notification" not in noon["_params"]


async def test_settings_buttons_change_the_chat_and_in_groups_only_for_admins(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    async with polling_app(settings, services) as app:
        bot = services_of(app)
        view = await say(telegram, GROUP, "/settings", chat_type="supergroup", from_user_id=51)
        assert "Delivery: every new article" in view["text"] and "Quiet hours: off" in view["text"]
        daily = next(b["callback_data"] for b in buttons(view) if b["text"] == "Daily digest")
        await press(telegram, GROUP, view, daily, from_user_id=51)  # a member, not an admin
        assert telegram.answered_callbacks[-1]["text"] == SETTINGS_ADMINS_ONLY
        assert bot.chats.get(GROUP).digest is None
        telegram.set_chat_member(GROUP, 52, "administrator")
        await press(telegram, GROUP, view, daily, from_user_id=52)
        shown = await edited(telegram, GROUP, view, lambda m: "a digest daily at 08:00 (UTC)" in m["text"])
        assert "✓ Daily digest" in [b["text"] for b in buttons(shown)]
        one = next(b["callback_data"] for b in buttons(shown) if b["text"] == "1 sentence")
        await press(telegram, GROUP, shown, one, from_user_id=52)
        await edited(telegram, GROUP, view, lambda m: "up to 1 sentence a new article" in m["text"])
        assert bot.chats.get(GROUP).summary_sentences == 1 and bot.chats.get(GROUP).digest_due_at
        await say(telegram, GROUP, "/exclude Football", chat_type="supergroup", from_user_id=52)
        shown = await say(telegram, GROUP, "/settings", chat_type="supergroup", from_user_id=52)
        [include] = [b for b in buttons(shown) if b["text"].startswith("✕ football")]
        await press(telegram, GROUP, shown, include["callback_data"], from_user_id=52)
        assert bot.chats.excluded(GROUP) == []


async def test_feedback_with_its_reason_reaches_the_export_without_the_chat(
    telegram: FakeBotApi, settings: Settings, services: Services, seed_data_dir: Path
) -> None:
    asker, refused_chat = 987_654_321, 987_654_322
    async with polling_app(settings, services):
        answer = await say(telegram, asker, GEOLOGY)
        up, down = buttons(answer)[-2:]
        assert (up["text"], down["text"]) == ("👍", "👎") and len(down["callback_data"].encode()) <= 64
        await press(telegram, asker, answer, down["callback_data"])
        asked = await edited(telegram, asker, answer, lambda m: "Wrong source" in str(m["reply_markup"]))
        reasons = [b["text"] for b in buttons(asked)]
        assert reasons[-4:] == ["Wrong answer", "Wrong source", "Should have answered", "Should have refused"]
        assert reasons[0].startswith("[1] Quote in context")  # the answer's own buttons stay
        wrong_source = next(b for b in buttons(asked) if b["text"] == "Wrong source")
        await press(telegram, asker, answer, wrong_source["callback_data"])
        assert telegram.answered_callbacks[-1]["text"].startswith("Noted: wrong source.")
        done = await edited(telegram, asker, answer, lambda m: "Wrong source" not in str(m["reply_markup"]))
        assert not any(b.get("callback_data", "").startswith("f:") for b in buttons(done))
        assert buttons(done)[0]["text"].startswith("[1] Quote in context")
        refusal = await say(telegram, refused_chat, OFF_TOPIC)
        await press(telegram, refused_chat, refusal, buttons(refusal)[-2]["callback_data"])  # 👍
    env = bot_env(settings.data_dir, telegram)
    listed = run_dossier(env, "feedback", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    by_chat = {f["chat_id"]: f for f in json.loads(listed.stdout)}
    assert by_chat[asker]["rating"] == "down" and by_chat[asker]["reason"] == "wrong source"
    export = settings.data_dir / "feedback.jsonl"
    done = run_dossier(env, "feedback", "export", str(export))
    assert done.returncode == 0 and "2 eval case(s)" in done.stderr, done.stderr
    assert str(asker) not in export.read_text() and str(refused_chat) not in export.read_text()
    cases = {c.question: c for c in read_questions(export)}
    assert cases[GEOLOGY].answerable and cases[GEOLOGY].answers == () and cases[GEOLOGY].doc is None
    assert not cases[OFF_TOPIC].answerable
    line = json.loads(export.read_text().splitlines()[0])
    assert line["given"]["citations"][0]["title"] and line["given"]["revision"] == services.archive.revision


async def test_search_pages_through_passages_and_its_buttons_survive_a_restart(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 3004
    async with polling_app(settings, services):
        first = await say(telegram, chat, "/search geological exploration agreement")
        assert first["text"].startswith("Passages for “geological exploration agreement” (page 1 of 5)")
        assert "1. Kazakhstan and Russia" in first["text"] and "30 April 2021" in first["text"]
        assert any(e["type"] == "text_link" for e in first["entities"])  # titles link to the articles
        [following] = buttons(first)
        await press(telegram, chat, first, following["callback_data"])
        await edited(telegram, chat, first, lambda m: "(page 2 of 5)" in m["text"])
    async with polling_app(settings, services):  # a new process: the search is in the database
        back = next(b for b in buttons(current(telegram, chat, first)) if b["text"] == "‹ Previous")
        await press(telegram, chat, first, back["callback_data"])
        await edited(telegram, chat, first, lambda m: "(page 1 of 5)" in m["text"])
        assert "Put the words after" in (await say(telegram, chat, "/search"))["text"]


async def test_new_forgets_the_conversation(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 3005
    async with polling_app(settings, services) as app:
        await say(telegram, chat, GEOLOGY)
        assert services_of(app).memory.history(chat)
        assert "new conversation" in (await say(telegram, chat, "/new"))["text"]
        assert services_of(app).memory.history(chat) == ()


async def test_other_settings_changed_at_the_digests_hour_do_not_put_it_off_and_off_sends_what_waited(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 3006
    clock = Clock(almaty(2026, 6, 1, 7, 0))
    async with polling_app(settings, services) as app:
        bot = services_of(app)
        bot.clock = clock
        await say(telegram, chat, "/subscribe")
        await say(telegram, chat, "/timezone Asia/Almaty")
        await say(telegram, chat, "/digest weekly monday 08:00")  # 1 June 2026 is a Monday
        bot.subscriptions.store.announce("hour-test-1", seed_documents(bot)[0], [chat])
        clock.now = almaty(2026, 6, 1, 8, 0, 5)  # due, and the job has not looked yet
        await say(telegram, chat, "/quiet 23:00 06:00")
        await run_job(app, "digests")
        digest = (await telegram.wait_for_messages_async(chat, 5))[4]
        assert digest["text"].startswith("Weekly digest · 1 new article")
        bot.subscriptions.store.announce("hour-test-2", seed_documents(bot)[1], [chat])
        assert "every new article" in (await say(telegram, chat, "/digest off"))["text"]
        notice = (await telegram.wait_for_messages_async(chat, 7))[6]
        assert notice["text"].startswith("New article") and bot.chats.waiting(chat) == []
