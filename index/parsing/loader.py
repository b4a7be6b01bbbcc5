"""Reading articles from files, folders and http(s) URLs, with sidecar metadata.

An article's identity (what a changed version replaces) is where it was read: the file's resolved
path, or the URL it was fetched from. What a page says about itself — its canonical link — is kept
as `canonical_url` and never decides which stored article it replaces (index/ingest.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from index.errors import UnsupportedDocument
from index.fetch import FetchPolicy, fetch
from index.language import known
from index.models import Article
from index.parsing.dates import parse_date
from index.parsing.decoding import declared_charset, decode_text
from index.parsing.files import (
    ARTICLE_SUFFIXES,
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    has_printable_name,
    iter_folder,
    read_file,
    shown,
)
from index.parsing.html import parse_html
from index.parsing.markdown import parse_markdown
from index.parsing.plaintext import parse_plain_text

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
META_FIELDS = {"title", "published", "date", "author", "source", "url", "section", "language"}
PAGE_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/plain": "text",
}

__all__ = ["iter_folder", "load_articles", "load_file", "parse_bytes"]


def parse_bytes(
    data: bytes, kind: str, origin: str, url: str | None = None, charset: str | None = None
) -> Article:
    """Parse raw bytes of a known kind ('text', 'markdown' or 'html').

    `url` is where the bytes were fetched from, `charset` what the server declared for them.
    """
    if len(data) > MAX_BYTES:
        raise UnsupportedDocument(
            "{origin} is larger than {size} MB", origin=origin, size=MAX_BYTES // 1024 // 1024
        )
    declared = charset or declared_charset(data, html=kind == "html")
    text = decode_text(data, origin, declared)
    if kind == "html":
        article = parse_html(text, origin=origin, url=url)
    elif kind == "markdown":
        article = parse_markdown(text, origin=origin)
    else:
        article = parse_plain_text(text, origin=origin)
    return replace(article, url=url) if url else article


def _sidecar(path: Path) -> dict[str, str]:
    """Metadata from `NAME.meta.json` beside an article: what the text itself does not say."""
    meta_path = path.with_name(path.stem + ".meta.json")
    if not meta_path.exists():
        return {}
    try:
        data = json.loads(read_file(meta_path, 1024 * 1024).decode("utf-8"))
    except (UnsupportedDocument, ValueError) as error:
        raise UnsupportedDocument(
            "{path} is not valid JSON: {reason}", path=shown(meta_path), reason=error
        ) from None
    if not isinstance(data, dict):
        raise UnsupportedDocument("{path} must hold a JSON object", path=shown(meta_path))
    return {k: str(v) for k, v in data.items() if k in META_FIELDS and v is not None}


def _apply_meta(article: Article, meta: dict[str, str]) -> Article:
    if not meta:
        return article
    published = parse_date(meta.get("published") or meta.get("date"))
    return replace(
        article,
        title=meta.get("title", article.title),
        published=published or article.published,
        author=meta.get("author", article.author),
        source=meta.get("source", article.source),
        url=meta.get("url", article.url),
        section=meta.get("section", article.section),
        language=known(meta["language"]) if meta.get("language") else article.language,  # else detected
    )


def load_file(path: Path) -> Article:
    """Parse one article file, taking its kind from the suffix."""
    origin = shown(path)
    if not has_printable_name(path):
        raise UnsupportedDocument(
            "{origin}: the file name is not valid UTF-8; rename the file", origin=origin
        )
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise UnsupportedDocument(
            "{origin}: unsupported file type {suffix}; use .txt, .md or .html",
            origin=origin,
            suffix=suffix or "(none)",
        )
    data = read_file(path, MAX_BYTES)
    kind = "html" if suffix in HTML_SUFFIXES else "markdown" if suffix in MARKDOWN_SUFFIXES else "text"
    article = parse_bytes(data, kind, origin)
    return _apply_meta(replace(article, origin=shown(path.resolve())), _sidecar(path))


def fetch_url(url: str, policy: FetchPolicy, deadline: float | None = None) -> Article:
    """Download and parse an article page; refused, unreachable or unreadable pages raise FetchError
    or UnsupportedDocument. `deadline` (time.monotonic()) may cut the policy's own deadline short."""
    page = fetch(url, policy, PAGE_TYPES.__contains__, deadline=deadline, what="an HTML page")
    article = parse_bytes(page.body, PAGE_TYPES[page.content_type], url, url=page.url, charset=page.charset)
    return replace(article, origin=url)


def load_articles(
    item: str, policy: FetchPolicy | None = None
) -> Iterator[tuple[str, Article | UnsupportedDocument]]:
    """(origin, article or the error that stopped it) for a file, a folder or a URL.

    URLs are fetched under `policy` (by default: public addresses only).
    """
    if item.startswith(("http://", "https://")):
        try:
            yield item, fetch_url(item, policy or FetchPolicy())
        except UnsupportedDocument as error:
            yield item, error
        return
    path = Path(item)
    if not path.exists():
        yield shown(item), UnsupportedDocument("{item} does not exist", item=shown(item))
        return
    files = iter_folder(path) if path.is_dir() else [path]
    if path.is_dir() and not files:
        yield (
            shown(item),
            UnsupportedDocument("{item} holds no articles (.txt, .md or .html files)", item=shown(item)),
        )
        return
    for file in files:
        try:
            yield shown(file), load_file(file)
        except UnsupportedDocument as error:
            yield shown(file), error
