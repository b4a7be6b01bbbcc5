"""Time in a chat's own zone: when its digest is due, and whether a moment falls in its quiet hours.

Pure functions over Unix times and IANA zones (zoneinfo), so that tests move a clock instead of
waiting for an hour. A schedule names a local time; across a daylight-saving change it keeps that
local time (a digest at 08:00 stays at 08:00), and a time the change skips comes an hour later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAILY, WEEKLY = "daily", "weekly"
MINUTES_A_DAY = 24 * 60
_CLOCK_TIME = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")


@dataclass(frozen=True)
class DigestSchedule:
    every: str  # DAILY or WEEKLY
    minute: int  # minutes after local midnight
    weekday: int | None = None  # 0 = Monday; WEEKLY only

    def describe(self) -> str:
        """'daily at 08:00' or 'every Monday at 08:00'."""
        at = clock_time(self.minute)
        if self.every == WEEKLY and self.weekday is not None:
            return f"every {WEEKDAYS[self.weekday].title()} at {at}"
        return f"daily at {at}"


def parse_clock_time(text: str) -> int:
    """'08:00', '8:00', '21.30' -> minutes after midnight; ValueError for anything else."""
    match = _CLOCK_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time of day like 08:00")
    return int(match[1]) * 60 + int(match[2])


def clock_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_weekday(text: str) -> int:
    """'monday', 'Mon', 'mo' -> 0; ValueError when no single day starts so."""
    word = text.strip().casefold()
    found = [i for i, day in enumerate(WEEKDAYS) if len(word) >= 2 and day.startswith(word)]
    if len(found) != 1:
        raise ValueError(f"{text!r} is not a day of the week like Monday")
    return found[0]


def parse_digest(words: list[str]) -> DigestSchedule:
    """`daily HH:MM` or `weekly DAY HH:MM`; ValueError saying what was expected."""
    kind = words[0].casefold() if words else ""
    if kind == DAILY and len(words) == 2:
        return DigestSchedule(DAILY, parse_clock_time(words[1]))
    if kind == WEEKLY and len(words) == 3:
        return DigestSchedule(WEEKLY, parse_clock_time(words[2]), parse_weekday(words[1]))
    raise ValueError("expected daily HH:MM or weekly DAY HH:MM")


@cache
def _zones() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of this name, whatever its case ('europe/berlin'); None if there is none."""
    key = _zones().get(name.strip().casefold())
    return ZoneInfo(key) if key else None


def next_digest(schedule: DigestSchedule, zone: ZoneInfo, after: float) -> float:
    """The first moment strictly after `after` (Unix seconds) at which the schedule is due."""
    start = datetime.fromtimestamp(after, zone).date()
    at = time(schedule.minute // 60, schedule.minute % 60)
    for offset in range(9):  # a weekly slot is at most 7 days away, plus one for "already past today"
        day: date = start + timedelta(days=offset)
        if schedule.every == WEEKLY and day.weekday() != schedule.weekday:
            continue
        moment = datetime.combine(day, at, tzinfo=zone).timestamp()
        if moment > after:
            return moment
    raise AssertionError("unreachable: every week has the day")


def in_quiet_hours(start: int | None, end: int | None, zone: ZoneInfo, at: float) -> bool:
    """Is `at` within [start, end) local time? A span may wrap midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    local = datetime.fromtimestamp(at, zone)
    minute = local.hour * 60 + local.minute
    return start <= minute < end if start < end else minute >= start or minute < end
