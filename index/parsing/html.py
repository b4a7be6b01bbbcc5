"""HTML pages: main text and metadata extracted with trafilatura."""

from __future__ import annotations

import logging

from index.errors import UnsupportedDocument
from index.models import Article
from index.parsing.boilerplate import clean_paragraphs
from index.parsing.dates import parse_date

logger = logging.getLogger(__name__)


def parse_html(html: bytes | str, origin: str | None = None, url: str | None = None) -> Article:
    """Extract the article from a page; raise UnsupportedDocument when no article text is found."""
    # trafilatura is imported here because it takes a noticeable time and only ingestion needs it.
    import trafilatura
    from trafilatura.settings import Document

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    # bare_extraction returns a Document here (a dict only with as_dict=True), or None for no article.
    if not isinstance(document, Document) or not document.text or not document.text.strip():
        raise UnsupportedDocument(f"no article text found in {origin or url or 'the page'}")
    paragraphs = clean_paragraphs(document.text.split("\n"), origin)
    title = (document.title or "").strip()
    if not title and paragraphs:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if not paragraphs:
        raise UnsupportedDocument(f"no article text found in {origin or url or 'the page'}")
    return Article(
        title=title,
        paragraphs=tuple(paragraphs),
        published=parse_date(document.date),
        author=document.author or None,
        source=document.sitename or document.hostname or None,
        url=document.url or url,
        origin=origin,
    )
