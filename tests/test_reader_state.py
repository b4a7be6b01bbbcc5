"""The state behind digests, per-chat settings, feedback and searches, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.state.chats import ChatSettings, ChatStore
from bot.state.database import Database
from bot.state.feedback import DOWN, UP, AnswerRecord, FeedbackStore
from bot.state.searches import SearchStore
from bot.state.subscriptions import SubscriptionStore
from bot.subscriptions.schedule import (
    DigestSchedule,
    in_quiet_hours,
    next_digest,
    parse_clock_time,
    parse_digest,
    zone_named,
)
from tests.support.clock import Clock

ALMATY = ZoneInfo("Asia/Almaty")
BERLIN = ZoneInfo("Europe/Berlin")


def at(zone: ZoneInfo, *parts: int) -> float:
    return datetime(*parts, tzinfo=zone).timestamp()  # type: ignore[misc]


def test_settings_are_kept_per_chat_and_default_until_changed(database: Database) -> None:
    chats = ChatStore(database)
    assert chats.get(5) == ChatSettings(5)
    chats.change(5, time_zone="Asia/Almaty", quiet_start=22 * 60, quiet_end=7 * 60)
    chats.change(5, summary_sentences=1)
    assert chats.get(5) == ChatSettings(5, "Asia/Almaty", 1320, 420, summary_sentences=1)
    assert chats.many([5, 6]) == {5: chats.get(5)}
    assert chats.exclude(5, "football") and not chats.exclude(5, "football")
    chats.exclude(6, "weather")
    assert chats.excluded(5) == ["football"]
    assert chats.all_excluded() == {5: ["football"], 6: ["weather"]}
    assert chats.include(5, "football") and chats.excluded(5) == []


def test_a_digest_chat_collects_articles_instead_of_notices_until_its_digest_is_queued_once(
    database: Database,
) -> None:
    store, chats = SubscriptionStore(database), ChatStore(database)
    chats.change(7, digest="daily", digest_minute=480, digest_due_at=1000.0)
    assert store.announce("k1", "doc1", [7, 8]) == 2
    assert store.announce("k2", "doc2", [7]) == 1
    assert [i.chat_id for i in store.due()] == [8]  # chat 7 waits for its digest
    assert [i.doc_id for i in chats.waiting(7)] == ["doc1", "doc2"]
    assert chats.due_digests(999.0) == []
    [due] = chats.due_digests(1000.0)
    assert chats.queue_digest(due, chats.waiting(7), '[{"text": "x"}]', next_due_at=2000.0)
    assert not chats.queue_digest(due, chats.waiting(7), '[{"text": "x"}]', 2000.0)  # that slot is done
    digest = next(i for i in store.due() if i.chat_id == 7)
    assert (digest.kind, digest.body, digest.parts_sent) == ("digest", '[{"text": "x"}]', 0)
    assert chats.waiting(7) == [] and chats.get(7).digest_due_at == 2000.0
    store.mark_parts_sent(digest.id, 1)
    assert next(i for i in store.due() if i.chat_id == 7).parts_sent == 1


def test_nothing_new_moves_the_digest_date_and_queues_nothing(database: Database) -> None:
    store, chats = SubscriptionStore(database), ChatStore(database)
    chats.change(9, digest="weekly", digest_weekday=0, digest_minute=60, digest_due_at=50.0)
    [due] = chats.due_digests(60.0)
    assert chats.queue_digest(due, [], None, next_due_at=700.0)
    assert store.due() == [] and chats.get(9).digest_due_at == 700.0


def test_a_blocked_chat_leaves_no_settings_and_a_migrated_group_keeps_them(database: Database) -> None:
    store, chats = SubscriptionStore(database), ChatStore(database)
    chats.change(-10, digest="daily", digest_minute=0, digest_due_at=5.0)
    chats.exclude(-10, "sport")
    store.announce("k", "d", [-10])
    store.migrate_chat(-10, -100_10)
    assert chats.get(-10) == ChatSettings(-10)
    assert chats.get(-100_10).digest == "daily" and chats.excluded(-100_10) == ["sport"]
    assert [i.doc_id for i in chats.waiting(-100_10)] == ["d"]
    store.forget_chat(-100_10)
    assert chats.get(-100_10) == ChatSettings(-100_10) and chats.waiting(-100_10) == []


def test_feedback_keeps_what_was_answered_and_forgets_unrated_answers_after_a_week(
    database: Database,
) -> None:
    clock = Clock()
    store = FeedbackStore(database, clock)
    record = AnswerRecord(
        "Who?", "Lukashenko met [1].", "Lukashenko", False, ({"n": 1, "title": "Minsk"},), (), "rev1"
    )
    rated, unrated = store.record(42, record), store.record(42, record)
    assert len(rated.encode()) <= 8
    assert store.rate(rated, DOWN, "wrong source") is not None
    assert store.rate(rated, UP) is not None  # changing one's mind replaces the rating
    assert store.rate("nosuchid", UP) is None
    [kept] = store.rated()
    assert (kept.id, kept.chat_id, kept.rating, kept.reason, kept.record) == (rated, 42, UP, None, record)
    clock.now += 8 * 86400
    assert store.expire() == 1
    assert store.rate(unrated, UP) is None and [f.id for f in store.rated()] == [rated]


def test_a_search_is_found_again_by_its_id_until_it_expires(database: Database) -> None:
    clock = Clock()
    searches = SearchStore(database, clock)
    search_id = searches.remember("geological exploration " * 10)
    assert searches.query(search_id) == "geological exploration " * 10
    clock.now += 31 * 86400
    assert searches.expire() == 1 and searches.query(search_id) is None


def test_a_daily_digest_is_due_at_its_local_hour_whatever_the_daylight_saving() -> None:
    daily = DigestSchedule("daily", parse_clock_time("8:00"))
    assert next_digest(daily, ALMATY, at(ALMATY, 2026, 5, 1, 7, 59)) == at(ALMATY, 2026, 5, 1, 8, 0)
    assert next_digest(daily, ALMATY, at(ALMATY, 2026, 5, 1, 8, 0)) == at(ALMATY, 2026, 5, 2, 8, 0)
    # Berlin moves its clocks on 29 March 2026: the digest stays at 08:00 local, 23 hours later.
    before = at(BERLIN, 2026, 3, 28, 8, 0)
    assert next_digest(daily, BERLIN, before) - before == 23 * 3600
    weekly = parse_digest(["weekly", "Mon", "21.30"])
    assert weekly == DigestSchedule("weekly", 21 * 60 + 30, 0)
    assert next_digest(weekly, BERLIN, at(BERLIN, 2026, 5, 6, 12, 0)) == at(BERLIN, 2026, 5, 11, 21, 30)
    for wrong in (["daily"], ["daily", "25:00"], ["weekly", "someday", "08:00"], ["hourly", "08:00"]):
        with pytest.raises(ValueError):
            parse_digest(wrong)


def test_quiet_hours_may_wrap_midnight_in_the_chats_own_zone() -> None:
    night = (22 * 60, 7 * 60)
    assert in_quiet_hours(*night, ALMATY, at(ALMATY, 2026, 5, 1, 23, 30))
    assert in_quiet_hours(*night, ALMATY, at(ALMATY, 2026, 5, 1, 6, 59))
    assert not in_quiet_hours(*night, ALMATY, at(ALMATY, 2026, 5, 1, 7, 0))
    assert not in_quiet_hours(*night, BERLIN, at(ALMATY, 2026, 5, 1, 23, 30))  # 19:30 in Berlin
    assert in_quiet_hours(13 * 60, 14 * 60, BERLIN, at(BERLIN, 2026, 5, 1, 13, 15))
    assert not in_quiet_hours(None, None, BERLIN, 0.0)
    assert zone_named("europe/berlin") == BERLIN and zone_named("Mars/Olympus") is None
