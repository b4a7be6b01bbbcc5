"""The direct answer inside a sentence: the name, date, number or place the question asks for.

A phrase of the asked type that the question does not already say; of several, the one nearest the
question's own words in the sentence (answers sit next to what the question repeats, the classic
heuristic of extractive QA). bench/answer_quality.py reports how often it equals or contains the
gold answer.
"""

from __future__ import annotations

import re

from index.answering.extractive import stems
from index.answering.features import Question

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{3,4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+\d{{3,4}})?|{_MONTH}\s+\d{{3,4}}|(?:the\s+)?(?:early\s+|late\s+|mid-?)?\d{{3,4}}s|"
    r"\d{1,2}(?:st|nd|rd|th)[- ]century|\d{3,4}(?:\s*[-–]\s*\d{2,4})?(?:\s+(?:BC|AD|BCE|CE))?)(?!\w)"
)
_SCALE = r"(?:\s+(?:million|billion|trillion|thousand|hundred|percent|per\s+cent))?"
_NUMBER = re.compile(
    rf"(?<![\w.])(?:[$€£¥]\s?)?\d[\d,]*(?:\.\d+)?%?{_SCALE}(?![\w])|\b(?:one|two|three|four|five|six|seven|"
    rf"eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozen){_SCALE}\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:(?:\s+(?:of|the|de|da|von|van|del|and|&))*\s+[A-Z][\w'’-]*)*")
_PLACE = re.compile(rf"\b(?:in|at|from|near|to|into|across|visited|outside)\s+(?:the\s+)?({_NAME.pattern})")
# Capitalised only because they open the sentence.
_OPENERS = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "By",
        "For",
        "From",
        "During",
        "After",
        "Before",
        "As",
        "It",
        "He",
        "She",
        "They",
        "This",
        "These",
        "His",
        "Her",
        "Their",
        "Its",
        "When",
        "While",
        "Although",
    ]
)


def short_answer(question: Question, sentence: str) -> str | None:
    """The phrase of `sentence` that answers `question`, or None when the question asks for no such
    phrase or the sentence holds none the question does not already say."""
    spans = [_past_the_question(question, sentence, span) for span in _spans(question.kind, sentence)]
    asked = question.text.casefold()
    fresh = [(s, e) for s, e in spans if _new(sentence[s:e], asked, question)]
    if not fresh:
        return None
    anchors = _anchors(question, sentence)
    if not anchors:
        start, end = fresh[0]
    else:
        start, end = min(fresh, key=lambda span: min(_distance(span, a) for a in anchors))
    return sentence[start:end].strip(" ,;:")


def _spans(kind: str | None, sentence: str) -> list[tuple[int, int]]:
    if kind == "date":
        return [m.span() for m in _DATE.finditer(sentence)]
    if kind in ("number", "measure"):
        years = [m.span() for m in re.finditer(r"\b(1\d|20)\d\d\b", sentence)] if kind == "number" else []
        return [m.span() for m in _NUMBER.finditer(sentence) if m.span() not in years]
    if kind == "place":
        return [m.span(1) for m in _PLACE.finditer(sentence)]
    if kind == "name":
        spans = []
        for m in _NAME.finditer(sentence):
            start, text = m.start(), m.group(0)
            first = text.split()[0]
            if first in _OPENERS:  # a capitalised sentence opener, not a name
                rest = text[len(first) :].lstrip()
                if not rest:
                    continue
                start, text = m.end() - len(rest), rest
            spans.append((start, start + len(text)))
        return spans
    return []


def _past_the_question(question: Question, sentence: str, span: tuple[int, int]) -> tuple[int, int]:
    """A name that opens with the question's words keeps only what follows them: "President of
    Belarus Alexander Lukashenko" answers "Who is the president of Belarus?" with its last two words."""
    start, end = span
    last = None
    for m in re.finditer(r"[\w'’-]+", sentence[start:end]):
        words = stems(m.group(0))
        if words and words[0] in question.weights:
            last = m.end()
    if last is None:
        return span
    rest = re.match(r"(?:\s+(?:of|the|de|da|von|van|del|and|&))*\s+", sentence[start + last : end])
    return (start + last + rest.end(), end) if rest and start + last + rest.end() < end else span


def _new(phrase: str, asked: str, question: Question) -> bool:
    """Does the phrase say something the question does not?"""
    if phrase.casefold().strip() in asked:
        return False
    words = stems(phrase)
    return not words or any(w not in question.terms for w in words)


def _anchors(question: Question, sentence: str) -> list[tuple[int, int]]:
    """Where the question's telling words occur in the sentence."""
    found = []
    for m in re.finditer(r"\w+(?:[-.,%]\w+)*%?", sentence):
        words = stems(m.group(0))
        if words and words[0] in question.weights:
            found.append(m.span())
    return found


def _distance(span: tuple[int, int], anchor: tuple[int, int]) -> int:
    if span[1] <= anchor[0]:
        return anchor[0] - span[1]
    if anchor[1] <= span[0]:
        return span[0] - anchor[1]
    return 10_000  # overlapping the question's own word: that is the question, not the answer
