"""Cleaning a question and resolving follow-ups against the conversation so far."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from index.answering.models import Turn
from index.errors import DossierError
from index.lexical import tokenize

_TAG = re.compile(r"<[^<>]{0,200}>")
_FOLLOW_UP_START = re.compile(
    r"^(and|but|also|so|then|what about|how about|what of|and what|and how|and who|and when|why|"
    r"а|и|но|ещё|еще|ал|және)\b",
    re.I,
)
# Pronouns that stand for something named before (English, Russian, Kazakh).
_REFERRING = re.compile(
    r"\b(it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|"
    r"он|она|оно|они|его|её|ее|ему|ей|им|их|нём|нем|ней|ним|них|там|"
    r"ол|оның|оны|оған|олар|олардың|онда)\b",
    re.I,
)


class InvalidQuestion(DossierError):
    """The question cannot be answered as sent (empty, too long)."""


def clean_question(raw: str, max_chars: int) -> str:
    """The question as plain text: markup and control characters removed, spaces folded."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in raw)
    text = " ".join(_TAG.sub(" ", text).split())
    if not text or (not tokenize(text) and not any(ch.isalnum() for ch in text)):
        raise InvalidQuestion("Please send a question in words: this one was empty.")
    if len(text) > max_chars:
        raise InvalidQuestion(
            "That question is too long ({length} characters); please keep it under {limit}.",
            length=len(text),
            limit=max_chars,
        )
    return text


def is_follow_up(question: str) -> bool:
    """Does the question lean on the previous turn ('and how many were rejected?')?"""
    if _FOLLOW_UP_START.match(question) or _REFERRING.search(question):
        return True
    return len(tokenize(question)) <= 2


def contextual_query(question: str, history: Sequence[Turn]) -> str:
    """The text to retrieve with: a follow-up is read together with the question before it."""
    if not history or not is_follow_up(question):
        return question
    return f"{history[-1].question} {question}"
