"""HTML pages: main text and metadata extracted with trafilatura."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from index.errors import UnsupportedDocument
from index.models import Article
from index.parsing.boilerplate import clean_paragraphs
from index.parsing.dates import parse_date

logger = logging.getLogger(__name__)


def parse_html(html: bytes | str, origin: str | None = None, url: str | None = None) -> Article:
    """Extract the article from a page; raise UnsupportedDocument when no article text is found.

    `url` is where the page was fetched from, if it was: it stays the article's link. The page's own
    canonical link is only recorded (`canonical_url`): a page may claim any address.
    """
    # trafilatura is imported here because it takes a noticeable time and only ingestion needs it.
    import trafilatura
    from trafilatura.settings import Document

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    # bare_extraction returns a Document here (a dict only with as_dict=True), or None for no article.
    if not isinstance(document, Document) or not document.text or not document.text.strip():
        raise UnsupportedDocument("no article text found in {origin}", origin=origin or url or "the page")
    paragraphs = clean_paragraphs(document.text.split("\n"), origin)
    title = (document.title or "").strip()
    if not title and paragraphs:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if not paragraphs:
        raise UnsupportedDocument("no article text found in {origin}", origin=origin or url or "the page")
    claimed = document.url if document.url and document.url != url else None
    # The source shown is the host the page came from, never one its claimed link names (trafilatura
    # derives both `hostname` and, without og:site_name, `sitename` from that link).
    sitename = document.sitename if document.sitename != document.hostname or not url else None
    host = urlsplit(url).hostname if url else document.hostname
    return Article(
        title=title,
        paragraphs=tuple(paragraphs),
        published=parse_date(document.date),
        author=document.author or None,
        source=sitename or host or None,
        url=url or claimed,
        origin=origin,
        canonical_url=claimed,
    )
