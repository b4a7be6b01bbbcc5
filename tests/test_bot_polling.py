"""The real `dossier bot` process, long polling a strict fake Telegram on 127.0.0.1, used as people use it.

One bot process serves the whole module; every test talks from its own chat (and so its own user), so
the per-user rate limit of 5 questions a minute only bites where a test wants it to.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index
from tests.support.bot import BOT_USERNAME, BotProcess, bot_env, replies_to, wait_for_reply, with_onnx_export

BELARUS = "Who is the president of Belarus?"
GEOLOGY = "Which companies signed the geological exploration agreement?"
OFF_TOPIC = "Who won the Tour de France in 2022?"
GROUP = -100_500


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="module")
def bot(
    telegram: FakeBotApi, seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("bot-polling")
    env = bot_env(
        copy_index(with_onnx_export(seed_data_dir), home / "data"),
        telegram,
        rate_limit_per_minute="5",
        max_question_chars="300",
    )
    process = BotProcess(env, home / "bot.log").start(lambda: bool(telegram.commands))
    yield process
    assert process.stop() == 0, process.log[-3000:]


def ask(telegram: FakeBotApi, chat_id: int, text: str | None, count: int, **fields: Any) -> dict[str, Any]:
    """Sends as the user of a private chat and returns the bot's `count`-th message there."""
    telegram.push_message(chat_id, text, **fields)
    return wait_for_reply(telegram, chat_id, count)


def html_of(message: dict[str, Any]) -> str:
    params = message["_params"]
    assert params["parse_mode"] == "HTML"
    return str(params["text"])


def test_start_publishes_commands_and_greets_with_what_the_archive_holds(
    telegram: FakeBotApi, bot: BotProcess
) -> None:
    assert [c["command"] for c in telegram.commands] == [
        *("start", "help", "ask", "sources", "latest", "about"),
        *("subscribe", "unsubscribe", "subscriptions"),
        *("settings", "digest", "timezone", "quiet", "exclude", "language", "search", "new"),
    ]
    greeting = ask(telegram, 1001, "/start", 1)["text"]
    assert "2 news articles, from 17 July 2020 to 30 April 2021" in greeting
    examples = [line for line in greeting.splitlines() if line.startswith("• ")]
    assert len(examples) == 3 and all(e.endswith("?") for e in examples)


def test_example_question_from_the_greeting_gets_an_answer(telegram: FakeBotApi, bot: BotProcess) -> None:
    greeting = ask(telegram, 1002, "/start", 1)["text"]
    example = next(line[2:] for line in greeting.splitlines() if line.startswith("• "))
    answer = ask(telegram, 1002, example, 2)
    assert "[1]" in answer["text"] and "Sources" in answer["text"]


def test_question_gets_cited_html_answer_with_linked_sources_and_buttons(
    telegram: FakeBotApi, bot: BotProcess
) -> None:
    answer = ask(telegram, 1003, BELARUS, 1)
    assert "Alexander Lukashenko" in answer["text"] and "[1]" in answer["text"]
    assert "\n\nSources\n[1] Prime Minister Askar Mamin participates" in answer["text"]
    assert "17 July 2020 · Prime Minister of the Republic of Kazakhstan" in answer["text"]
    links = [e["url"] for e in answer.get("entities", []) if e["type"] == "text_link"]
    assert links and links[0].startswith("https://primeminister.kz/")
    assert '<a href="https://primeminister.kz/' in html_of(answer)
    [[quote, article], [up, down]] = answer["reply_markup"]["inline_keyboard"]
    assert quote["callback_data"].startswith("q:") and article["url"] == links[0]
    assert (up["text"], down["text"]) == ("👍", "👎") and down["callback_data"].startswith("f:")


def test_chat_shows_typing_before_the_answer_arrives(telegram: FakeBotApi, bot: BotProcess) -> None:
    ask(telegram, 1004, GEOLOGY, 1)
    calls = [c for c in telegram.calls if c.params.get("chat_id") == 1004]
    methods = [c.method for c in calls]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert calls[methods.index("sendChatAction")].params["action"] == "typing"


def test_source_button_shows_the_cited_sentence_between_its_neighbours(
    telegram: FakeBotApi, bot: BotProcess
) -> None:
    answer = ask(telegram, 1005, GEOLOGY, 1)
    button = answer["reply_markup"]["inline_keyboard"][0][0]
    query_id = telegram.push_callback_query(1005, answer["message_id"], button["callback_data"])
    context = wait_for_reply(telegram, 1005, 2)
    assert telegram.wait_for(
        lambda: any(c["callback_query_id"] == query_id for c in telegram.answered_callbacks)
    )
    assert context["reply_to_message"]["message_id"] == answer["message_id"]
    bold = [
        context["text"][e["offset"] : e["offset"] + e["length"]]
        for e in context["entities"]
        if e["type"] == "bold"
    ]
    assert any("Kazgeology and Rosgeologia" in b for b in bold)
    assert any(e["type"] == "blockquote" for e in context["entities"])
    assert context["reply_markup"]["inline_keyboard"][0][0]["url"].startswith("https://astanatimes.com/")


def test_follow_up_question_reads_the_previous_one(telegram: FakeBotApi, bot: BotProcess) -> None:
    ask(telegram, 1006, GEOLOGY, 1)
    follow_up = ask(telegram, 1006, "When was it published?", 2)
    assert "30 April 2021" in follow_up["text"]
    fresh = ask(telegram, 1007, "When was it published?", 1)  # another chat has no history
    assert "30 April 2021" not in fresh["text"]


def test_refusal_is_friendly_and_points_to_sources(telegram: FakeBotApi, bot: BotProcess) -> None:
    refusal = ask(telegram, 1008, OFF_TOPIC, 1)["text"]
    assert refusal.startswith("Sorry, the articles in the archive don't answer that.")
    assert "/sources" in refusal and "[1]" not in refusal


def test_sources_and_latest_list_articles_with_links(telegram: FakeBotApi, bot: BotProcess) -> None:
    sources = ask(telegram, 1009, "/sources", 1)
    assert sources["text"].startswith("Articles in the archive (2, page 1 of 1)")
    assert len([e for e in sources["entities"] if e["type"] == "text_link"]) == 2
    latest = ask(telegram, 1009, "/latest", 2)["text"]
    assert latest.index("Kazakhstan and Russia Sign") < latest.index("Prime Minister Askar Mamin")
    assert "/sources" in ask(telegram, 1010, "/help", 1)["text"]
    assert "holds 2 news articles" in ask(telegram, 1010, "/about", 2)["text"]


def test_group_messages_are_answered_only_when_addressed(telegram: FakeBotApi, bot: BotProcess) -> None:
    telegram.add_chat(GROUP, "supergroup", title="Newsroom")
    chatter = telegram.push_message(GROUP, BELARUS, chat_type="supergroup", from_user_id=2001)
    mention = telegram.push_message(
        GROUP, f"@{BOT_USERNAME} {BELARUS}", chat_type="supergroup", from_user_id=2001
    )
    answer = wait_for_reply(telegram, GROUP, 1)
    assert answer["reply_to_message"]["message_id"] == mention and "Lukashenko" in answer["text"]
    reply = telegram.push_message(
        GROUP, GEOLOGY, chat_type="supergroup", from_user_id=2002, reply_to_bot=True
    )
    assert "Kazgeology" in wait_for_reply(telegram, GROUP, 2)["text"]
    other_bot = telegram.push_message(
        GROUP, f"/ask@other_bot {GEOLOGY}", chat_type="supergroup", from_user_id=2003
    )
    asked = telegram.push_message(GROUP, f"/ask {GEOLOGY}", chat_type="supergroup", from_user_id=2003)
    assert wait_for_reply(telegram, GROUP, 3)["reply_to_message"]["message_id"] == asked
    time.sleep(0.3)
    assert len(telegram.sent_messages(GROUP)) == 3
    assert not replies_to(telegram, GROUP, chatter) and not replies_to(telegram, GROUP, other_bot)
    assert replies_to(telegram, GROUP, reply)


def test_inline_query_offers_the_answer_with_its_sources(telegram: FakeBotApi, bot: BotProcess) -> None:
    query_id = telegram.push_inline_query(BELARUS, from_user_id=3001)
    assert telegram.wait_for(lambda: any(a["inline_query_id"] == query_id for a in telegram.inline_answers))
    answer = next(a for a in telegram.inline_answers if a["inline_query_id"] == query_id)
    [result] = answer["results"]
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML" and "Lukashenko" in content["message_text"]
    assert (
        "Sources" in content["message_text"] and 'href="https://primeminister.kz/' in content["message_text"]
    )
    assert any("url" in b for row in result["reply_markup"]["inline_keyboard"] for b in row)


def test_non_text_messages_get_a_short_hint(telegram: FakeBotApi, bot: BotProcess) -> None:
    sticker = {
        "file_id": "s",
        "file_unique_id": "s1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    assert "only read text" in ask(telegram, 1011, None, 1, sticker=sticker)["text"]
    photo = [{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}]
    assert "only read text" in ask(telegram, 1011, None, 2, photo=photo)["text"]
    voice = {"file_id": "v", "file_unique_id": "v1", "duration": 3}
    assert "only read text" in ask(telegram, 1011, None, 3, voice=voice)["text"]


def test_unknown_command_gets_help(telegram: FakeBotApi, bot: BotProcess) -> None:
    reply = ask(telegram, 1012, "/frobnicate", 1)["text"]
    assert reply.startswith("I don't know that command.") and "/ask QUESTION" in reply


def test_too_long_question_is_refused_politely(telegram: FakeBotApi, bot: BotProcess) -> None:
    reply = ask(telegram, 1013, "Who " + "really " * 60 + "signed it?", 1)["text"]
    assert "keep it under 300" in reply


def test_rate_limit_answers_five_then_asks_to_wait_once(telegram: FakeBotApi, bot: BotProcess) -> None:
    for _ in range(7):
        telegram.push_message(1014, GEOLOGY)
    wait_for_reply(telegram, 1014, 6)
    time.sleep(0.5)
    sent = [m["text"] for m in telegram.sent_messages(1014)]
    assert len(sent) == 6  # five answers, one request to slow down, and silence for the seventh
    assert sum("Kazgeology" in t for t in sent) == 5
    assert sum("faster than I can keep up" in t for t in sent) == 1


def test_edited_question_is_answered_again(telegram: FakeBotApi, bot: BotProcess) -> None:
    message_id = telegram.push_message(1015, BELARUS)
    wait_for_reply(telegram, 1015, 1)
    telegram.push_message(1015, GEOLOGY, edited=True, message_id=message_id)
    again = wait_for_reply(telegram, 1015, 2)
    assert "Kazgeology" in again["text"] and again["reply_to_message"]["message_id"] == message_id


def test_flood_wait_from_telegram_is_honoured_and_the_answer_still_arrives(
    telegram: FakeBotApi, bot: BotProcess
) -> None:
    telegram.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    answer = ask(telegram, 1016, GEOLOGY, 1)
    assert "Kazgeology" in answer["text"] and time.monotonic() - started >= 1.0
    statuses = [c.status for c in telegram.calls_to("sendMessage") if c.params.get("chat_id") == 1016]
    assert statuses[-2:] == [429, 200]


def test_a_failure_is_reported_to_the_user_and_the_bot_keeps_answering(
    telegram: FakeBotApi, bot: BotProcess
) -> None:
    telegram.fail_next("sendMessage", status=400, description="Bad Request: something unexpected")
    assert "something went wrong" in ask(telegram, 1017, GEOLOGY, 1)["text"]
    assert "Kazgeology" in ask(telegram, 1017, GEOLOGY, 2)["text"]
    assert bot.alive() and "something unexpected" in bot.log.lower()


def test_the_token_never_reaches_the_log(telegram: FakeBotApi, bot: BotProcess) -> None:
    ask(telegram, 1018, GEOLOGY, 1)
    log = bot.log
    assert "DEBUG" in log and "getUpdates" in log  # the bot logs at debug level, PTB's URLs included
    assert telegram.token not in log and "TEST-TOKEN" not in log
