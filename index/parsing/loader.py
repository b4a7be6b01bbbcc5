"""Reading articles from files, folders and http(s) URLs, with sidecar metadata."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from index.errors import UnsupportedDocument
from index.models import Article
from index.parsing.dates import parse_date
from index.parsing.html import parse_html
from index.parsing.markdown import parse_markdown
from index.parsing.plaintext import parse_plain_text

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ARTICLE_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES
MAX_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = 15.0
META_FIELDS = {"title", "published", "date", "author", "source", "url", "section"}


def _decode(data: bytes, origin: str) -> str:
    if not data.strip():
        raise UnsupportedDocument(f"{origin} is empty")
    if b"\x00" in data[:8192]:
        raise UnsupportedDocument(f"{origin} is a binary file, not an article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsupportedDocument(
            f"{origin} is not UTF-8 text (byte {error.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None


def parse_bytes(data: bytes, kind: str, origin: str, url: str | None = None) -> Article:
    """Parse raw bytes of a known kind ('text', 'markdown' or 'html')."""
    if len(data) > MAX_BYTES:
        raise UnsupportedDocument(f"{origin} is larger than {MAX_BYTES // 1024 // 1024} MB")
    if kind == "html":
        _decode(data[:65536], origin)  # refuse binary and empty input with the same words
        article = parse_html(data, origin=origin, url=url)
    elif kind == "markdown":
        article = parse_markdown(_decode(data, origin), origin=origin)
    else:
        article = parse_plain_text(_decode(data, origin), origin=origin)
    if url and not article.url:
        article = replace(article, url=url)
    return article


def _sidecar(path: Path) -> dict[str, str]:
    """Metadata from `NAME.meta.json` beside an article: what the text itself does not say."""
    meta_path = path.with_name(path.stem + ".meta.json")
    if not meta_path.exists():
        return {}
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnsupportedDocument(f"{meta_path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise UnsupportedDocument(f"{meta_path} must hold a JSON object")
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
    )


def load_file(path: Path) -> Article:
    """Parse one article file, taking its kind from the suffix."""
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise UnsupportedDocument(
            f"{origin}: unsupported file type {suffix or '(none)'}; use .txt, .md or .html"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnsupportedDocument(f"cannot read {origin}: {error.strerror}") from None
    kind = "html" if suffix in HTML_SUFFIXES else "markdown" if suffix in MARKDOWN_SUFFIXES else "text"
    article = parse_bytes(data, kind, origin)
    return _apply_meta(replace(article, origin=str(path.resolve())), _sidecar(path))


def fetch_url(url: str) -> Article:
    """Download and parse an article page; non-HTML or unreachable pages raise UnsupportedDocument."""
    import httpx

    try:
        response = httpx.get(
            url,
            timeout=FETCH_TIMEOUT,
            follow_redirects=True,
            headers={"User-Agent": "Dossier/0.1 (news archive indexer)"},
        )
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        raise UnsupportedDocument(f"{url} answered HTTP {error.response.status_code}") from None
    except httpx.HTTPError as error:
        raise UnsupportedDocument(f"cannot fetch {url}: {error.__class__.__name__}") from None
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("text/html", "application/xhtml+xml"):
        kind = "html"
    elif content_type == "text/markdown":
        kind = "markdown"
    elif content_type == "text/plain":
        kind = "text"
    else:
        raise UnsupportedDocument(f"{url} is {content_type or 'of unknown type'}, not an HTML page")
    article = parse_bytes(response.content, kind, url, url=str(response.url))
    return replace(article, origin=url)


def iter_folder(folder: Path) -> list[Path]:
    """Article files below a folder, sorted, hidden files and sidecars skipped."""
    files = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
            files.append(path)
    return files


def load_articles(item: str) -> Iterator[tuple[str, Article | UnsupportedDocument]]:
    """(origin, article or the error that stopped it) for a file, a folder or a URL."""
    if item.startswith(("http://", "https://")):
        try:
            yield item, fetch_url(item)
        except UnsupportedDocument as error:
            yield item, error
        return
    path = Path(item)
    if not path.exists():
        yield item, UnsupportedDocument(f"{item} does not exist")
        return
    files = iter_folder(path) if path.is_dir() else [path]
    if path.is_dir() and not files:
        yield item, UnsupportedDocument(f"{item} holds no articles (.txt, .md or .html files)")
        return
    for file in files:
        try:
            yield str(file), load_file(file)
        except UnsupportedDocument as error:
            yield str(file), error
