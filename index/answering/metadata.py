"""Questions about the articles themselves: who wrote one, when it appeared, the latest on a topic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.models import DocumentInfo

_AUTHOR = re.compile(
    r"\b(who (wrote|authored|reported|penned)|who is the (author|writer|reporter)|author|written by|"
    r"byline|journalist|reporter)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(when (was|were|did)\b.*\b(publish\w*|writ\w*|post\w*|releas\w*|come out|appear\w*)|"
    r"publication date|date of (the|this|that) (article|story|report)|(what|which) (date|day) was\b.*\b"
    r"(publish\w*|post\w*|written))",
    re.I,
)
_SOURCE = re.compile(
    r"\b((which|what) (site|outlet|newspaper|paper|source|publication|website|media)\b.*\b(publish|run|report)"
    r"\w*|who published)\b",
    re.I,
)
_LATEST = re.compile(
    r"\b(latest|newest|most recent|last|recent)\b.*\b(article|story|news|report|piece)", re.I
)
# What remains of the question once the metadata words are gone names the article it is about.
_META_WORDS = re.compile(
    r"\b(who|wrote|written|authored|author|reporter|journalist|byline|when|was|were|did|is|the|a|an|"
    r"article|story|report|piece|news|published|publish|posted|released|come out|appeared|date|"
    r"publication|which|what|site|outlet|newspaper|source|website|latest|newest|most recent|last|"
    r"recent|about|on|of|in)\b",
    re.I,
)


@dataclass(frozen=True)
class MetaQuestion:
    kind: str  # "author", "date", "source" or "latest"
    topic: str  # the rest of the question, to find the article it means


def meta_question(question: str) -> MetaQuestion | None:
    """Recognise a question about an article's metadata, or None for a question about its content."""
    for kind, pattern in (("latest", _LATEST), ("author", _AUTHOR), ("date", _DATE), ("source", _SOURCE)):
        if pattern.search(question):
            topic = " ".join(_META_WORDS.sub(" ", question).replace("?", " ").split())
            return MetaQuestion(kind, topic)
    return None


def human_date(value: date) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


def metadata_quote(document: DocumentInfo, kind: str = "author") -> str:
    """What an answer about metadata cites: the byline as printed when it holds the fact, else the
    article's metadata record."""
    if document.byline and kind in ("author", "date"):
        return document.byline
    parts = [document.title]
    if document.published:
        parts.append(f"published {human_date(document.published)}")
    if document.source:
        parts.append(document.source)
    if document.author:
        parts.append(f"by {document.author}")
    return " · ".join(parts)


def metadata_sentence(kind: str, document: DocumentInfo, topic: str) -> str | None:
    """The answer sentence, or None when the archive does not know that field."""
    title = f"“{document.title}”"
    if kind == "author":
        return f"{title} was written by {document.author}." if document.author else None
    if kind == "date":
        return f"{title} was published on {human_date(document.published)}." if document.published else None
    if kind == "source":
        return f"{title} was published by {document.source}." if document.source else None
    if kind == "latest":
        when = f", published on {human_date(document.published)}" if document.published else ""
        about = f" about {topic}" if topic else ""
        return f"The latest article{about} is {title}{when}."
    return None
