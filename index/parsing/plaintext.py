"""The plain-text article format of the seeds: title line, optional byline and dateline, paragraphs."""

from __future__ import annotations

import re

from index.errors import UnsupportedDocument
from index.models import Article
from index.parsing.boilerplate import clean_paragraphs
from index.parsing.dates import bare_date, parse_date

_BYLINE = re.compile(
    r"^by\s+(?P<author>.+?)(?:\s+in\s+(?P<section>.+?))?(?:\s+on\s+(?P<date>.+?))?\s*$", re.I
)
# "Автор: Айзада Арыстанбек, 30 апреля 2021 года", "Авторы: …" (Kazakh: "its author").
_BYLINE_CYRILLIC = re.compile(
    r"^(автор|авторы|текст)\s*[:—–-]\s*(?P<author>[^,|]+?)(?:\s*[,|]\s*(?P<date>.+?))?\s*$", re.I
)
_DATE_LINE = re.compile(
    r"^(published|posted|updated|date|опубликовано|обновлено|дата публикации|дата|жарияланды|"
    r"жарияланған күні|жарияланған|жаңартылды)\s*:?\s*(?P<date>.+)$",
    re.I,
)
# "NUR-SULTAN – …", "MINSK (Reuters) — …", "НУР-СУЛТАН – …": an upper-case place, a dash, then the lead.
_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_DATELINE = re.compile(
    rf"^(?P<place>[{_UPPER}][{_UPPER} .'’-]{{1,40}}?(?:\s*\([^)]{{1,40}}\))?)\s*[–—-]\s+(?=\S)"
)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; single newlines inside one are folded."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[str] = []
    for block in blocks:
        # A block whose lines are all short is a list of separate lines (titles, bylines, debris).
        parts = [p for p in block.split("\n") if p.strip()]
        if len(parts) > 1 and all(len(p) < 60 for p in parts):
            lines.extend(parts)
        elif parts:
            lines.append(" ".join(p.strip() for p in parts))
    return lines


def parse_plain_text(text: str, origin: str | None = None) -> Article:
    """Parse the seed format; metadata lines are consumed, the rest are paragraphs."""
    paragraphs = clean_paragraphs(split_paragraphs(text), origin)
    if not paragraphs:
        raise UnsupportedDocument("{origin} has no text", origin=origin or "the article")
    title, body = paragraphs[0], paragraphs[1:]
    author = section = dateline = byline_text = None
    published = None
    rest: list[str] = []
    for index, para in enumerate(body):
        top = index < 3
        byline = (_BYLINE.match(para) or _BYLINE_CYRILLIC.match(para)) if top and len(para) < 200 else None
        date_line = _DATE_LINE.match(para) if top and len(para) < 80 else None
        if byline:
            author, section, byline_text = byline["author"], byline.groupdict().get("section"), para
            published = parse_date(byline["date"]) or published
            continue
        if date_line and parse_date(date_line["date"]):
            published = parse_date(date_line["date"])
            continue
        if top and len(para) < 40 and bare_date(para):
            published = bare_date(para)
            continue
        if dateline is None and not rest:
            match = _DATELINE.match(para)
            if match:
                dateline = match["place"].strip()
                para = para[match.end() :]
        rest.append(para)
    if not rest:
        raise UnsupportedDocument("{origin} has a title but no body text", origin=origin or "the article")
    return Article(
        title=title,
        paragraphs=tuple(rest),
        published=published,
        author=author,
        section=section,
        dateline=dateline,
        byline=byline_text,
        origin=origin,
    )
