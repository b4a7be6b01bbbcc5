"""Reading publication dates written the ways news sites write them."""

from __future__ import annotations

from datetime import date, datetime

from dateutil import parser as dateparser


def parse_date(text: str | None) -> date | None:
    """A date from '30 April 2021', '2021-04-30', 'April 30, 2021 10:15' and the like, else None."""
    if not text:
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        parsed: datetime = dateparser.parse(text, dayfirst=True, fuzzy=True, default=datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    # Fuzzy parsing fills what it did not find from the default: a year of 1 means no year was read.
    if parsed.year < 1900:
        return None
    return parsed.date()
