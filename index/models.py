"""Domain types shared across the core: what an article, a chunk and a search hit are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from index.errors import DossierError


@dataclass(frozen=True)
class Article:
    """A parsed article: clean paragraphs plus whatever metadata the source gave."""

    title: str
    paragraphs: tuple[str, ...]
    published: date | None = None
    author: str | None = None
    source: str | None = None
    url: str | None = None
    section: str | None = None
    dateline: str | None = None
    byline: str | None = None  # the byline as printed, quoted when an answer cites the author or date
    origin: str | None = None  # where it was read from: a URL or a file path; its identity
    canonical_url: str | None = None  # the link a page declares for itself: recorded, never trusted
    language: str | None = None  # "en", "ru" or "kk" (index/language.py); None: detected when added

    @property
    def text(self) -> str:
        """The article body as stored: paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Sentence:
    """One sentence with its place in the document text."""

    position: int
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences embedded together; offsets point into the document text."""

    position: int
    paragraph: int
    start: int
    end: int
    first_sentence: int
    last_sentence: int
    text: str


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document's identity and metadata, as search results and answers show it."""

    doc_id: str
    title: str
    published: date | None
    author: str | None
    source: str | None
    url: str | None
    origin: str | None
    added_at: str
    chunk_count: int = 0
    sentence_count: int = 0
    byline: str | None = None
    language: str = "en"  # the article's language: how its words are read, what an answer quotes


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its document and the scores that ranked it."""

    chunk_id: int
    document: DocumentInfo
    text: str
    start: int
    end: int
    first_sentence: int
    last_sentence: int
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AddResult:
    """What adding one item did: 'added', 'updated', 'unchanged' or 'failed'."""

    item: str
    status: str
    doc_id: str | None = None
    title: str | None = None
    error: str | None = None  # in English
    reason: DossierError | None = field(default=None, compare=False)  # the error itself, to word it again
