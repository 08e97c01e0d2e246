"""engine.workdays: the State Council's arrangement from the package, weekdays beyond it, administrators' rows
over both, and the counting rule of every time limit."""
from __future__ import annotations

from datetime import date

from engine.models import CalendarDay
from engine.workdays import ADMIN, BUILTIN, WEEKDAYS, WorkCalendar, calendar, covered

D = date


def test_spring_festival_2026_with_its_two_调休_saturdays():
    cal = WorkCalendar()
    # 2026: 15-23 February off; Saturday 14 and Saturday 28 February are working days.
    assert cal.is_workday(D(2026, 2, 14)) and cal.is_workday(D(2026, 2, 28))
    assert not any(cal.is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert cal.day(D(2026, 2, 14)).note == "调休上班（春节）" and cal.day(D(2026, 2, 17)).note == "春节"
    assert cal.day(D(2026, 2, 17)).source == BUILTIN
    # Ten working days from Friday 13 February (the day itself does not count): 14, 24-28 February, 2-5 March.
    assert cal.add_workdays(D(2026, 2, 13), 10) == D(2026, 3, 5)
    assert cal.workdays_between(D(2026, 2, 13), D(2026, 3, 5)) == 10
    assert cal.workdays_between(D(2026, 3, 5), D(2026, 2, 13)) == -10
    assert cal.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert cal.add_workdays(D(2026, 2, 13), 0) == D(2026, 2, 13)


def test_a_year_the_package_does_not_know_is_monday_to_friday_until_an_administrator_rules():
    assert covered(2026) and not covered(2027)
    plain = WorkCalendar()
    assert plain.day(D(2027, 2, 8)).source == WEEKDAYS and plain.is_workday(D(2027, 2, 8))
    assert not plain.is_workday(D(2027, 2, 6))   # a Saturday
    ruled = WorkCalendar({D(2027, 2, 8): (False, "春节"), D(2027, 2, 6): (True, "调休")})
    assert not ruled.is_workday(D(2027, 2, 8)) and ruled.is_workday(D(2027, 2, 6))
    assert ruled.day(D(2027, 2, 8)).source == ADMIN and ruled.day(D(2027, 2, 8)).note == "春节"
    # Counting across the turn of the year, into the year only the administrators know.
    assert plain.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 4)
    holiday = WorkCalendar({D(2027, 1, 1): (False, "元旦")})
    assert holiday.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert holiday.workdays_between(D(2026, 12, 30), D(2027, 1, 5)) == 3
    # An administrator may overrule the package too.
    assert not WorkCalendar({D(2026, 3, 2): (False, "停电")}).is_workday(D(2026, 3, 2))


def test_the_calendar_reads_the_administrators_rows_and_is_reused_while_they_stand(dbsession):
    first = calendar(dbsession)
    assert first.is_workday(D(2027, 2, 8))
    assert calendar(dbsession) is first
    dbsession.add(CalendarDay(day=D(2027, 2, 8), is_workday=False, note="春节"))
    dbsession.flush()
    changed = calendar(dbsession)
    assert changed is not first and not changed.is_workday(D(2027, 2, 8))
