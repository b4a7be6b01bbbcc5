"""What the archive holds, for /start and /about: counts, dates and example questions drawn from it.

Example questions are made from whatever articles are stored (names in their opening sentences,
their titles and metadata) and kept only if the service really answers them, so the greeting never
suggests a question that ends in a refusal.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from index.errors import DossierError
from index.models import DocumentInfo

if TYPE_CHECKING:
    from index.answering.service import AnsweringService

EXAMPLES = 3
DOCUMENTS_READ = 12  # the newest articles are enough to find three good questions
ATTEMPTS = 12  # candidate questions tried at most (each is one ~5 ms answer)
CONNECTORS = {"of", "the", "and", "for", "de", "von", "al"}
TEMPLATES = ("What do the articles say about {}?", "What is reported about {}?")
LEADING = {"The", "A", "An", "As", "In", "On", "At", "During", "After", "Before", "Following"}


@dataclass(frozen=True)
class ArchiveSummary:
    """How many articles, from when to when, and questions worth trying."""

    articles: int
    first: date | None
    last: date | None
    examples: tuple[str, ...]
    revision: str


def summarize(service: AnsweringService) -> ArchiveSummary:
    """Counts, date range and verified example questions (blocking: run it off the event loop)."""
    documents = service.documents()
    dates = [d.published for d in documents if d.published]
    return ArchiveSummary(
        articles=len(documents),
        first=min(dates, default=None),
        last=max(dates, default=None),
        examples=tuple(_verified(service, _candidates(service, documents[:DOCUMENTS_READ]))),
        revision=service.archive.revision,
    )


def _verified(service: AnsweringService, candidates: Iterator[str]) -> list[str]:
    chosen: list[str] = []
    for question in itertools.islice(candidates, ATTEMPTS):
        try:
            if not service.answer(question).refused:
                chosen.append(question)
        except DossierError:
            continue
        if len(chosen) == EXAMPLES:
            break
    return chosen


def _candidates(service: AnsweringService, documents: list[DocumentInfo]) -> Iterator[str]:
    """Questions about names in each article's opening, then about its metadata; newest first."""
    seen: set[str] = set()
    about = [_name_question(service, d, TEMPLATES[i % len(TEMPLATES)]) for i, d in enumerate(documents)]
    meta = [_metadata_question(d) for d in documents]
    for question in itertools.chain(about, meta):
        if question and question.casefold() not in seen:
            seen.add(question.casefold())
            yield question


def _name_question(service: AnsweringService, document: DocumentInfo, template: str) -> str | None:
    opening = service.context(document.doc_id, 0, window=2)
    names = Counter(
        run for sentence in re.split(r"(?<=[.!?])\s+", opening) for run in capitalised_runs(sentence)
    )
    for run in capitalised_runs(document.title):
        if run in names:
            names[run] += 1
    if not names:
        return None
    best = max(names, key=lambda run: (names[run], len(run.split())))
    return template.format(best)


def _metadata_question(document: DocumentInfo) -> str | None:
    title = _short(document.title)
    if document.author:
        return f"Who wrote “{title}”?"
    if document.published:
        return f"When was “{title}” published?"
    return None


def capitalised_runs(sentence: str) -> list[str]:
    """Names of two to six words ('Eurasian Intergovernmental Council'), from running text."""
    runs: list[list[str]] = [[]]
    for token in sentence.split():
        word = re.sub(r"(’s|'s)?[.,;:!?)\]”\"]*$", "", token).lstrip('(“"[')
        capitalised = word[:1].isupper() and any(ch.islower() for ch in word)
        if capitalised or (word in CONNECTORS and runs[-1]):
            runs[-1].append(word)
        else:
            runs.append([])
        if word != token:  # punctuation ends a name
            runs.append([])
    names = []
    for run in runs:
        while run and (run[-1] in CONNECTORS):
            run.pop()
        if run and run[0] in LEADING:
            run.pop(0)
        if 2 <= len(run) <= 6:
            names.append(" ".join(run))
    return names


def _short(title: str, words: int = 8) -> str:
    parts = title.split()
    return title if len(parts) <= words else " ".join(parts[:words]) + "…"
