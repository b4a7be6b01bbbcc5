"""Splitting a document into sentences and sentence-aligned chunks that fit the model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from index.models import Chunk, Sentence

TokenCounter = Callable[[str], int]

# pysbd's time grows with the square of a paragraph's length: a paragraph of 0.25 / 0.5 / 1 MB took
# 110 / 414 / 1,145 s. On pieces of at most MAX_RUN characters it costs a steady ~6 µs a character
# (bench/split_bench.py), so a paragraph is cut into such runs first, after a sentence end where one
# is near. News paragraphs are far shorter (the seeds' longest: 634 characters), so real articles
# are split exactly as before.
MAX_RUN = 3000
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4)
def _segmenter(language: str):  # type: ignore[no-untyped-def]
    # pysbd: rule-based, handles news abbreviations ("Mr.", "D.C.", "Jan. 5"; "г.", "т. е." in
    # Russian) and needs no model. It has rules for English, Russian and Kazakh.
    import pysbd

    return pysbd.Segmenter(language=language if language in ("en", "ru", "kk") else "en", clean=False)


def split_sentences(paragraphs: Sequence[str], language: str = "en") -> list[Sentence]:
    """Sentences of every paragraph with offsets into `"\\n\\n".join(paragraphs)`, split by the rules
    of the text's language."""
    sentences: list[Sentence] = []
    offset = 0
    segmenter = _segmenter(language)
    for number, paragraph in enumerate(paragraphs):
        cursor = 0
        for run in _runs(paragraph):
            # `Segmenter.segment` would also locate each sentence in the text with a regex compiled per
            # sentence; those evict pysbd's own patterns from `re`'s cache and took 40% of its time.
            # Finding them here gives the same sentences (checked on 30,000 paragraphs).
            for piece in segmenter.processor(run).process():
                text = piece.strip()
                if not text:
                    continue
                start = paragraph.find(text, cursor)
                if start < 0:  # altered by the segmenter: `segment` drops these too
                    continue
                end = start + len(text)
                cursor = end
                sentences.append(Sentence(len(sentences), number, offset + start, offset + end, text))
        offset += len(paragraph) + 2
    return sentences


def _runs(paragraph: str) -> Iterator[str]:
    """The paragraph in consecutive pieces of at most MAX_RUN characters, cut after a sentence end
    in the second half of a piece if there is one, else at a space, else anywhere."""
    start = 0
    while len(paragraph) - start > MAX_RUN:
        window = paragraph[start : start + MAX_RUN]
        cut = len(window)
        for boundary in (_SENTENCE_END, _SPACE):
            found = list(boundary.finditer(window, len(window) // 2))
            if found:
                cut = found[-1].end()
                break
        yield window[:cut]
        start += cut
    yield paragraph[start:]


def make_chunks(
    text: str,
    sentences: Sequence[Sentence],
    count_tokens: TokenCounter,
    target_tokens: int,
    max_tokens: int,
    overlap: int = 1,
) -> list[Chunk]:
    """Group consecutive sentences into chunks of about `target_tokens`, never above `max_tokens`.

    Chunks stay within one paragraph where they can: a paragraph is the unit of a news story's
    thought, so a chunk crosses into the next one only to reach the target size. Consecutive chunks
    share `overlap` sentences so that a fact split across a boundary is still found whole.
    """
    target = min(target_tokens, max_tokens)
    lengths = [count_tokens(s.text) for s in sentences]
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last, size = first, lengths[first]
        while last + 1 < len(sentences):
            following = lengths[last + 1]
            same_paragraph = sentences[last + 1].paragraph == sentences[last].paragraph
            limit = target if same_paragraph else target // 2
            if size + following > min(limit, max_tokens):
                break
            last, size = last + 1, size + following
        start, end = sentences[first].start, sentences[last].end
        chunks.append(
            Chunk(len(chunks), sentences[first].paragraph, start, end, first, last, text[start:end])
        )
        if last + 1 >= len(sentences):
            break
        first = _overlap_start(sentences, lengths, first, last + 1, overlap, target)
    return chunks


def _overlap_start(
    sentences: Sequence[Sentence],
    lengths: list[int],
    previous: int,
    following: int,
    overlap: int,
    target: int,
) -> int:
    """Where the next chunk starts: up to `overlap` sentences back, within the next paragraph only.

    Overlap across a paragraph break would mostly repeat an unrelated thought, and overlap that
    leaves no room for the next sentence would only repeat the previous chunk's tail.
    """
    start = following
    while (
        start > following - overlap
        and start - 1 > previous
        and sentences[start - 1].paragraph == sentences[following].paragraph
        and sum(lengths[start - 1 : following + 1]) <= target
    ):
        start -= 1
    return start
