"""engine.admin.calendar: the 工作日历 page's month and year, and days set and removed with every problem named."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine import clock
from engine.admin import calendar
from engine.models import AuditEntry, CalendarDay
from tests import factories as f


def test_the_month_and_the_year_of_2026_come_from_the_package(dbsession):
    view = calendar.year_view(dbsession, 2026, 2)
    assert view.covered and (view.prev, view.next) == ((2026, 1), (2026, 3))
    assert view.weeks[0][:6] == [None] * 6 and view.weeks[0][6].day == date(2026, 2, 1)   # Sunday the 1st
    special = {d.day: (d.workday, d.note, d.source_label) for d in view.special}
    assert special[date(2026, 2, 14)] == (True, "调休上班（春节）", "内置")
    assert special[date(2026, 2, 16)] == (False, "春节", "内置")
    assert view.workdays_in_year == 248   # 261 weekdays, 19 of them off, 6 weekend days worked


def test_days_are_set_and_removed_with_an_audit_entry_each(dbsession, clock_at):
    clock_at(datetime(2026, 11, 20, 2))
    admin = f.admin(dbsession)
    assert calendar.uncovered_soon(dbsession) == 2027
    days = calendar.set_days(dbsession, admin, "2027-02-05", "2027年2月13日", "holiday", " 春节 ")
    assert (days[0], days[-1], len(days)) == (date(2027, 2, 5), date(2027, 2, 13), 9)
    assert calendar.uncovered_soon(dbsession) is None
    calendar.set_days(dbsession, admin, "2027-02-13", "", "workday", "调休（春节）")   # replaces the row
    rows = {r.day: (r.is_workday, r.note) for r in dbsession.scalars(select(CalendarDay))}
    assert len(rows) == 9 and rows[date(2027, 2, 13)] == (True, "调休（春节）")
    calendar.remove_day(dbsession, admin, "2027-02-13")
    assert dbsession.get(CalendarDay, date(2027, 2, 13)) is None
    view = calendar.year_view(dbsession, 2027, 2)
    assert not view.covered and [d.source for d in view.special][:1] == ["admin"]
    entries = dbsession.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target) for e in entries] == [("calendar_set", "2027-02-05至2027-02-13"),
                                                       ("calendar_set", "2027-02-13"),
                                                       ("calendar_remove", "2027-02-13")]


@pytest.mark.parametrize("start, end, kind, note, problems", [
    ("", "", "holiday", "", {"/start": "请填写日期"}),
    ("2027-13-01", "", "", "", {"/start": "日期格式应为“年-月-日”，如2027-02-06", "/kind": "请选择该日放假还是上班"}),
    ("1999-01-01", "", "workday", "", {"/start": "日期须在2004年至2099年之间"}),
    ("2027-02-10", "2027-02-01", "holiday", "", {"/end": "结束日期不能早于开始日期"}),
    ("2027-01-01", "2027-02-01", "holiday", "", {"/end": "一次最多设置31天，请分段录入"}),
    ("2027-01-01", "", "holiday", "节\x00日", {"/note": "备注含有无法识别的控制字符，请删除后重新填写"}),
])
def test_bad_entries_name_every_problem_and_save_nothing(dbsession, start, end, kind, note, problems):
    with pytest.raises(calendar.CalendarError) as e:
        calendar.set_days(dbsession, None, start, end, kind, note)
    assert {x.pointer: x.message for x in e.value.errors} == problems
    assert dbsession.scalars(select(CalendarDay)).all() == []


def test_removing_a_day_nobody_set_is_refused(dbsession):
    with pytest.raises(calendar.CalendarError) as e:
        calendar.remove_day(dbsession, None, "2026-02-14")
    assert [x.message for x in e.value.errors] == ["该日没有管理员设置，无需删除"]
    assert calendar.parse_month("2027", "13") == (clock.today().year, clock.today().month)
