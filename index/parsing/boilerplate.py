"""Recognising layout debris and site boilerplate so that only article sentences are indexed."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# Calls to follow the site elsewhere, in the languages of the archives we see (English, Russian,
# Kazakh, Ukrainian, German, French, Spanish): a platform word plus an invitation verb.
_PLATFORMS = re.compile(
    r"telegram|twitter|facebook|instagram|whatsapp|youtube|tiktok|vk\.com|newsletter|rss|"
    r"телеграм|рассылк|e-?mail",
    re.IGNORECASE,
)
_INVITATIONS = re.compile(
    r"\b(subscribe|sign up|follow us|follow the|join us|join our|get (the|our)\b.*\bsent|"
    r"sent directly to you|stay (informed|updated|tuned)|don'?t miss)|"
    r"подпис|следите|оставайтесь в курсе|підпис|жазылыңыз|abonn|suscr|folgen sie|abonnieren",
    re.IGNORECASE,
)
_SITE_FURNITURE = re.compile(
    r"^(most (recent|popular|read|viewed) (stories|news|articles|posts)\b.*|"
    r"view more\b.*|read more\b.*|see also:?|related( articles| stories| news)?:?|"
    r"share (this|on)\b.*|advertisement|tags?:.*|print|comments?|share|tweet|"
    r"click here\b.*|continue reading\b.*|back to top)$",
    re.IGNORECASE,
)
# A caption carries its credit: "Meeting of the Council. Photo credit: Gov.kz", "(Photo: AP)",
# "Image courtesy of NASA", "© Reuters". Captions describe a picture the archive does not keep; they
# are not statements of the article, and were cited as answers (issue 11).
_PHOTO_CREDIT = re.compile(
    r"\(?\b(photo|image|picture|video|illustration)\s*(credit|source|courtesy|by)?\s*:\s*\S.{0,80}$|"
    r"\b(photo|image|picture)\s+(courtesy of|by)\s+\S.{0,60}$|©\s*\S.{0,60}$",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]{2,}")


def is_debris(line: str) -> bool:
    """A line with no real word in it: stray layout tokens such as `l  r` or `| |`."""
    return not _WORD.search(line)


def boilerplate_reason(line: str) -> str | None:
    """Why a stripped line is not article text, or None when it is article text."""
    if is_debris(line):
        return "layout debris"
    if _SITE_FURNITURE.match(line):
        return "site furniture"
    if len(line) < 400 and _PLATFORMS.search(line) and _INVITATIONS.search(line):
        return "subscription call"
    if len(line) < 400 and _PHOTO_CREDIT.search(line):
        return "photo caption"
    return None


def clean_paragraphs(lines: list[str], origin: str | None = None) -> list[str]:
    """Keep the article's paragraphs, logging at debug level every line that was dropped."""
    kept: list[str] = []
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        reason = boilerplate_reason(line)
        if reason:
            logger.debug("dropped %s from %s: %r", reason, origin or "article", line)
            continue
        kept.append(line)
    return kept
