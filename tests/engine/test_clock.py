"""engine.clock: the one clock, Beijing time for people, naive UTC for the database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from engine import clock

LAST_EVENING_UTC = datetime(2026, 11, 30, 23, 30)   # 2026-12-01 07:30 in Beijing


def test_a_set_clock_is_what_every_helper_reads(clock_at):
    clock_at(LAST_EVENING_UTC)
    assert clock.utcnow() == LAST_EVENING_UTC and clock.utcnow().tzinfo is None
    assert clock.now() == LAST_EVENING_UTC.replace(tzinfo=timezone.utc)
    assert clock.today() == date(2026, 12, 1)
    assert clock.this_month() == "2026-12"


def test_an_aware_time_is_taken_as_the_instant_it_names(clock_at):
    clock_at(datetime(2026, 12, 1, 7, 30, tzinfo=clock.BEIJING))
    assert clock.utcnow() == LAST_EVENING_UTC


def test_without_a_set_clock_it_is_the_real_time():
    clock.set_now(None)
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    assert before - timedelta(seconds=1) <= clock.utcnow() <= before + timedelta(seconds=5)
    assert clock.today() == datetime.now(clock.BEIJING).date()


@pytest.mark.parametrize("utc, shown", [
    (datetime(2026, 11, 30, 23, 30), "2026-12-01 07:30"),
    (datetime(2026, 11, 30, 15, 59, 59), "2026-11-30 23:59"),
    (datetime(2026, 12, 31, 16, 0), "2027-01-01 00:00"),
])
def test_stored_times_are_shown_in_beijing_time(utc, shown):
    assert clock.format_beijing(utc) == shown
    assert clock.to_beijing(utc).utcoffset() == timedelta(hours=8)
    assert clock.from_beijing(clock.to_beijing(utc).replace(tzinfo=None)) == utc


def test_the_api_form_is_iso_8601_in_beijing_time_with_its_offset():
    assert clock.isoformat(datetime(2026, 11, 30, 23, 30, 5, 123456)) == "2026-12-01T07:30:05+08:00"
    assert clock.isoformat(None) is None and clock.format_beijing(None) == ""
    assert datetime.fromisoformat(clock.isoformat(LAST_EVENING_UTC)) == LAST_EVENING_UTC.replace(tzinfo=timezone.utc)


def test_beijing_days_and_months_as_stored_ranges():
    day = (datetime(2026, 11, 30, 16), datetime(2026, 12, 1, 16))   # 00:00 to 24:00 in Beijing
    assert clock.beijing_days(date(2026, 12, 1), date(2026, 12, 1)) == day
    assert clock.beijing_days(None, date(2026, 12, 1)) == (None, datetime(2026, 12, 1, 16))
    assert clock.beijing_days(date(2026, 12, 1), None) == (datetime(2026, 11, 30, 16), None)
    start, end = clock.beijing_month("2026-12")
    assert (start, end) == (datetime(2026, 11, 30, 16), datetime(2026, 12, 31, 16))
    assert start <= LAST_EVENING_UTC < end


def test_acting_as_of_another_day_keeps_the_time_of_day(clock_at):
    clock_at(LAST_EVENING_UTC)
    assert clock.on_day(None) == clock.on_day(date(2026, 12, 1)) == LAST_EVENING_UTC
    assert clock.format_beijing(clock.on_day(date(2026, 11, 28))) == "2026-11-28 07:30"
