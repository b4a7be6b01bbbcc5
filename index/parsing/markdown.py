"""Markdown articles: optional YAML-style front matter, the first heading as the title."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from index.errors import UnsupportedDocument
from index.models import Article
from index.parsing.boilerplate import clean_paragraphs
from index.parsing.dates import parse_date
from index.parsing.plaintext import parse_plain_text

_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<body>.*?)\n---\s*\n", re.S)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match["body"].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("'\"")
    return fields, text[match.end() :]


def _blocks(text: str) -> list[tuple[str, str]]:
    """(kind, plain text) per block: 'heading' or 'paragraph', inline markup removed."""
    blocks: list[tuple[str, str]] = []
    kind = "paragraph"
    for token in MarkdownIt("commonmark").parse(text):
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "paragraph_open":
            kind = "paragraph"
        elif token.type == "inline" and token.children is not None:
            parts = []
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            blocks.append((kind, "".join(parts)))
    return blocks


def parse_markdown(text: str, origin: str | None = None) -> Article:
    """Parse a Markdown article; without a heading it is read like the plain-text format."""
    meta, body = _front_matter(text)
    blocks = _blocks(body)
    title = meta.get("title")
    if not title:
        headings = [content for kind, content in blocks if kind == "heading"]
        if not headings:
            article = parse_plain_text("\n\n".join(c for _, c in blocks), origin)
            return _with_meta(article, meta)
        title = headings[0]
        first = blocks.index(("heading", title))
        blocks = blocks[:first] + blocks[first + 1 :]
    paragraphs = clean_paragraphs([content for _, content in blocks], origin)
    if not paragraphs:
        raise UnsupportedDocument("{origin} has a title but no body text", origin=origin or "the article")
    article = Article(title=" ".join(title.split()), paragraphs=tuple(paragraphs), origin=origin)
    return _with_meta(article, meta)


def _with_meta(article: Article, meta: dict[str, str]) -> Article:
    from dataclasses import replace

    return replace(
        article,
        title=meta.get("title") or article.title,
        published=parse_date(meta.get("date") or meta.get("published")) or article.published,
        author=meta.get("author") or article.author,
        source=meta.get("source") or article.source,
        url=meta.get("url") or article.url,
    )
