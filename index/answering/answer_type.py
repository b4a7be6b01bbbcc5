"""What kind of thing a question asks for, and whether a sentence contains one.

A sentence that shares the question's words but holds no date rarely answers "when …?": the
expected answer type is the classic clue of extractive QA against confident non-answers. These are
features of the learned scorer (index/answering/features.py), never vetoes on their own: "when" in
"what did he do when …" asks for no date, and a year may be written "1606" or "the 1050s".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.lexical import tokenize

_NUMBER_QUESTION = re.compile(
    r"^(and |so |but )?(how many|what (number|percentage|percent|share|proportion)|"
    r"what (was|is) the (number|percentage|share|amount))\b|"
    r"^(а |и )?(сколько|какая доля|какой процент)\b|\b(қанша|неше)\b",
    re.I,
)
# "What is the population of …?" and "how much …?" ask for a measured figure.
_QUANTITY_QUESTION = re.compile(
    r"\bhow much\b|\b(what|how) (is|was|are|were|will be) the (\w+ ){0,2}(population|gdp|turnover|volume|cost|price|"
    r"budget|revenue|value|rate|size|area|salary|income|debt|deficit|amount|total|growth|inflation|"
    r"temperature|height|length|distance|capacity|output|number|share|percentage)\b|"
    r"\b(каков|какова|каково|каковы) (\w+ )?(площадь|длина|глубина|высота|ширина|численность|стоимость|"
    r"цена|бюджет|объ[её]м|размер|население|доля|протяж[её]нность)|\bсколько стоит",
    re.I,
)
# Capital letters of the Latin, Russian and Kazakh alphabets: where names start.
_UPPER_LETTERS = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
# "Who is the president of Kazakhstan?": an office of a place, which only a sentence tying that office
# to that place answers. Offices only: "who was the father of X" asks for a relation any sentence may
# state in its own words ("her father Mathew").
_OFFICES = (
    r"president|vice president|prime minister|premier|head of state|head of government|chancellor|king|"
    r"queen|emperor|empress|monarch|sultan|emir|mayor|governor|(?:foreign |finance |defen[cs]e )?minister|"
    r"secretary of state|secretary general|ceo|chief executive|chairman|chairwoman|pope|ambassador"
)
_ROLE_QUESTION = re.compile(
    rf"^(and |so )?who (is|was|are|were) (the )?(current |new |former )?(?P<role>{_OFFICES}) of (the )?"
    r"(?P<entity>[A-Z][\w -]{1,40}?)\??$",
    re.I,
)
# The same in Russian, the office in any case and the place in the genitive ("Кто является президентом
# Беларуси?"); the office is kept as written up to its ending, which news inflects too.
_OFFICES_RU = (
    r"вице-президент|президент|премьер-министр|премьер|глав\w* (?:государства|правительства)|канцлер|"
    r"корол|император|султан|эмир|мэр|аким|губернатор|министр|посол|председател|генеральн\w* секретар"
)
_ROLE_QUESTION_RU = re.compile(
    r"^(а |и )?кто (сейчас |теперь )?(является |был |была |стал |стала )?(нынешн\w* |нов\w* |бывш\w* |"
    rf"действующ\w* )?(?P<role>{_OFFICES_RU})\w* (республики )?(?P<entity>[{_UPPER_LETTERS}][\w -]{{1,40}}?)\??$",
    re.I,
)
_DATE_QUESTION = re.compile(
    r"^(and |so |but )?when\b|\b(what|which) (year|date|day|month|time period|period|century|decade|era)\b|"
    r"\b(since|until|till) when\b|\bhow long ago\b|"
    r"^(а |и )?когда\b|\b(в|до|с|к) как(ом|ого|ому) (году|года|числа|времени)\b|\bкакого числа\b|"
    r"\bқашан\b|\bқай (жылы|күні|айда)\b",
    re.I,
)
_NAME_QUESTION = re.compile(
    r"^(and |so |but )?(who|whom|whose)\b|^(а |и )?(кто|кого|кем|кому|чей|чья)\b|\bкім", re.I
)
_PLACE_QUESTION = re.compile(
    r"^(and |so |but )?where\b|\bin which (city|country|town|place)\b|"
    r"^(а |и )?(где|куда|откуда)\b|\bв как(ой|ом) (городе|стране|области|районе|месте)\b|\bқайда\b|\bқай жерде\b",
    re.I,
)
_UPPER = _UPPER_LETTERS
_PLACE = re.compile(
    rf"\b(in|at|to|from|visited|near|в|во|на|из|под|около|посетил|посетила)\s+(the\s+)?([{_UPPER}][\w’'-]+)"
)
# How news writes the same office: a question about the one must accept the others.
_ROLE_NAMES = {
    "prime minister": r"prime\s+minister|premier|heads?\s+of\s+(the\s+)?governments?",
    "premier": r"prime\s+minister|premier|heads?\s+of\s+(the\s+)?governments?",
    "head of government": r"prime\s+minister|premier|heads?\s+of\s+(the\s+)?governments?",
    "president": r"president|head\s+of\s+state",
    "head of state": r"president|head\s+of\s+state",
    "президент": r"президент|глав\w*\s+государств",
    "премьер-министр": r"премьер|глав\w*\s+правительств",
    "премьер": r"премьер|глав\w*\s+правительств",
    "глава государства": r"президент|глав\w*\s+государств",
    "глава правительства": r"премьер|глав\w*\s+правительств",
}

_NUMBER = re.compile(
    r"\b\d[\d,.]*%?|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half|third|quarter)\b",
    re.I,
)
_DIGITS = re.compile(r"(?<![\w-])\d[\d,.]*%?(?![\w-])")
_YEARS = re.compile(r"\b(1\d|20)\d\d(\s*[-–]\s*(1\d|20)?\d\d)?\b")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[яй]|июн[ья]|июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья]|"
    "қаңтар\\w*|ақпан\\w*|наурыз\\w*|сәуір\\w*|мамыр\\w*|маусым\\w*|шілде\\w*|тамыз\\w*|қыркүйек\\w*|қазан\\w*|"
    "қараша\\w*|желтоқсан\\w*"
)
_DATE = re.compile(
    rf"\b\d{{3,4}}s?\b|\b\d{{1,2}}(st|nd|rd|th)?[- ]centur(y|ies)\b|\b(bc|ad|bce|ce)\b|\b({_MONTHS})\b\.?|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|yesterday|tomorrow|last (week|month|year)|next (week|month|year))\b"
)
_NAME = re.compile(rf"(?<![.!?]\s)(?<!^)\b[{_UPPER}][\w’'-]+(?:\s+[{_UPPER}][\w’'-]+)*")
# A capitalised word after a question's first names someone or something ("What did Pashinyan say?").
_QUESTION_NAME = re.compile(rf"(?<=\s)[{_UPPER}][\w’'-]+")


def expected_type(question: str) -> str | None:
    """'measure', 'number', 'date', 'name', or None when any sentence may answer."""
    if _QUANTITY_QUESTION.search(question):
        return "measure"
    if _NUMBER_QUESTION.search(question):
        return "number"
    if _DATE_QUESTION.search(question):
        return "date"
    if _NAME_QUESTION.search(question):
        return "name"
    if _PLACE_QUESTION.search(question):
        return "place"
    return None


def has_answer_type(kind: str | None, sentence: str, question: str) -> bool:
    """Does the sentence contain something of the expected kind that the question did not say?"""
    if kind is None:
        return True
    asked = question.lower()
    if kind == "measure":
        # Figures are printed in digits; "two countries" or "COVID-19" measure nothing.
        counted = _YEARS.sub(" ", sentence)
        return any(m.group(0) not in asked for m in _DIGITS.finditer(counted))
    if kind == "number":
        # A year ("2021", "2021-2025") dates something; it does not count or measure it.
        counted = _YEARS.sub(" ", sentence)
        return any(m.group(0).lower() not in asked for m in _NUMBER.finditer(counted))
    if kind == "date":
        return any(m.group(0).lower() not in asked for m in _DATE.finditer(sentence.lower()))
    if kind == "place":
        return any(m.group(3).lower() not in asked for m in _PLACE.finditer(sentence))
    return any(m.group(0).lower() not in asked for m in _NAME.finditer(sentence))


def role_holds(question: str, sentence: str) -> bool:
    """For 'who is the ROLE of PLACE', the sentence names that role of that place, not another's."""
    russian = _ROLE_QUESTION_RU.match(question.strip())
    if russian:
        return _russian_role_holds(russian, sentence)
    match = _ROLE_QUESTION.match(question.strip())
    if not match:
        return True
    role_words = " ".join(match["role"].lower().split())
    role = _ROLE_NAMES.get(role_words, re.escape(role_words))
    entity = match["entity"].strip()
    stem = re.escape(entity[: max(4, len(entity) - 3)])  # Belarus/Belarusian, Kazakhstan/Kazakh
    linked = re.compile(
        rf"\b({role})\s+of\s+(the\s+)?(republic\s+of\s+)?{stem}|\b{stem}\w*(’s|'s)?\s+({role})\b|"
        rf"\b({role})\s+of\s+(the\s+)?\w+\s+of\s+{stem}\w*\s+[—–-]",
        re.I,
    )
    return bool(linked.search(sentence))


def _russian_role_holds(match: re.Match[str], sentence: str) -> bool:
    words = " ".join(match["role"].lower().split())
    role = _ROLE_NAMES.get(re.sub(r"^глав\w*", "глава", words), re.escape(words))
    entity = match["entity"].strip()
    stem = re.escape(entity[: max(4, len(entity) - 3)])  # Беларуси/Беларусь, Казахстана/Казахстан
    linked = re.compile(rf"\b({role})[\w-]*\s+(республики\s+)?{stem}|\b{stem}\w*\s+({role})", re.I)
    return bool(linked.search(sentence))


def question_names(question: str, language: str = "en") -> list[str]:
    """The stems of the names a question mentions."""
    return [
        tokens[0] for m in _QUESTION_NAME.finditer(question) if (tokens := tokenize(m.group(0), language))
    ]


def is_role_question(question: str) -> bool:
    """Is it 'who is the ROLE of PLACE?'"""
    return bool(_ROLE_QUESTION.match(question.strip()) or _ROLE_QUESTION_RU.match(question.strip()))


def names_missing(names: Sequence[str], words: frozenset[str]) -> float:
    """Share of the names that a text with these stemmed words never mentions (endings may differ:
    Kyrgyz/Kyrgyzstan); 0 when the question names nobody.

    An article that never names the person or place a question asks about rarely answers it, however
    close its sentences come in meaning ("What did Pashinyan say at the council?" on an archive about
    council meetings without him).
    """
    if not names:
        return 0.0
    missing = 0
    for name in names:
        stem = name[: max(4, len(name) - 3)]
        missing += not any(word.startswith(stem) for word in words)
    return missing / len(names)
