"""What kind of thing a question asks for, and whether a sentence contains one.

A sentence that shares the question's words but holds no date cannot answer "when …?": checking
the expected answer type is the classic guard of extractive QA against confident non-answers.
"""

from __future__ import annotations

import re

_NUMBER_QUESTION = re.compile(
    r"^(and |so |but )?(how (many|much)|what (number|percentage|percent|share|proportion|amount)|"
    r"what (was|is) the (number|percentage|share|amount))\b",
    re.I,
)
_DATE_QUESTION = re.compile(
    r"\b(when|what (year|date|day|month|time)|which (year|date|day|month)|since when|how long ago)\b", re.I
)
_NAME_QUESTION = re.compile(r"^(and |so |but )?(who|whom|whose)\b", re.I)

_NUMBER = re.compile(
    r"\b\d[\d,.]*%?|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half|third|quarter)\b",
    re.I,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(1[89]\d\d|20\d\d)\b|\b({_MONTHS})\b\.?|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|yesterday|tomorrow|last (week|month|year)|next (week|month|year))\b"
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")


def expected_type(question: str) -> str | None:
    """'number', 'date', 'name', or None when any sentence may answer."""
    if _NUMBER_QUESTION.search(question):
        return "number"
    if _DATE_QUESTION.search(question):
        return "date"
    if _NAME_QUESTION.search(question):
        return "name"
    return None


def has_answer_type(kind: str | None, sentence: str, question: str) -> bool:
    """Does the sentence contain something of the expected kind that the question did not say?"""
    if kind is None:
        return True
    asked = question.lower()
    if kind == "number":
        return any(m.group(0).lower() not in asked for m in _NUMBER.finditer(sentence))
    if kind == "date":
        return any(m.group(0).lower() not in asked for m in _DATE.finditer(sentence.lower()))
    return any(m.group(0).lower() not in asked for m in _NAME.finditer(sentence))
