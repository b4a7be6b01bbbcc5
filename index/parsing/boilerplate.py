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
_PHOTO_CREDIT = re.compile(r"\s*\(?\b(photo|image|picture)\s+(credit|source|by)\s*:\s*\S.{0,60}$", re.I)
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
    return None


def strip_photo_credit(line: str) -> str:
    """Drop a trailing 'Photo credit: X' from a caption, keeping the caption itself."""
    return _PHOTO_CREDIT.sub("", line).strip()


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
        line = strip_photo_credit(line)
        if line:
            kept.append(line)
    return kept
