"""Sentences and chunks point at the document text and cover all of it."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from index.chunking import MAX_RUN, make_chunks, split_sentences
from index.parsing.loader import load_file

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_sentence_offsets_point_at_the_text(path: Path) -> None:
    article = load_file(path)
    sentences = split_sentences(article.paragraphs)
    assert len(sentences) >= 10
    for sentence in sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
@pytest.mark.parametrize("target", [20, 60, 200])
def test_chunks_cover_every_sentence_within_the_limit(path: Path, target: int) -> None:
    article = load_file(path)
    sentences = split_sentences(article.paragraphs)
    chunks = make_chunks(article.text, sentences, words, target, max_tokens=80, overlap=1)
    covered = set()
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        members = sentences[chunk.first_sentence : chunk.last_sentence + 1]
        assert chunk.text.startswith(members[0].text) and chunk.text.endswith(members[-1].text)
        # only a single over-long sentence may exceed the limit on its own
        assert sum(words(s.text) for s in members) <= 80 or len(members) == 1
        covered.update(range(chunk.first_sentence, chunk.last_sentence + 1))
    assert covered == set(range(len(sentences)))


def test_consecutive_chunks_overlap_within_a_paragraph() -> None:
    paragraph = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(12))
    sentences = split_sentences([paragraph])
    chunks = make_chunks(paragraph, sentences, words, 24, max_tokens=40, overlap=1)
    assert len(chunks) > 2
    for before, after in itertools.pairwise(chunks):
        assert after.first_sentence == before.last_sentence  # one shared sentence


def long_paragraph(size: int) -> str:
    """About `size` characters of plausible news sentences in one paragraph, as a runaway page makes."""
    sentence = "The minister said on Tuesday that Mr. Smith of the U.S. agreed to build 14 new stations. "
    return (sentence * (size // len(sentence) + 1))[:size]


def split_within(paragraphs: list[str], seconds: float) -> list:  # type: ignore[type-arg]
    """split_sentences in a thread; a quadratic splitter would still be at it after `seconds`."""
    found: list = []  # type: ignore[type-arg]
    thread = threading.Thread(target=lambda: found.extend(split_sentences(paragraphs)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"splitting {sum(map(len, paragraphs))} characters took over {seconds} s"
    return found


def test_a_one_megabyte_paragraph_is_split_and_every_sentence_points_at_the_text() -> None:
    paragraph = long_paragraph(1024 * 1024)  # pysbd alone: 1,145 s (the measurement)
    sentences = split_within([paragraph], seconds=120)
    assert len(sentences) > 10_000
    assert all(paragraph[s.start : s.end] == s.text for s in sentences)
    assert (
        sentences[0].text
        == "The minister said on Tuesday that Mr. Smith of the U.S. agreed to build 14 new stations."
    )


def test_a_paragraph_without_punctuation_is_cut_into_bounded_pieces() -> None:
    paragraph = " ".join(["word"] * 200_000)  # 1 MB, one "sentence"
    sentences = split_within([paragraph], seconds=60)
    assert max(len(s.text) for s in sentences) <= MAX_RUN
    assert " ".join(s.text for s in sentences) == paragraph
