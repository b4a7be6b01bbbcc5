"""New articles pushed to subscribers by the real `dossier bot` process, end to end on loopback.

Articles arrive as people add them: `dossier index add` in another process, a file dropped in the
watched folder, a news feed. Telegram is the strict fake Bot API server; the feed is a loopback site.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.state.subscriptions import SubscriptionStore, open_subscription_store
from bot.telegram.courier import IN_FLIGHT
from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index, run_dossier
from tests.support.bot import BotProcess, bot_env, wait_for_reply, with_onnx_export
from tests.support.news_site import NewsSite

CHANNEL = -100_900
CHANNEL_NAME = "dossier_news"
ADMIN = 2099
WATER_URL = "https://news.example/water-monitoring"
SOLAR_URL = "https://news.example/solar-shymkent"


def water_article(stations: int) -> str:
    return (
        "Kazakhstan and Uzbekistan agree to monitor the Syr Darya together\n\n"
        f"TASHKENT – The water ministers of Kazakhstan and Uzbekistan agreed on Tuesday to build {stations} "
        "automatic monitoring stations along the Syr Darya river.\n\n"
        "The stations will measure the flow and the quality of the water every hour, and both countries "
        "will see the data as it is collected.\n\n"
        "The ministers said the first stations would be working before the irrigation season begins.\n"
    )


def write_article(folder: Path, name: str, text: str, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.meta.json").write_text(json.dumps({"url": url, "published": "2021-05-11"}))
    path = folder / f"{name}.txt"
    path.write_text(text)
    return path


def dossier(env: dict[str, str], *args: str) -> str:
    """Runs the CLI in its own process, as a person in another terminal would; returns stdout."""
    done = run_dossier(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def bot_database(data_dir: Path, question: Any) -> Any:
    """Asks the bot's own database (another connection to it, as `dossier feeds` opens one)."""
    store = open_subscription_store(data_dir / "bot.sqlite3")
    try:
        return question(store)
    finally:
        store.close()


def baseline_recorded(data_dir: Path) -> bool:
    """The bot has recorded the articles present at its first start, so later ones count as new."""
    return bool(bot_database(data_dir, SubscriptionStore.is_initialised))


def wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def notices(telegram: FakeBotApi, chat_id: int | str) -> list[dict[str, Any]]:
    return [m for m in telegram.sent_messages(chat_id) if m.get("text", "").startswith("New article")]


# One bot for the life of a news archive: subscribers, an article from the CLI, the watched folder, feeds.


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("push")


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        server.add_chat(CHANNEL, "channel", title="Dossier news", username=CHANNEL_NAME)
        yield server


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    news = NewsSite()
    yield news
    news.stop()


@pytest.fixture(scope="module")
def env(home: Path, telegram: FakeBotApi, seed_data_dir: Path) -> dict[str, str]:
    data_dir = copy_index(with_onnx_export(seed_data_dir), home / "data")
    return bot_env(
        data_dir,
        telegram,
        watch_dir=str(home / "watched"),
        feed_interval="10",
        admin_ids=f"[{ADMIN}]",
        channel_id=f"@{CHANNEL_NAME}",
        fetch_allowed_networks="127.0.0.1",  # the news site is on loopback
    )


@pytest.fixture(scope="module")
def bot(env: dict[str, str], home: Path, telegram: FakeBotApi) -> Iterator[BotProcess]:
    (home / "watched").mkdir()
    process = BotProcess(env, home / "bot.log").start(lambda: bool(telegram.commands))
    wait(lambda: baseline_recorded(home / "data"), 20, "the bot's first look at the index")
    yield process
    assert process.stop() == 0, process.log[-3000:]


def subscribe(telegram: FakeBotApi, chat_id: int, command: str = "/subscribe") -> None:
    telegram.push_message(chat_id, command)
    assert "ubscribed" in wait_for_reply(telegram, chat_id, 1)["text"]


def test_article_added_from_another_process_reaches_each_matching_subscriber_once(
    telegram: FakeBotApi, bot: BotProcess, env: dict[str, str], home: Path
) -> None:
    subscribe(telegram, 2001)
    subscribe(telegram, 2002, "/subscribe football")
    subscribe(telegram, 2003, "/subscribe water")
    path = write_article(home / "incoming", "water", water_article(14), WATER_URL)
    assert dossier(env, "index", "add", str(path)).startswith("added")
    notice = wait_for_reply(telegram, 2001, 2, timeout=20)
    assert notice["text"].startswith("New article\nKazakhstan and Uzbekistan agree to monitor the Syr Darya")
    assert "14 automatic monitoring stations" in notice["text"] and "[1]" in notice["text"]
    assert [b["text"] for b in notice["reply_markup"]["inline_keyboard"][0]] == [
        "Ask about this article",
        "Read the article",
    ]
    wait_for_reply(telegram, 2003, 2, timeout=10)
    [posted] = telegram.wait_for_messages(CHANNEL, 1, timeout=10)
    assert posted["text"].startswith("New article")
    assert "start=a_" in posted["reply_markup"]["inline_keyboard"][0][0]["url"]  # a channel can't scope
    time.sleep(3)  # a second announcement would have come by now
    assert len(notices(telegram, 2001)) == 1 and len(notices(telegram, 2003)) == 1
    assert notices(telegram, 2002) == []  # "football" does not match an article about water


def test_the_new_article_is_answered_at_once_and_its_button_scopes_the_next_question(
    telegram: FakeBotApi, bot: BotProcess
) -> None:
    telegram.push_message(2005, "How many monitoring stations will be built on the Syr Darya?")
    answer = wait_for_reply(telegram, 2005, 1)
    assert "14" in answer["text"] and "Kazakhstan and Uzbekistan agree" in answer["text"]
    [notice] = notices(telegram, 2001)
    telegram.push_callback_query(
        2001, notice["message_id"], notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    )
    assert "Ask your question about Kazakhstan and Uzbekistan" in wait_for_reply(telegram, 2001, 3)["text"]
    telegram.push_message(2001, "Who is the president of Belarus?")  # not in the chosen article
    assert "Lukashenko" not in wait_for_reply(telegram, 2001, 4)["text"]


def solar_article(megawatts: int) -> str:
    return (
        "A solar plant opens near Shymkent\n\n"
        f"SHYMKENT – A solar plant that produces {megawatts} megawatts opened near Shymkent on Friday.\n\n"
        "The plant covers 200 hectares and will supply electricity to the south of Kazakhstan.\n"
    )


def test_an_article_dropped_in_the_watched_folder_is_announced_once_and_its_update_answered_from(
    telegram: FakeBotApi, bot: BotProcess, home: Path
) -> None:
    before = len(notices(telegram, 2001))
    write_article(home / "watched", "solar", solar_article(50), SOLAR_URL)
    wait(lambda: len(notices(telegram, 2001)) == before + 1, 60, "the watched folder's article")
    assert "50 megawatts" in notices(telegram, 2001)[-1]["text"]
    write_article(home / "watched", "solar", solar_article(70), SOLAR_URL)  # the same file, updated
    question = "How many megawatts does the solar plant near Shymkent produce?"

    def answered_with_70() -> bool:
        time.sleep(4)  # ask now and then: the folder settles first, and questions are limited
        before = len(telegram.sent_messages(2006))
        telegram.push_message(2006, question)
        return "70" in wait_for_reply(telegram, 2006, before + 1, timeout=15)["text"]

    wait(answered_with_70, 80, "the updated article")
    time.sleep(3)
    assert len(notices(telegram, 2001)) == before + 1


def test_feed_articles_are_announced_once_and_a_blocked_chat_is_unsubscribed(
    telegram: FakeBotApi, bot: BotProcess, env: dict[str, str], home: Path, site: NewsSite
) -> None:
    subscribe(telegram, 2004)
    telegram.block_chat(2004)
    site.articles["/rail"] = (
        "Rail link opens",
        "The new rail link carries 20 freight trains a day to China.",
    )
    for feed in ("/broken", "/rss"):
        dossier(env, "feeds", "add", f"{site.base}{feed}")
    notice = wait_for_reply(telegram, 2001, len(telegram.sent_messages(2001)) + 1, timeout=40)
    assert notice["text"].startswith("New article\nRail link opens")
    wait(lambda: bot_database(home / "data", lambda s: s.topics(2004)) == [], 10, "2004 unsubscribed")
    feeds = dossier(env, "feeds", "list")
    assert "/broken  [failed" in feeds
    wait(lambda: "not modified" in dossier(env, "feeds", "list"), 40, "the next poll of the good feed")
    assert site.requests.count("/rail") == 1
    assert len([n for n in notices(telegram, 2001) if "Rail link" in n["text"]]) == 1


def test_the_bot_reads_and_writes_the_archive_through_one_connection(bot: BotProcess) -> None:
    """After answering, following `index add`, the watched folder and feeds: one archive in the process,
    with its connection and the read-only one it lists articles through (index/listing.py)."""
    assert bot.process is not None
    open_files = []
    for fd in Path(f"/proc/{bot.process.pid}/fd").iterdir():
        try:
            open_files.append(Path(fd.readlink()).name)
        except OSError:
            continue
    # One archive: its connection, and the second one listing articles uses (bot.sqlite3 is reached
    # through a connection pool).
    assert open_files.count("dossier.sqlite3") == 2


# A crash in the middle of a broadcast


def test_a_bot_killed_mid_broadcast_loses_nothing_and_repeats_at_most_the_sends_in_flight(
    seed_data_dir: Path, tmp_path: Path
) -> None:
    """Telegram has no idempotency key: a notice it accepted in the milliseconds before the kill, and
    that the bot had not yet marked sent, goes out again after the restart. At most IN_FLIGHT can be."""
    chats = list(range(5000, 5090))
    with FakeBotApi(enforce_limits=True) as telegram:
        data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path / "data")
        store = open_subscription_store(data_dir / "bot.sqlite3")
        for chat in chats:
            telegram.add_chat(chat, "private")
            store.subscribe(chat)
        env = bot_env(data_dir, telegram)
        first = BotProcess(env, tmp_path / "first.log").start(lambda: bool(telegram.commands))
        wait(lambda: store.is_initialised(), 20, "the baseline")
        path = write_article(tmp_path / "incoming", "water", water_article(14), WATER_URL)
        dossier(env, "index", "add", str(path))
        wait(lambda: len(telegram.sent_messages()) >= 30, 30, "the broadcast to be under way")
        assert first.process is not None
        first.process.kill()  # SIGKILL while notices are being sent: no goodbye, no cleanup
        first.process.wait()
        assert len(telegram.sent_messages()) < len(chats)
        second = BotProcess(env, tmp_path / "second.log").start(lambda: True)
        try:
            wait(lambda: {c for c in chats if telegram.sent_messages(c)} == set(chats), 30, "the rest")
            wait(lambda: store.outbox_counts() == {"sent": len(chats)}, 10, "every notice marked sent")
            time.sleep(1)
        finally:
            assert second.stop() == 0, second.log[-3000:]
        per_chat = {chat: len(telegram.sent_messages(chat)) for chat in chats}
        assert min(per_chat.values()) == 1 and max(per_chat.values()) <= 2, per_chat  # none lost
        assert sum(per_chat.values()) - len(chats) <= IN_FLIGHT  # the bound the README states
        assert not [
            c for c in telegram.calls_to("sendMessage") if c.status == 429
        ]  # within Telegram's limits
