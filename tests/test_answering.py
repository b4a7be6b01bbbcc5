"""The answering service on the seed index with the real model: cited answers, refusals, follow-ups."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from index.answering.extractive import answerable, words_of
from index.answering.llm import LlmWriter
from index.answering.models import Answer, Turn
from index.answering.question import InvalidQuestion
from index.answering.service import REFUSAL, AnsweringService
from index.archive import Archive

MINSK = "Minsk"
KAZAN = "Kazakhstan and Russia Sign"


@pytest.fixture(scope="module")
def service(seed_archive: Archive) -> AnsweringService:
    return AnsweringService(seed_archive)


def assert_well_cited(answer: Answer, archive: Archive) -> None:
    """Every sentence carries a marker of a listed source, each source once, quotes verbatim."""
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({c.doc_id for c in answer.citations}) == len(numbers)
    for sentence in answer.sentences:
        assert sentence.citations and set(sentence.citations) <= set(numbers)
    for citation in answer.citations:
        document = archive.find_document(citation.doc_id)
        assert document is not None
        quote_source = archive.document_text(citation.doc_id) + (document.byline or "")
        # Two sentences of one article that are not neighbours are quoted as "first … second".
        quoted = all(part in quote_source for part in citation.quote.split(" … "))
        assert quoted or citation.quote.split(" · ")[0] == document.title
    assert re.fullmatch(r"(.+ (\[\d+\])+[.!?]?)( .+ (\[\d+\])+[.!?]?){0,2}", answer.text)


def test_president_of_belarus_is_answered_from_the_minsk_article(service: AnsweringService) -> None:
    answer = service.answer("Who is the president of Belarus?")
    assert not answer.refused
    assert "Alexander Lukashenko" in answer.text
    assert MINSK in answer.citations[0].title
    assert_well_cited(answer, service.archive)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the Tour de France in 2022?",
        "How do I bake sourdough bread?",
        "What is the population of Kazakhstan?",
        "When will the butadiene plant start production?",
    ],
)
def test_questions_the_articles_do_not_answer_are_refused(service: AnsweringService, question: str) -> None:
    answer = service.answer(question)
    assert answer.refused and answer.text == REFUSAL and not answer.citations


def test_near_topic_refusal_offers_related_articles(service: AnsweringService) -> None:
    answer = service.answer("What is the population of Kazakhstan?")
    assert answer.refused and answer.related


@pytest.mark.parametrize(
    "question, expected",
    [
        # The lead names the Kazan talks; the answer is the sentence saying what was discussed.
        ("What did the heads of government discuss at the council meeting in Kazan?", "space projects"),
        # Mamin and Minsk are named only by the headline and lead.
        ("What did Mamin and Lukashenko discuss in Minsk?", "agricultural, digital spheres"),
    ],
)
def test_what_was_discussed_is_answered_with_the_discussion_not_the_scene_setting(
    service: AnsweringService, question: str, expected: str
) -> None:
    answer = service.answer(question)
    assert not answer.refused and expected in answer.text
    assert answer.citations and all(expected in c.quote for c in answer.citations)
    assert_well_cited(answer, service.archive)


def test_answer_marks_its_direct_answer(service: AnsweringService) -> None:
    answer = service.answer("When was the Digital Office created?")
    assert answer.short_answer == "February 2018" and answer.short_answer in answer.text
    assert answer.confidence is not None and answer.confidence >= service.min_confidence


def test_min_confidence_decides_between_answering_and_refusing(seed_archive: Archive) -> None:
    question = "Who is the president of Belarus?"
    strict = AnsweringService(seed_archive, min_confidence=1.0).answer(question)
    assert strict.refused and strict.related  # still offers the articles it found
    lenient = AnsweringService(seed_archive, min_confidence=0.0).answer("How do I bake sourdough bread?")
    assert not lenient.refused and lenient.citations


def test_answers_are_at_most_two_sentences_and_600_characters(service: AnsweringService) -> None:
    for question in (
        "What did Mamin and Mishustin discuss?",
        "What did the council in Minsk order to create?",
    ):
        answer = service.answer(question)
        assert len(answer.sentences) <= 2 and len(answer.text) <= 620


@pytest.mark.parametrize(
    "text",
    [
        "Meeting of the Eurasian Intergovernmental Council. Photo credit: Gov.kz",
        "The delegations at the signing (Photo: Reuters)",
        "Image courtesy of the press service",
        "Ministers",
    ],
)
def test_captions_and_credits_are_never_quoted(text: str) -> None:
    assert not answerable(text)


def test_naming_talks_is_not_reporting_what_was_discussed() -> None:
    scene = words_of("Mamin held talks with the United Arab Emirates.")
    report = words_of("Trade and energy were discussed.")
    assert "discuss" in scene.terms and not scene.verbs  # "United" is a name, not a verb
    assert report.verbs == {"discuss"}


def test_follow_up_question_uses_the_conversation(service: AnsweringService) -> None:
    first = service.answer("How many digital initiatives were supported?")
    assert "14" in first.text
    follow = service.answer("and how many were rejected?", [first.to_turn()])
    assert not follow.refused and "40 rejected" in follow.text


@pytest.mark.parametrize(
    "question, expected, title",
    [
        ("Who wrote the article about the talks in Kazan?", "Aizada Arystanbek", KAZAN),
        ("When was the article about the Kazan talks published?", "30 April 2021", KAZAN),
        ("When was the article about the meeting with Lukashenko published?", "17 July 2020", MINSK),
        ("What is the latest article about Mamin?", "Kazakhstan and Russia Sign", KAZAN),
    ],
)
def test_questions_about_the_articles_themselves(
    service: AnsweringService, question: str, expected: str, title: str
) -> None:
    answer = service.answer(question)
    assert not answer.refused and expected in answer.text
    assert title in answer.citations[0].title
    assert expected in answer.citations[0].quote or expected in answer.citations[0].title
    assert_well_cited(answer, service.archive)


def test_follow_up_about_the_same_article(service: AnsweringService) -> None:
    first = service.answer("Which companies signed the geological exploration agreement?")
    follow = service.answer("Who wrote it?", [first.to_turn()])
    assert "Aizada Arystanbek" in follow.text


def test_question_scoped_to_one_article(service: AnsweringService) -> None:
    minsk = next(d for d in service.documents() if MINSK in d.title)
    answer = service.answer("What did Mamin discuss with Mishustin?", doc_id=minsk.doc_id)
    assert {c.doc_id for c in answer.citations} <= {minsk.doc_id}


def test_markup_and_control_characters_are_ignored(service: AnsweringService) -> None:
    answer = service.answer("<b>Who</b> is the\x00 president\u200b of <i>Belarus</i>?\x07")
    assert "Alexander Lukashenko" in answer.text


@pytest.mark.parametrize("question", ["", "   \n\t ", "<p></p>", "\x00\x01"])
def test_empty_questions_get_a_polite_error(service: AnsweringService, question: str) -> None:
    with pytest.raises(InvalidQuestion, match="Please send a question"):
        service.answer(question)


def test_huge_question_gets_a_polite_error(service: AnsweringService) -> None:
    with pytest.raises(InvalidQuestion, match="too long"):
        service.answer("What about Kazgeology? " * 5000)


def test_context_shows_the_neighbouring_sentences(service: AnsweringService) -> None:
    answer = service.answer("Which companies signed the geological exploration agreement?")
    citation = answer.citations[0]
    context = service.context(citation.doc_id, citation.sentence, window=1)
    assert citation.quote in context and len(context) > len(citation.quote)


# The optional generative mode, against an OpenAI-compatible server on loopback.


class FakeLlm:
    """A chat-completions endpoint whose next reply a test chooses."""

    def __init__(self) -> None:
        self.reply: object = "Kazgeology and Rosgeologia signed it [1]."
        self.delay = 0.0
        self.requests: list[dict[str, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                time.sleep(fake.delay)
                if isinstance(fake.reply, bytes):
                    payload = fake.reply
                else:
                    payload = json.dumps(
                        {"choices": [{"message": {"role": "assistant", "content": fake.reply}}]}
                    ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLlm]:
    fake = FakeLlm()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def llm_service(seed_archive: Archive, llm_server: FakeLlm) -> AnsweringService:
    llm_server.delay, llm_server.requests[:] = 0.0, []
    return AnsweringService(seed_archive, llm=LlmWriter(llm_server.url, "test-model", "secret", timeout=1.0))


QUESTION = "Which companies signed the geological exploration agreement?"


def test_llm_answer_is_used_with_valid_citations(llm_service: AnsweringService, llm_server: FakeLlm) -> None:
    llm_server.reply = "The agreement was signed between Kazgeology and Rosgeologia [1]."
    answer = llm_service.answer(QUESTION)
    assert answer.text == "The agreement was signed between Kazgeology and Rosgeologia [1]."
    assert "Kazgeology and Rosgeologia" in answer.citations[0].quote
    prompt = llm_server.requests[0]["messages"][1]["content"]  # type: ignore[index]
    assert "Kazgeology" in prompt and QUESTION in prompt


def test_llm_markers_to_nothing_and_unsupported_sentences_are_dropped(
    llm_service: AnsweringService, llm_server: FakeLlm
) -> None:
    llm_server.reply = (
        "The agreement was signed between Kazgeology and Rosgeologia [1][9]. "
        "It is worth ten billion dollars and was celebrated with fireworks [1]. "
        "Nobody knows more [7]."
    )
    answer = llm_service.answer(QUESTION)
    assert answer.text == "The agreement was signed between Kazgeology and Rosgeologia [1]."


@pytest.mark.parametrize("reply", [b"not json at all", b'{"choices": []}', "[3] only a marker"])
def test_llm_garbage_falls_back_to_the_extractive_answer(
    llm_service: AnsweringService, llm_server: FakeLlm, reply: object
) -> None:
    llm_server.reply = reply
    answer = llm_service.answer(QUESTION)
    assert not answer.refused and "Kazgeology and Rosgeologia" in answer.text
    assert answer.text.endswith("[1].")


def test_hanging_llm_falls_back_within_the_timeout(
    llm_service: AnsweringService, llm_server: FakeLlm
) -> None:
    llm_server.reply, llm_server.delay = "Kazgeology [1].", 5.0
    started = time.perf_counter()
    answer = llm_service.answer(QUESTION)
    assert time.perf_counter() - started < 3.0
    assert "Kazgeology and Rosgeologia" in answer.text


def test_llm_saying_not_found_refuses(llm_service: AnsweringService, llm_server: FakeLlm) -> None:
    llm_server.reply = "NOT_IN_ARCHIVE"
    assert llm_service.answer(QUESTION).refused


def test_unreachable_llm_falls_back(seed_archive: Archive) -> None:
    service = AnsweringService(seed_archive, llm=LlmWriter("http://127.0.0.1:9/v1", "m", None, timeout=1.0))
    assert "Kazgeology" in service.answer(QUESTION).text


def test_turns_remember_the_cited_articles(service: AnsweringService) -> None:
    answer = service.answer("Who is the president of Belarus?")
    turn = answer.to_turn()
    assert isinstance(turn, Turn) and turn.doc_ids == tuple(c.doc_id for c in answer.citations)


def test_the_reader_keeps_a_bounded_cache_of_articles_across_revisions(seed_archive: Archive) -> None:
    """A long-running bot touches ever more articles: their sentences stay cached only so many at once."""
    from index.answering.reader import Reader

    reader = Reader(seed_archive, cached_articles=1)
    first, second = (d.doc_id for d in seed_archive.documents()[:2])
    assert reader.sentences(first) is reader.sentences(first)  # read once
    reader.sentences(second)
    assert list(reader._sentences) == [second]  # the least recently used went
