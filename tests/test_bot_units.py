"""The bot's pure parts: HTML rendering and splitting, per-chat memory, the per-user limit, button data."""

from __future__ import annotations

from datetime import date

import pytest

from bot.telegram import callbacks
from bot.telegram.examples import capitalised_runs
from bot.telegram.memory import TurnMemory
from bot.telegram.ratelimit import QuestionLimiter, Verdict
from bot.telegram.rendering import (
    MESSAGE_LIMIT,
    answer_keyboard,
    answer_messages,
    context_message,
    pack,
    single_message,
    text_blocks,
    utf16_len,
)
from index.answering.models import Answer, AnswerSentence, Citation, Related, Turn
from tests.fake_telegram import parse_html


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def citation(
    n: int, url: str | None = "https://example.org/a?x=1&y=2", title: str = "A <b>bold</b> title"
) -> Citation:
    return Citation(n, "0123456789abcdef", title, url, date(2021, 4, 30), "The <Times>", "quote", 7)


def test_article_text_is_escaped_and_links_only_to_web_addresses() -> None:
    answer = Answer(
        "q",
        (AnswerSentence("Prices rose <5% & fell [sic].", (1,)), AnswerSentence("Then more.", (2,))),
        (citation(1), citation(2, url="javascript:alert(1)")),
        refused=False,
    )
    [html] = answer_messages(answer)
    parsed = parse_html(html)
    assert parsed.text.startswith(
        "Prices rose <5% & fell [sic] [1]. Then more [2].\n\nSources\n[1] A <b>bold</b> title"
    )
    assert "30 April 2021 · The <Times>" in parsed.text
    assert [e["url"] for e in parsed.entities if e["type"] == "text_link"] == [
        "https://example.org/a?x=1&y=2"
    ]
    rows = answer_keyboard(answer).inline_keyboard  # type: ignore[union-attr]
    assert [len(row) for row in rows] == [2, 1]  # no "Open article" button for a link Telegram would refuse
    assert rows[0][0].callback_data == "q:0123456789abcdef:7"


def test_direct_answer_is_bold_and_escaped() -> None:
    sentence = AnswerSentence("The deal between AT&T and <Acme> closed in 1999 at AT&T's offices.", (1,))
    answer = Answer("q", (sentence,), (citation(1),), refused=False, short_answer="AT&T")
    [html] = answer_messages(answer)
    assert html.startswith("The deal between <b>AT&amp;T</b> and &lt;Acme&gt;")
    parsed = parse_html(html)
    bold = next(e for e in parsed.entities if e["type"] == "bold")
    assert parsed.text[bold["offset"] : bold["offset"] + bold["length"]] == "AT&T"


def test_refusal_offers_related_articles_and_sources() -> None:
    refusal = Answer(
        "q", (), (), refused=True, related=(Related("0123456789abcdef", "Near <it>", None, None),)
    )
    text = parse_html(answer_messages(refusal)[0]).text
    assert "/sources" in text and "• Near <it>" in text and answer_keyboard(refusal) is None


def test_splitting_never_exceeds_the_limit_counting_emoji_twice() -> None:
    blocks = text_blocks("🙂" * 3000 + " " + "word " * 2000, " ")
    messages = pack(blocks)
    assert len(messages) >= 3 and all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)
    assert "".join(messages).replace(" ", "") == ("🙂" * 3000 + "word" * 2000)


def test_split_parts_each_hold_balanced_html() -> None:
    sentences = tuple(AnswerSentence(f"Sentence {i} & <tag> " + "x" * 400 + ".", (1,)) for i in range(20))
    answer = Answer("q", sentences, (citation(1),), refused=False)
    messages = answer_messages(answer)
    assert len(messages) == 3
    texts = [parse_html(m).text for m in messages]
    assert all(t.startswith("Sentence ") for t in texts[:-1]) and texts[-1].endswith("The <Times>")
    assert sum(t.count("& <tag>") for t in texts) == 20


def test_inline_message_keeps_sources_and_drops_sentences_to_fit() -> None:
    sentences = tuple(AnswerSentence("Long sentence " + "y" * 900 + ".", (1,)) for _ in range(10))
    text = parse_html(single_message(Answer("q", sentences, (citation(1),), refused=False))).text
    assert utf16_len(text) <= MESSAGE_LIMIT and "Sources\n[1]" in text and " …" in text


def test_context_shows_the_cited_sentence_in_bold_inside_a_quote() -> None:
    html = context_message(
        "T & co", "https://e.org", None, "Before <it>. Cited & sure. After.", "Cited & sure."
    )
    parsed = parse_html(html)
    bold = next(e for e in parsed.entities if e["type"] == "bold")
    assert parsed.text[bold["offset"] : bold["offset"] + bold["length"]] == "Cited & sure."
    assert any(e["type"] == "blockquote" for e in parsed.entities)


def test_memory_keeps_the_last_turns_of_each_chat_and_forgets_old_ones() -> None:
    clock = Clock()
    memory = TurnMemory(max_turns=2, ttl_seconds=60, max_chats=2, clock=clock)
    for i in range(3):
        memory.remember(1, Turn(f"q{i}", "a"))
    assert [t.question for t in memory.history(1)] == ["q1", "q2"]
    clock.now += 61
    assert memory.history(1) == ()
    for chat in (1, 2, 3):
        memory.remember(chat, Turn("q", "a"))
    assert len(memory) == 2 and memory.history(1) == ()  # the least recently used chat went first


def test_limiter_allows_the_budget_then_tells_once_then_recovers() -> None:
    clock = Clock()
    limiter = QuestionLimiter(3, clock=clock)
    assert [limiter.check(7) for _ in range(5)] == [Verdict.ALLOWED] * 3 + [Verdict.LIMITED, Verdict.IGNORED]
    assert limiter.check(8) is Verdict.ALLOWED  # other users are not affected
    assert 1 <= limiter.retry_in(7) <= 60
    clock.now += 60.5
    assert limiter.check(7) is Verdict.ALLOWED


@pytest.mark.parametrize("data", ["q:xyz:1", "q:0123456789abcdef:-1", "p:1", "q:0123456789abcdef:1:2", ""])
def test_malformed_button_data_is_refused(data: str) -> None:
    assert callbacks.parse_quote(data) is None


def test_button_data_round_trips_within_telegrams_64_bytes() -> None:
    data = callbacks.quote("0123456789abcdef", 123456)
    assert len(data.encode()) <= 64 and callbacks.parse_quote(data) == ("0123456789abcdef", 123456)
    assert callbacks.parse_page(callbacks.page(4)) == 4 and callbacks.parse_page("q:1") is None


def test_example_questions_are_built_from_names_in_running_text() -> None:
    sentence = "As part of his visit to Minsk, Prime Minister Askar Mamin met the Eurasian Intergovernmental Council."
    assert capitalised_runs(sentence) == ["Prime Minister Askar Mamin", "Eurasian Intergovernmental Council"]


def test_the_bots_default_send_rate_is_telegrams_documented_limit() -> None:
    from telegram.constants import FloodLimit

    from bot.settings import MESSAGES_PER_SECOND

    assert MESSAGES_PER_SECOND == FloodLimit.MESSAGES_PER_SECOND
