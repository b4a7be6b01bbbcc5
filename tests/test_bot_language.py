"""The bot in the reader's language, end to end: the real application long polling the strict fake Bot
API on 127.0.0.1 (which refuses what Telegram refuses: a message over 4096 characters, a command
description over 256, callback data over 64 bytes), spoken to from Telegram apps in Russian, Kazakh and
German, and switched with /language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import LANGUAGES, translator
from bot.services import Services
from bot.settings import Settings
from bot.telegram.context import SERVICES, BotServices
from bot.telegram.examples import ArchiveSummary
from bot.telegram.permissions import LANGUAGE_ADMINS_ONLY
from bot.telegram.rendering import MESSAGE_LIMIT, utf16_len
from bot.telegram.texts import about, greeting, help_text
from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index
from tests.support.bot import bot_settings, polling_app, press, say, with_onnx_export

GEOLOGY = "Which companies signed the geological exploration agreement?"
OFF_TOPIC = "Who won the Tour de France in 2022?"
GROUP = -100_416


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="module")
def settings(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, telegram: FakeBotApi) -> Settings:
    data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path_factory.mktemp("language") / "data")
    return bot_settings(data_dir, telegram_base_url=telegram.base_url, rate_limit_per_minute=30)


async def edited_to(telegram: FakeBotApi, chat_id: int, message: dict[str, Any], text: str) -> dict[str, Any]:
    def now() -> dict[str, Any]:
        return next(m for m in telegram.sent_messages(chat_id) if m["message_id"] == message["message_id"])

    assert await telegram.wait_for_async(lambda: text in now()["text"]), telegram.describe("not edited")
    return now()


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def data_of(message: dict[str, Any], label: str) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return str(next(b["callback_data"] for row in rows for b in row if b["text"].endswith(label)))


async def test_a_reader_whose_telegram_is_in_russian_is_greeted_helped_and_answered_in_russian(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 4001
    telegram.set_language(chat, "ru")
    async with polling_app(settings, services):
        greeting = await say(telegram, chat, "/start")
        assert "В архиве 2 новостные статьи, с 17 июля 2020 г. по 30 апреля 2021 г." in greeting["text"]
        assert "Спрашивайте меня об архиве новостей." in (await say(telegram, chat, "/help"))["text"]
        refusal = await say(telegram, chat, OFF_TOPIC)
        assert refusal["text"].startswith("К сожалению, статьи в архиве не отвечают на этот вопрос.")
        answer = await say(telegram, chat, GEOLOGY)
    # The quote stays in its article's language; only the words around it are the reader's.
    assert "[1]" in answer["text"] and "\n\nИсточники\n[1] " in answer["text"]
    assert "agreement" in answer["text"] and "Цитата в контексте" in labels(answer)[0]


async def test_a_kazakh_app_gets_kazakh_and_an_app_in_another_language_english(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    telegram.set_language(4002, "kk")
    telegram.set_language(4003, "de-AT")
    kazakh = translator("kk").gettext("Ask me about the news archive.")
    assert kazakh != "Ask me about the news archive."
    async with polling_app(settings, services):
        assert kazakh in (await say(telegram, 4002, "/help"))["text"]
        assert "Ask me about the news archive." in (await say(telegram, 4003, "/help"))["text"]


async def test_dossier_language_speaks_to_apps_in_other_languages_and_leaves_english_apps_english(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    telegram.set_language(4011, "de-AT")
    telegram.set_language(4012, "en")
    russian = translator("ru").gettext("Ask me about the news archive.")
    async with polling_app(settings.model_copy(update={"language": "ru"}), services):
        assert russian in (await say(telegram, 4011, "/help"))["text"]
        assert "Ask me about the news archive." in (await say(telegram, 4012, "/help"))["text"]


async def test_language_switches_the_chat_and_its_command_menu_and_automatic_switches_back(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 4004
    scope = {"type": "chat", "chat_id": chat}
    async with polling_app(settings, services) as app:
        view = await say(telegram, chat, "/language")
        assert view["text"].startswith("I speak to each person in their Telegram app's language")
        assert labels(view) == ["English", "Русский", "Қазақша", "✓ Each person's Telegram language"]
        await press(telegram, chat, view, data_of(view, "Русский"))
        shown = await edited_to(telegram, chat, view, "Язык этого чата: Русский. Выберите другой:")
        assert labels(shown) == ["English", "✓ Русский", "Қазақша", "Язык Telegram каждого"]
        menu = telegram.commands_for(scope)
        assert {"command": "language", "description": "Язык бота: English, Русский, Қазақша"} in menu
        assert "Спрашивайте меня об архиве новостей." in (await say(telegram, chat, "/help"))["text"]
        await press(telegram, chat, shown, data_of(shown, "Язык Telegram каждого"))
        await edited_to(telegram, chat, view, "I speak to each person")
        assert telegram.commands_for(scope) == []  # the chat falls back to the menu of each app's language
        assert "Ask me about the news archive." in (await say(telegram, chat, "/help"))["text"]
        assert app.bot_data[SERVICES].chats.get(chat).language is None


async def test_in_a_group_only_admins_choose_its_language(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    telegram.set_language(61, "ru")
    async with polling_app(settings, services) as app:
        bot: BotServices = app.bot_data[SERVICES]
        view = await say(telegram, GROUP, "/language", chat_type="supergroup", from_user_id=61)
        kazakh = data_of(view, "Қазақша")
        await press(telegram, GROUP, view, kazakh, from_user_id=61)
        assert telegram.answered_callbacks[-1]["text"] == translator("ru").gettext(LANGUAGE_ADMINS_ONLY)
        assert bot.chats.get(GROUP).language is None
        telegram.set_chat_member(GROUP, 62, "administrator")
        await press(telegram, GROUP, view, kazakh, from_user_id=62)
        assert bot.chats.get(GROUP).language == "kk"
        # Now everyone there is answered in Kazakh, whatever their own app's language.
        reply = await say(telegram, GROUP, "/ask", chat_type="supergroup", from_user_id=61)
        assert reply["text"] == translator("kk").gettext(
            "Put your question after the command, e.g. /ask Who signed the agreement?"
        )


async def test_notices_go_out_in_the_language_of_whoever_subscribed_the_chat(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    chat = 4005
    telegram.set_language(chat, "ru")
    async with polling_app(settings, services) as app:
        bot: BotServices = app.bot_data[SERVICES]
        subscribed = await say(telegram, chat, "/subscribe")
        assert subscribed["text"].startswith("Подписка оформлена: этот чат получает каждую новую статью")
        doc_id = bot.answering.documents()[0].doc_id
        bot.subscriptions.store.announce("language-notice", doc_id, [chat])
        notice = (await telegram.wait_for_messages_async(chat, 2))[1]
    assert notice["text"].startswith("Новая статья")
    assert labels(notice) == ["Спросить об этой статье", "Читать статью"]


async def test_the_command_menu_is_published_in_every_language_within_telegrams_limits(
    telegram: FakeBotApi, settings: Settings, services: Services
) -> None:
    async with polling_app(settings, services):
        english = telegram.commands_for()
    for code in ("ru", "kk"):
        described = telegram.commands_for(language_code=code)
        assert [c["command"] for c in described] == [c["command"] for c in english]
        assert all(ours != theirs for ours, theirs in zip(described, english, strict=True)), code


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_longest_fixed_messages_fit_one_telegram_message_in_every_language(language: str) -> None:
    """Help, /about and the greeting are sent whole: in the wordiest language, with the longest names and
    numbers, their HTML (longer than the text Telegram counts) stays within one message."""
    tr = translator(language)
    day = date(2021, 9, 30)
    summary = ArchiveSummary(
        10**6, day, day.replace(year=2020), tuple("Q" * 300 + "?" for _ in range(3)), "r"
    )
    longest = (
        help_text("b" * 32, 10**6, 10**6, tr),
        about(summary, tr.date(day), tr),
        greeting("N" * 64, summary, tr),
    )
    # Measured: 1650, 714, 1240 UTF-16 units in English; Kazakh's are the longest (1815, 757, 1315).
    assert [utf16_len(text) <= MESSAGE_LIMIT for text in longest] == [True, True, True]


async def test_a_failure_is_apologised_for_in_the_readers_language(
    telegram: FakeBotApi, settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(question: str, history: Any = (), **options: Any) -> Any:
        raise RuntimeError("the index caught fire")

    chat = 4006
    telegram.set_language(chat, "ru")
    async with polling_app(settings, services):
        monkeypatch.setattr(services.answering, "answer", broken)  # once started: start-up asks questions
        sorry = await say(telegram, chat, GEOLOGY)
    assert sorry["text"] == "Извините, что-то пошло не так. Пожалуйста, попробуйте ещё раз чуть позже."
