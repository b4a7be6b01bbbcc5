"""The handlers in-process: the real application and answering service, Telegram faked at PTB's request layer."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.services import Services, open_bot_services
from bot.settings import Settings
from bot.telegram import texts
from bot.telegram.app import CONCURRENT_UPDATES
from bot.telegram.rendering import MAX_ANSWER_MESSAGES
from index.answering.models import Answer, AnswerSentence, Citation
from index.archive import Archive
from index.models import Article
from tests.fake_telegram import RecordingRequest, parse_html
from tests.support.archive import FakeEmbedder, copy_index
from tests.support.bot import BOT_USERNAME, bot_settings, deliver, recorded_app, with_onnx_export

GEOLOGY = "Which companies signed the geological exploration agreement?"
BELARUS = "Who is the president of Belarus?"
GROUP = -100_777


@pytest.fixture(scope="module")
def settings(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path_factory.mktemp("handlers") / "data")
    return bot_settings(data_dir)


def sent(request: RecordingRequest, chat_id: int) -> list[dict[str, Any]]:
    return request.sent_messages(chat_id)


async def test_group_chatter_is_ignored_and_a_mention_is_answered_without_it(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(GROUP, BELARUS, chat_type="supergroup", from_user_id=11)
        await deliver(app, request)
        assert sent(request, GROUP) == []
        request.api.push_message(GROUP, f"{BELARUS} @{BOT_USERNAME}", chat_type="supergroup", from_user_id=11)
        await deliver(app, request)
        [answer] = sent(request, GROUP)
        assert "Lukashenko" in answer["text"]
        request.api.push_message(
            GROUP, f"@{BOT_USERNAME} {GEOLOGY}", chat_type="supergroup", from_user_id=11, edited=True
        )
        await deliver(app, request)  # an edit that mentions the bot is a question like any other
        assert "Kazgeology" in sent(request, GROUP)[-1]["text"]


async def test_edited_group_message_without_a_mention_stays_ignored(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(GROUP, GEOLOGY, chat_type="supergroup", from_user_id=12, edited=True)
        await deliver(app, request)
        assert sent(request, GROUP) == []


async def test_an_answer_shared_through_inline_mode_is_not_taken_for_a_question(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        via = {"id": 123456, "is_bot": True, "first_name": "Dossier", "username": BOT_USERNAME}
        request.api.push_message(22, "Kazakhstan and Russia signed an agreement [1].", via_bot=via)
        await deliver(app, request)
        assert sent(request, 22) == []


async def test_ask_without_a_question_explains_how(settings: Settings, services: Services) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(21, "/ask")
        await deliver(app, request)
        assert sent(request, 21)[0]["text"] == texts.ASK_USAGE


async def test_a_slow_question_does_not_hold_up_other_chats(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = services.answering.answer

    def slow_for_one_chat(question: str, history: Any = (), **options: Any) -> Answer:
        if question == BELARUS:
            time.sleep(1.0)  # blocking on purpose: only a worker thread keeps the event loop free
        return answer(question, history, **options)

    monkeypatch.setattr(services.answering, "answer", slow_for_one_chat)
    async with recorded_app(settings, services) as (app, request):
        assert app.update_processor.max_concurrent_updates == CONCURRENT_UPDATES
        request.api.push_message(31, BELARUS)
        slow = asyncio.create_task(deliver(app, request))
        await asyncio.sleep(0.05)
        request.api.push_message(32, GEOLOGY)
        started = time.monotonic()
        await deliver(app, request)
        assert time.monotonic() - started < 0.5 and not slow.done()
        await slow
    assert "Kazgeology" in sent(request, 32)[0]["text"] and "Lukashenko" in sent(request, 31)[0]["text"]


async def test_unexpected_failure_is_logged_and_the_user_told(
    settings: Settings,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(question: str, history: Any = (), **options: Any) -> Answer:
        raise RuntimeError("the index caught fire")

    monkeypatch.setattr(services.answering, "answer", broken)
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(41, GEOLOGY)
        with caplog.at_level(logging.ERROR, logger="bot.telegram.errors"):
            await deliver(app, request)
    assert [m["text"] for m in sent(request, 41)] == [texts.ERROR]
    [record] = [r for r in caplog.records if r.name == "bot.telegram.errors"]
    assert record.exc_info is not None and "the index caught fire" in str(record.exc_info[1])
    assert "the index caught fire" not in texts.ERROR and GEOLOGY not in record.getMessage()


def long_answer(question: str) -> Answer:
    """Thirty long sentences full of characters HTML must escape, citing two articles."""
    sentences = tuple(
        AnswerSentence(f"Sentence {i} says <b>x</b> & y {'é' * 250} 🙂.", (1 + i % 2,)) for i in range(30)
    )
    citations = tuple(
        Citation(n, f"{n:016x}", f"Title <{n}> & co", f"https://example.org/{n}?a=1&b=2", None, "Src", "q", 0)
        for n in (1, 2)
    )
    return Answer(question, sentences, citations, refused=False)


async def test_long_answer_is_split_between_sentences_with_buttons_on_the_last_part(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        services.answering, "answer", lambda question, history=(), **options: long_answer(question)
    )
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(51, GEOLOGY)
        await deliver(app, request)
    parts = sent(request, 51)
    assert len(parts) == MAX_ANSWER_MESSAGES
    for part in parts:
        assert parse_html(part["_params"]["text"]).text == part["text"]  # valid HTML, as Telegram read it
        assert len(part["text"].encode("utf-16-le")) // 2 <= 4096
        assert (
            part["text"].startswith("Sentence ")
            or part["text"].startswith("[1]")
            or "Sources" in part["text"]
        )
    whole = " ".join(p["text"] for p in parts)
    assert all(f"Sentence {i} says <b>x</b> & y" in whole for i in range(30))
    assert [("reply_markup" in p) for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "[2] Title <2> & co" in parts[-1]["text"]


async def test_refusal_lists_related_articles(settings: Settings, services: Services) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(61, "What is the population of Kazakhstan?")
        await deliver(app, request)
    [refusal] = sent(request, 61)
    assert refusal["text"].startswith("Sorry, the articles in the archive don't answer that.")
    assert "Related articles" in refusal["text"] and "/sources" in refusal["text"]
    [[up, down]] = refusal["reply_markup"]["inline_keyboard"]  # no sources to show, only 👍/👎
    assert (up["text"], down["text"]) == ("👍", "👎")


async def test_quote_button_for_an_article_no_longer_stored_says_so(
    settings: Settings, services: Services
) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(71, "/latest")
        await deliver(app, request)
        message_id = sent(request, 71)[0]["message_id"]
        request.api.push_callback_query(71, message_id, "q:00000000deadbeef:3")
        await deliver(app, request)
    [alert] = request.api.answered_callbacks
    assert alert["text"] == texts.GONE and alert["show_alert"] is True
    assert len(sent(request, 71)) == 1


async def test_empty_inline_query_offers_to_open_the_chat(settings: Settings, services: Services) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_inline_query("   ", from_user_id=81)
        await deliver(app, request)
    [answer] = request.api.inline_answers
    assert answer["results"] == [] and answer["button"]["start_parameter"] == "inline"


@pytest.fixture(scope="module")
def big_archive(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seeds plus nine dated articles (embedded with the fake embedder: only listing is tested)."""
    data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path_factory.mktemp("big") / "data")
    settings = bot_settings(data_dir)
    archive = Archive.open_or_create(settings.index_settings(), embedder=FakeEmbedder())
    articles = [
        (
            f"extra-{day}",
            Article(f"Report number {day}", (f"Something happened on day {day}.",), published=None),
        )
        for day in range(1, 10)
    ]
    archive.add(articles)
    archive.close()
    return settings


async def test_sources_pages_through_the_archive_with_buttons(big_archive: Settings) -> None:
    services = open_bot_services(big_archive)
    async with recorded_app(big_archive, services) as (app, request):
        request.api.push_message(91, "/sources")
        await deliver(app, request)
        [first] = sent(request, 91)
        assert first["text"].startswith("Articles in the archive (11, page 1 of 3)")
        [[older]] = first["reply_markup"]["inline_keyboard"]
        request.api.push_callback_query(91, first["message_id"], older["callback_data"])
        await deliver(app, request)
        [second] = sent(request, 91)  # the same message, edited
        assert second["text"].startswith("Articles in the archive (11, page 2 of 3)\n6. ")
        assert [b["text"] for b in second["reply_markup"]["inline_keyboard"][0]] == ["‹ Newer", "Older ›"]
        request.api.push_callback_query(91, first["message_id"], older["callback_data"])
        await deliver(app, request)  # a second tap on the same button: not an error
        assert sent(request, 91)[0]["text"] == second["text"]
    services.close()
    assert not [c for c in request.calls if c.status != 200 and c.method != "editMessageText"]
