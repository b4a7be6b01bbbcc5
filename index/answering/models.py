"""What an answer is, for every surface: text sentences tied to citations, and the sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Citation:
    """Source [n] of an answer: the article and the exact sentence(s) quoted from it."""

    n: int
    doc_id: str
    title: str
    url: str | None
    published: date | None
    source: str | None
    quote: str  # the cited sentence or passage exactly as in the article
    sentence: int  # position of the (first) quoted sentence in the article, for "show in context"
    language: str = "en"  # the article's language, which the quote is in


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of the answer and the citation numbers that support it."""

    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Related:
    """An article close to a refused question, offered without presenting it as the answer."""

    doc_id: str
    title: str
    url: str | None
    published: date | None


@dataclass(frozen=True)
class Answer:
    """The answer to one question, as the CLI, the JSON output and the bot all render it."""

    question: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    refused: bool
    related: tuple[Related, ...] = ()
    latency_ms: float = 0.0
    short_answer: str | None = None  # the phrase of the first sentence that answers (a name, a date…)
    confidence: float | None = None  # the scorer's probability that the best sentence answers
    language: str = "en"  # the question's language ("en", "ru", "kk"): the reader's, for the reply

    @property
    def text(self) -> str:
        """The answer with its markers: 'Sentence one [1]. Sentence two [2].'"""
        return " ".join(_with_markers(s) for s in self.sentences)

    def to_turn(self) -> Turn:
        """This exchange as conversation history for the next question."""
        return Turn(self.question, self.text, tuple(c.doc_id for c in self.citations))


def _with_markers(sentence: AnswerSentence) -> str:
    markers = "".join(f"[{n}]" for n in sentence.citations)
    text = sentence.text
    if not markers:
        return text
    # "… Lukashenko [1]." reads as a citation of the sentence, "… Lukashenko. [1]" as a stray mark;
    # a closing abbreviation keeps its full stop ("… in the U.S. [1]").
    last = text.rsplit(" ", 1)[-1]
    if text[-1:] in ".!?" and text[-2:-1] != "." and "." not in last[:-1]:
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}"


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, for follow-up questions."""

    question: str
    answer: str
    doc_ids: tuple[str, ...] = ()
