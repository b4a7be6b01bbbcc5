"""Reading publication dates written the ways news sites write them, in English, Russian and Kazakh.

Russian and Kazakh month names are read from a table: "30 апреля 2021 года", "2021 жылғы 30 сәуір",
"30 сәуірде 2021 ж.". The dateparser package reads many languages, but not "2021 жылғы 30 сәуір" nor
a month with a case ending ("сәуірде"), and costs 0.05 s to import and 0.14 s for its first Russian
date (dateparser 1.5.0 here); English keeps python-dateutil's fuzzy reading.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil import parser as dateparser

# Russian months in the genitive of dates ("30 апреля") and the nominative; Kazakh months take case
# endings ("сәуірде", "шілдесінде"), so any word starting with the name counts.
_MONTHS = {
    **{m: n for n, m in enumerate(("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август"), 1)},
    **{m: n for n, m in enumerate(("сентябр", "октябр", "ноябр", "декабр"), 9)},
    **{
        m: n
        for n, m in enumerate(
            (
                "қаңтар",
                "ақпан",
                "наурыз",
                "сәуір",
                "мамыр",
                "маусым",
                "шілде",
                "тамыз",
                "қыркүйек",
                "қазан",
                "қараша",
                "желтоқсан",
            ),
            1,
        )
    },
}
_RUSSIAN_ENDINGS = {"ма": "[яй]", "март": "а?", "август": "а?"}
_STEMS = sorted(_MONTHS, key=len, reverse=True)  # "маусым" (June) before "ма" (May)
_MONTH = "|".join(
    f"{stem}(?:{_RUSSIAN_ENDINGS[stem]})" if stem in _RUSSIAN_ENDINGS else f"{stem}\\w*" for stem in _STEMS
)
# "30 апреля 2021 года", "30 сәуір 2021 ж.", and the Kazakh order "2021 жылғы 30 сәуір".
_DAY_MONTH_YEAR = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\s+(?P<year>\d{{4}})(?!\d)")
_YEAR_DAY_MONTH = re.compile(
    rf"(?<!\d)(?P<year>\d{{4}})\s*(?:жылғы|жылы|ж\.)\s*(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})(?!\w)"
)
# What may surround a date on a line of its own: "года", "г.", "ж.", a time, punctuation.
_DATE_WORDS = re.compile(r"\b(года|год|г|жылы|жылғы|ж)\b\.?|\d{1,2}:\d{2}|[\s,.:–—-]+")


def parse_date(text: str | None) -> date | None:
    """A date from '30 April 2021', '2021-04-30', 'April 30, 2021 10:15', '30 апреля 2021 года',
    '2021 жылғы 30 сәуір' and the like, else None."""
    if not text:
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    found = local_date(text)
    if found is not None:
        return found[0]
    try:
        parsed: datetime = dateparser.parse(text, dayfirst=True, fuzzy=True, default=datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    # Fuzzy parsing fills what it did not find from the default: a year of 1 means no year was read.
    if parsed.year < 1900:
        return None
    return parsed.date()


def local_date(text: str) -> tuple[date, re.Match[str]] | None:
    """The first date written with a Russian or Kazakh month name, and where it was found."""
    lowered = text.lower()
    for pattern in (_YEAR_DAY_MONTH, _DAY_MONTH_YEAR):
        for match in pattern.finditer(lowered):
            month = next(_MONTHS[stem] for stem in _STEMS if match["month"].startswith(stem))
            try:
                return date(int(match["year"]), month, int(match["day"])), match
            except ValueError:
                continue
    return None


def bare_date(line: str) -> date | None:
    """The date of a line that says nothing else ("30 апреля 2021 года", "2021 жылғы 30 сәуір")."""
    found = local_date(line)
    if found is None:
        return None
    published, match = found
    rest = line.lower()[: match.start()] + line.lower()[match.end() :]
    return published if not _DATE_WORDS.sub("", rest) else None
