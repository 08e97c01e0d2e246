"""The one clock: what time it is, and Beijing time for every date and time a person sees.

Times are stored as naive UTC (the DateTime columns of engine.models). The programme works on Beijing
time (Asia/Shanghai): today's date, 申办月份, the month in a reference number, whether a 截止 day has
passed, and every time shown on a page, in a workbook or in the JSON API come from here, never from
the server's own time zone. Tests move the clock in one place: `set_now(...)`. Real elapsed time (how long
a session has been idle) is `real_utcnow()`, which a simulated date leaves alone.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
DISPLAY = "%Y-%m-%d %H:%M"

_fixed: datetime | None = None   # aware UTC while a test pretends it is another time


def set_now(when: datetime | None) -> None:
    """Pretend it is `when` (aware, or naive meaning UTC) until set_now(None) restores the real clock."""
    global _fixed
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    _fixed = None if when is None else when.astimezone(timezone.utc)


def now() -> datetime:
    """This instant, aware (UTC)."""
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


def utcnow() -> datetime:
    """This instant as the database stores it: naive UTC."""
    return now().replace(tzinfo=None)


def real_utcnow() -> datetime:
    """The machine's own time, naive UTC, which set_now does not move: for timers of real elapsed time (a
    session's idle time and lifetime), which a test pretending it is another day must not run out. Tests of
    those timers replace this function (the real_clock_at fixture)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_beijing(dt: datetime) -> datetime:
    """A stored time (naive means UTC) as an aware Beijing time."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(BEIJING)


def from_beijing(local: datetime) -> datetime:
    """A Beijing wall-clock time (naive) as the database stores it: naive UTC."""
    return local.replace(tzinfo=BEIJING).astimezone(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """The Beijing calendar date."""
    return to_beijing(now()).date()


def month_of(day: date) -> str:
    """A date's month as 申办月份 writes it: "YYYY-MM"."""
    return f"{day:%Y-%m}"


def this_month() -> str:
    """The Beijing month, "YYYY-MM"."""
    return month_of(today())


def on_day(day: date | None) -> datetime:
    """Now as stored (naive UTC); for a caller that acts as of another Beijing day, that day at the same
    Beijing time of day, so a case's 提交时间 and 申办月份 never disagree."""
    if day is None or day == today():
        return utcnow()
    return from_beijing(datetime.combine(day, to_beijing(now()).time()))


def format_beijing(dt: datetime | None, fmt: str = DISPLAY) -> str:
    """A stored time for people: Beijing time in `fmt`; "" for none."""
    return "" if dt is None else to_beijing(dt).strftime(fmt)


def isoformat(dt: datetime | None) -> str | None:
    """A stored time for the JSON API: ISO 8601 in Beijing time with its offset, to the second
    ("2026-12-01T07:30:00+08:00"), so no client has to guess the zone."""
    return None if dt is None else to_beijing(dt).isoformat(timespec="seconds")


def beijing_days(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The stored-time range [start, end) of the Beijing days first..last; None for an open end."""
    start = from_beijing(datetime.combine(first, time.min)) if first else None
    end = from_beijing(datetime.combine(last + timedelta(days=1), time.min)) if last else None
    return start, end


def beijing_month(month: str) -> tuple[datetime, datetime]:
    """The stored-time range [start, end) of a Beijing month "YYYY-MM"."""
    y, m = map(int, month.split("-"))
    return beijing_days(date(y, m, 1), date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1))
