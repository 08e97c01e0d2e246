"""The working-day calendar (工作日): which dates are working days under the State Council's holiday
arrangement, 调休 weekend working days included. The one home of that fact.

Three sources, each later one winning:
1. Monday to Friday are working days, Saturday and Sunday are not.
2. The `chinese-calendar` package (pinned in setup.cfg) for the years it covers (2004-2026 in 1.11.0):
   its holidays and its 调休 working days.
3. The administrators' `calendar_days` rows (系统管理 → 工作日历). The arrangement for next year is
   published each November, usually before a release of the package knows it; an administrator enters
   it there (docs/operations.md), and may correct any single day.

A year's days from 1 and 2 are computed once per process (`builtin_year`). A `WorkCalendar` lays the
overrides over them; `calendar(session)` builds one with a single query of the small calendar_days
table, and every question after that is a lookup (`is_workday`) or arithmetic on a year's running
counts (`workdays_between`, `add_workdays`): a page of a thousand cases never asks the package per row.

Counting (docs/definitions.md): `add_workdays(d, n)` is the nth working day strictly after d, so a time
limit of n working days counts from the working day after the day a case was received (受理), and
`workdays_between(a, b)` is the number of working days d with a < d <= b (negative when b is before a).
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

import chinese_calendar
from sqlalchemy import select

from engine.models import CalendarDay

BUILTIN = "builtin"   # the package's arrangement (内置)
ADMIN = "admin"       # an administrator's row (管理员设置)
WEEKDAYS = "weekdays"  # neither: Monday to Friday
SOURCE_LABELS = {BUILTIN: "内置", ADMIN: "管理员设置", WEEKDAYS: "周一至周五"}
MAX_YEARS = 50        # add_workdays gives up past this many years (a calendar with no working day left)


def covered(year: int) -> bool:
    """Whether the pinned package knows this year's arrangement."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


PACKAGE = f"chinese-calendar {chinese_calendar.__version__}"


@lru_cache(maxsize=1)
def coverage() -> tuple[int, int]:
    """The first and last year the pinned package knows."""
    years = [y for y in range(1990, 2100) if covered(y)]
    return years[0], years[-1]


def _holiday_note(name: str | None, workday: bool) -> str | None:
    if name is None:
        return None
    try:
        chinese = chinese_calendar.Holiday(name).chinese
    except ValueError:
        chinese = name
    return f"调休上班（{chinese}）" if workday else chinese


@dataclass(frozen=True)
class BuiltinYear:
    year: int
    flags: bytes                  # one byte per day of the year: 1 for a working day
    notes: dict                   # date -> the holiday's name, for the days the package names
    covered: bool                 # the package knows this year (else: Monday to Friday)


@lru_cache(maxsize=None)
def builtin_year(year: int) -> BuiltinYear:
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    known = covered(year)
    flags, notes = bytearray(days), {}
    for i in range(days):
        d = start + timedelta(days=i)
        if known:
            holiday, name = chinese_calendar.get_holiday_detail(d)
            flags[i] = not holiday
            if (note := _holiday_note(name, not holiday)) is not None:
                notes[d] = note
        else:
            flags[i] = d.weekday() < 5
    return BuiltinYear(year, bytes(flags), notes, known)


@dataclass(frozen=True)
class Day:
    """One day as the calendar page shows it."""
    day: date
    workday: bool
    note: str | None
    source: str

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def special(self) -> bool:
        """A holiday on a weekday or a working day on a weekend (调休), or anything an administrator set."""
        return self.source == ADMIN or self.workday != (self.day.weekday() < 5) or self.note is not None


class _Year:
    """A year with the overrides applied: its flags and running counts (counts[i] = working days in
    days 0..i)."""

    def __init__(self, year: int, overrides: dict[date, tuple[bool, str | None]]):
        base = builtin_year(year)
        flags = bytearray(base.flags)
        start = date(year, 1, 1)
        for d, (workday, _) in overrides.items():
            if d.year == year:
                flags[(d - start).days] = workday
        self.start = start
        self.flags = bytes(flags)
        self.counts = list(accumulate(self.flags))
        self.total = self.counts[-1]


class WorkCalendar:
    """The calendar with a set of overrides: is_workday, add_workdays, workdays_between. Immutable; each
    year is worked out on first use and kept."""

    def __init__(self, overrides: dict[date, tuple[bool, str | None]] | None = None):
        self.overrides = dict(overrides or {})
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = _Year(year, self.overrides)
        return found

    def is_workday(self, d: date) -> bool:
        y = self._year(d.year)
        return bool(y.flags[(d - y.start).days])

    def _count_through(self, d: date) -> int:
        """Working days from 1 January of d's year through d."""
        y = self._year(d.year)
        return y.counts[(d - y.start).days]

    def workdays_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; negative (the same count) when b is before a."""
        if b < a:
            return -self.workdays_between(b, a)
        if a.year == b.year:
            return self._count_through(b) - self._count_through(a)
        total = self._year(a.year).total - self._count_through(a)
        for year in range(a.year + 1, b.year):
            total += self._year(year).total
        return total + self._count_through(b)

    def add_workdays(self, start: date, n: int) -> date:
        """The nth working day strictly after start (n >= 1); start itself for n == 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        year = start.year
        y = self._year(year)
        target = y.counts[(start - y.start).days] + n
        lo = (start - y.start).days + 1
        for _ in range(MAX_YEARS):
            if target <= y.total:
                return y.start + timedelta(days=bisect_left(y.counts, target, lo=lo))
            target -= y.total
            year += 1
            y, lo = self._year(year), 0
        raise ValueError(f"no {n}th working day within {MAX_YEARS} years of {start}")

    def day(self, d: date) -> Day:
        if d in self.overrides:
            workday, note = self.overrides[d]
            return Day(d, workday, note, ADMIN)
        base = builtin_year(d.year)
        return Day(d, self.is_workday(d), base.notes.get(d), BUILTIN if base.covered else WEEKDAYS)

    def month(self, year: int, month: int) -> list[Day]:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return [self.day(first + timedelta(days=i)) for i in range((following - first).days)]


_LATEST: list[tuple[tuple, WorkCalendar]] = []   # the calendar of the rows last read, reused while they stand


def calendar(session) -> WorkCalendar:
    """The calendar with the administrators' rows as they are now: one small query; the years worked out
    are reused for as long as the rows stay the same."""
    rows = tuple(session.execute(
        select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.note).order_by(CalendarDay.day)).all())
    if _LATEST and _LATEST[0][0] == rows:
        return _LATEST[0][1]
    made = WorkCalendar({d: (bool(w), note) for d, w, note in rows})
    _LATEST[:] = [(rows, made)]
    return made
