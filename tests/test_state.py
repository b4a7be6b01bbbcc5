"""The bot's shared state on both backends: conversations, question limits, leases, the send pace,
and migrations (a database from before migrations is adopted, replicas migrate one at a time)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import inspect

from bot.state.conversations import Conversations
from bot.state.database import Database, open_database, sqlite_url
from bot.state.limits import QuestionLimiter, Verdict
from bot.state.replicas import Lease, SendPace
from bot.state.subscriptions import SubscriptionStore
from index.answering.models import Turn
from tests.support.clock import Clock


def test_a_follow_up_on_another_replica_sees_the_same_conversation(
    database_url: str, database: Database
) -> None:
    clock = Clock()
    first, second = (
        Conversations(database, clock=clock),
        Conversations(open_database(database_url), clock=clock),
    )
    for n in range(5):
        first.remember(7, Turn(f"question {n}", f"answer {n}", ("doc1", "doc2")))
    assert [t.question for t in second.history(7)] == ["question 2", "question 3", "question 4"]
    assert second.history(7)[-1].doc_ids == ("doc1", "doc2")
    assert second.history(8) == ()
    clock.now += 31 * 60  # half an hour later a question starts a new conversation
    assert first.history(7) == ()


def test_the_chosen_article_is_used_once_by_whichever_replica_gets_the_question(database: Database) -> None:
    clock = Clock()
    conversations = Conversations(database, clock=clock)
    conversations.focus(5, "abc123")
    conversations.focus(5, "def456")  # pressed again on another article: the last choice counts
    assert conversations.take_focus(5) == "def456"
    assert conversations.take_focus(5) is None
    conversations.focus(5, "abc123")
    clock.now += 31 * 60
    assert conversations.take_focus(5) is None


def test_the_question_limit_holds_across_replicas_and_tells_the_user_once(
    database_url: str, database: Database
) -> None:
    clock = Clock()
    one = QuestionLimiter(database, per_minute=3, clock=clock)
    other = QuestionLimiter(open_database(database_url), per_minute=3, clock=clock)
    assert [one.check(1), other.check(1), one.check(1)] == [Verdict.ALLOWED] * 3
    assert other.check(1) is Verdict.LIMITED
    assert one.check(1) is Verdict.IGNORED
    assert one.check(2) is Verdict.ALLOWED  # other users are not affected
    assert QuestionLimiter(database, 3, scope="inline", clock=clock).check(1) is Verdict.ALLOWED
    assert one.retry_in(1) == 60
    clock.now += 61
    assert other.check(1) is Verdict.ALLOWED


def test_old_turns_and_questions_are_deleted_so_the_database_stays_small(database: Database) -> None:
    clock = Clock()
    conversations, limiter = Conversations(database, clock=clock), QuestionLimiter(database, 5, clock=clock)
    for chat in range(50):
        conversations.remember(chat, Turn("q", "a"))
        limiter.check(chat)
    clock.now += 31 * 60
    conversations.remember(1, Turn("q", "a"))
    assert conversations.expire() == 50
    limiter.expire()
    assert limiter.check(3) is Verdict.ALLOWED and limiter.retry_in(3) == 0
    assert [t.question for t in conversations.history(1)] == ["q"]


def test_a_lease_is_held_by_one_replica_and_taken_over_when_it_lapses(
    database_url: str, database: Database
) -> None:
    alive = Lease(database, "broadcast", "replica-a", ttl=1.0)
    other = Lease(open_database(database_url), "broadcast", "replica-b", ttl=1.0)
    assert alive.hold() and not other.hold()
    assert alive.hold()  # renewing
    assert other.holder_now() == "replica-a"
    time.sleep(1.2)  # replica-a stopped renewing: it died
    assert other.hold() and not alive.hold()
    other.release()
    assert alive.hold()


def test_the_send_pace_spaces_messages_from_all_replicas(database_url: str, database: Database) -> None:
    paces = [SendPace(database, rate=50), SendPace(open_database(database_url), rate=50)]
    waits: list[float] = []
    lock = threading.Lock()

    def send(pace: SendPace) -> None:
        for _ in range(10):
            wait = pace.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=send, args=(p,)) for p in paces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 reservations at 50/s: each waits for its own slot, the last about 19/50 s from the first.
    assert len(waits) == 20
    assert max(waits) >= 0.3
    assert SendPace(database, rate=0).reserve() == 0.0


def test_a_bot_database_from_before_migrations_is_adopted_with_its_subscriptions(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE subscriptions (chat_id INTEGER NOT NULL, topic TEXT NOT NULL,"
        " chat_type TEXT NOT NULL DEFAULT 'private', created_at REAL NOT NULL, PRIMARY KEY (chat_id, topic));"
        "CREATE TABLE announced (article_key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, announced_at REAL NOT NULL);"
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, doc_id TEXT NOT NULL,"
        " article_key TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at REAL NOT NULL, created_at REAL NOT NULL, sent_at REAL, error TEXT,"
        " UNIQUE (chat_id, article_key));"
        "CREATE TABLE feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, last_polled_at REAL,"
        " last_status TEXT, failures INTEGER NOT NULL DEFAULT 0, next_poll_at REAL NOT NULL DEFAULT 0);"
        "CREATE TABLE feed_entries (feed_url TEXT NOT NULL, entry_key TEXT NOT NULL, seen_at REAL NOT NULL,"
        " PRIMARY KEY (feed_url, entry_key));"
        "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO subscriptions VALUES (42, '', 'private', 1.0);"
        "INSERT INTO outbox(chat_id, doc_id, article_key, next_attempt_at, created_at) VALUES (42, 'd', 'k', 0, 0);"
    )
    old.commit()
    old.close()
    store = SubscriptionStore(open_database(sqlite_url(path)))
    assert store.topics(42) == [""]
    assert [(i.chat_id, i.doc_id) for i in store.due()] == [(42, "d")]
    with store.database.read() as db:
        assert {"turns", "leases", "alembic_version"} <= set(inspect(db).get_table_names())
    store.close()


def test_replicas_starting_together_migrate_the_database_once(postgres_base_url: str) -> None:
    from tests.support.postgres import create_database

    url = create_database(postgres_base_url)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_database(url).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
