"""Subscriptions in-process: the commands, "Ask about this article", and the courier's delivery rules.

The real application, answering and subscription services over a copy of the seed index; Telegram is
faked at PTB's request layer. End-to-end runs of the bot process are in test_push.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.services import Services
from bot.settings import Settings
from bot.subscriptions.announcer import article_key
from bot.telegram.app import DossierApplication
from bot.telegram.courier import Courier
from bot.telegram.ingestion import QUEUED, WORKERS
from bot.telegram.subscribe import ADMIN_ONLY, BUSY, GROUP_ADMINS_ONLY
from index.fetch import FetchPolicy
from tests.fake_telegram import RecordingRequest
from tests.support.archive import copy_index
from tests.support.bot import bot_settings, deliver, recorded_app, services_of, with_onnx_export
from tests.support.hostile_site import HostileSite

GEOLOGY = "Which companies signed the geological exploration agreement?"
ADMIN = 9001
GROUP = -100_600


@pytest.fixture(scope="module")
def settings(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path_factory.mktemp("subscribe") / "data")
    return bot_settings(data_dir, admin_ids=[ADMIN], rate_limit_per_minute=30)


async def say(
    app: DossierApplication, request: RecordingRequest, chat_id: int, text: str, **fields: Any
) -> str:
    """The user writes; returns the text of the bot's last message in that chat."""
    request.api.push_message(chat_id, text, **fields)
    await deliver(app, request)
    return str(request.sent_messages(chat_id)[-1]["text"])


@asynccontextmanager
async def courier_running(app: DossierApplication) -> AsyncIterator[Courier]:
    courier = Courier(app.bot, services_of(app).subscriptions, services_of(app).send_rate)
    courier.start()
    try:
        yield courier
    finally:
        await courier.stop()


def queue_notice(
    app: DossierApplication, chats: list[int], title_start: str = "Kazakhstan and Russia"
) -> str:
    """Queue the notice of a seed article for these chats, as the announcer does; returns its doc_id."""
    subscriptions = services_of(app).subscriptions
    [document] = [d for d in services_of(app).answering.documents() if d.title.startswith(title_start)]
    key = f"{article_key(document)}#{time.monotonic()}"  # a fresh announcement each time
    subscriptions.store.announce(key, document.doc_id, chats)
    return document.doc_id


async def wait_until(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_private_chat_subscribes_to_everything_and_to_topics_then_unsubscribes(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        assert "every new article" in await say(app, request, 101, "/subscribe")
        assert "Already subscribed" in await say(app, request, 101, "/subscribe")
        reply = await say(app, request, 101, "/subscribe  Space   Programme ")
        assert "new articles about space programme" in reply
        listing = await say(app, request, 101, "/subscriptions")
        assert "every new article" in listing and "articles about space programme" in listing
        assert "Unsubscribed from space programme" in await say(
            app, request, 101, "/unsubscribe space programme"
        )
        assert "no such subscription" in await say(app, request, 101, "/unsubscribe football")
        assert "Unsubscribed from everything" in await say(app, request, 101, "/unsubscribe all")
        assert "No subscriptions" in await say(app, request, 101, "/subscriptions")


async def test_in_groups_only_admins_change_subscriptions(settings: Settings, services: Services) -> None:
    async with recorded_app(settings, services) as (app, request):
        member = await say(app, request, GROUP, "/subscribe", chat_type="supergroup", from_user_id=41)
        assert member == GROUP_ADMINS_ONLY
        request.api.set_chat_member(GROUP, 42, "administrator")
        admin = await say(app, request, GROUP, "/subscribe customs", chat_type="supergroup", from_user_id=42)
        assert "new articles about customs" in admin
        assert services_of(app).subscriptions.store.topics(GROUP) == ["customs"]


async def test_a_channel_subscribes_by_posting_the_command(settings: Settings, services: Services) -> None:
    channel = -100_601
    async with recorded_app(settings, services) as (app, request):
        assert "every new article" in await say(app, request, channel, "/subscribe", chat_type="channel")
        [subscription] = [
            s for s in services_of(app).subscriptions.store.subscriptions() if s.chat_id == channel
        ]
        assert subscription.chat_type == "channel"


async def test_admin_commands_are_refused_politely_to_everyone_else(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        for command in ("/add https://news.example/a", "/feeds", "/stats"):
            assert await say(app, request, 102, command) == ADMIN_ONLY
        stats = await say(app, request, ADMIN, "/stats", from_user_id=ADMIN)
        assert "articles: 2" in stats and "queued notices:" in stats and "last poll: never" in stats
        assert "Usage: /add URL" in await say(app, request, ADMIN, "/add", from_user_id=ADMIN)
        assert "No feeds yet" in await say(app, request, ADMIN, "/feeds", from_user_id=ADMIN)


async def test_notice_has_title_date_source_cited_summary_and_buttons(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request), courier_running(app):
        queue_notice(app, [103])
        [notice] = await request.api.wait_for_messages_async(103)
        lines = notice["text"].split("\n")
        assert lines[0] == "New article"
        assert lines[1].startswith("Kazakhstan and Russia") and "30 April 2021 · The Astana Times" in lines[1]
        summary = lines[3]
        assert 2 <= summary.count("[1]") <= 3 and lines[-1].startswith("[1] Kazakhstan and Russia")
        [[ask, read]] = notice["reply_markup"]["inline_keyboard"]
        assert ask["text"] == "Ask about this article" and ask["callback_data"].startswith("s:")
        assert read["url"].startswith("https://astanatimes.com/")


async def test_ask_about_this_article_answers_the_next_question_from_it_alone(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request), courier_running(app):
        queue_notice(app, [104], title_start="Prime Minister Askar Mamin")  # the Minsk article
        [notice] = await request.api.wait_for_messages_async(104)
        request.api.push_callback_query(
            104, notice["message_id"], notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        )
        await deliver(app, request)
        assert "Ask your question about Prime Minister Askar Mamin" in request.sent_messages(104)[-1]["text"]
        scoped = await say(app, request, 104, GEOLOGY)  # answered by the other article
        assert "Kazgeology" not in scoped and "Kazakhstan and Russia" not in scoped
        unscoped = await say(app, request, 104, GEOLOGY)
        assert "Kazgeology" in unscoped


async def test_blocked_and_vanished_chats_are_unsubscribed_and_the_rest_still_served(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        store = services_of(app).subscriptions.store
        for chat in (105, 106, 107):
            store.subscribe(chat)
        request.api.block_chat(105)
        request.api.delete_chat(106)
        async with courier_running(app):
            queue_notice(app, [105, 106, 107])
            await request.api.wait_for_messages_async(107)
            await wait_until(lambda: store.topics(105) == [] and store.topics(106) == [])
        assert store.topics(107) == [""]
        assert request.sent_messages(105) == [] and request.sent_messages(106) == []


async def test_flood_wait_is_honoured_before_the_notice_is_sent(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request), courier_running(app):
        request.api.fail_next("sendMessage", status=429, retry_after=1)
        queue_notice(app, [108])
        await request.api.wait_for_messages_async(108, timeout=10)
        refused, accepted = [c for c in request.api.calls_to("sendMessage") if c.params["chat_id"] == 108]
        assert refused.status == 429 and accepted.status == 200
        assert accepted.at - refused.at >= 1.0


async def test_two_notices_to_one_chat_are_a_second_apart(settings: Settings, services: Services) -> None:
    async with recorded_app(settings, services) as (app, request), courier_running(app):
        queue_notice(app, [109])
        # Other chats keep the courier busy, so only the per-chat gap can hold the second notice back.
        queue_notice(app, [109, *range(300, 330)], title_start="Prime Minister Askar Mamin")
        await request.api.wait_for_messages_async(109, 2, timeout=10)
        calls = [c for c in request.api.calls_to("sendMessage") if c.params["chat_id"] == 109]
        assert calls[1].at - calls[0].at >= 0.95


async def test_notice_of_a_removed_article_is_dropped_not_sent(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        store = services_of(app).subscriptions.store
        dropped = store.outbox_counts().get("dropped", 0)
        store.announce(f"gone#{time.monotonic()}", "0123456789abcdef", [110])
        async with courier_running(app):
            await wait_until(lambda: store.outbox_counts().get("dropped", 0) == dropped + 1)
        assert request.sent_messages(110) == []


async def test_a_server_error_is_retried_with_backoff_and_the_notice_still_arrives(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request), courier_running(app):
        request.api.fail_next("sendMessage", status=502, description="Bad Gateway")
        queue_notice(app, [111])
        await request.api.wait_for_messages_async(111, timeout=10)
        failed, delivered = [c for c in request.api.calls_to("sendMessage") if c.params["chat_id"] == 111]
        assert failed.status == 502 and delivered.status == 200
        assert delivered.at - failed.at >= 2.0  # the first retry waits two seconds


async def test_adds_of_a_trickling_page_hold_up_neither_answers_nor_more_than_their_queue(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = HostileSite()
    site.trickle("/slow", every=0.2)
    monkeypatch.setattr(
        services.subscriptions, "fetch_policy", FetchPolicy.allowing("127.0.0.1", deadline=1.5)
    )
    try:
        async with recorded_app(settings, services) as (app, request):
            adds = []
            for _ in range(WORKERS + QUEUED + 2):
                request.api.push_message(ADMIN, f"/add {site.base}/slow", from_user_id=ADMIN)
                update = Update.de_json(request.api.pending_updates[-1], app.bot)
                adds.append(asyncio.create_task(app.process_update(update)))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            assert "Kazgeology" in await say(app, request, 120, GEOLOGY)
            assert time.monotonic() - started < 2.0  # the adds run on threads of their own
            await asyncio.gather(*adds)
    finally:
        site.stop()
    replies = [m["text"] for m in request.sent_messages(ADMIN)]
    assert replies.count(BUSY) == 2
    assert sum("did not answer within 1.5 s" in r for r in replies) == WORKERS + QUEUED


async def test_a_flood_wait_in_one_chat_does_not_hold_up_answers_in_another(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.fail_next("sendMessage", status=429, retry_after=30)
        request.api.push_message(121, GEOLOGY)
        update = Update.de_json(request.api.pending_updates[-1], app.bot)
        waiting = asyncio.create_task(app.process_update(update))  # told to wait 30 s
        await request.api.wait_for_async(lambda: bool(request.api.calls_to("sendMessage")), timeout=10)
        started = time.monotonic()
        assert "Kazgeology" in await say(app, request, 122, GEOLOGY)
        assert time.monotonic() - started < 2.0
        assert not waiting.done()  # chat 121 still waits its 30 s, alone
        waiting.cancel()
