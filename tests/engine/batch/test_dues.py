"""engine.batch.dues: an item's `due` as dates on the working-day calendar (a due day that is not a working day
moves to the next one), and which units owe a month's report: trainees on the roster, how many reported,
缺报 or 部分缺报, from set-based queries."""
from __future__ import annotations

from datetime import date

from engine import declarations
from engine.batch import dues
from engine.cases.lifecycle import transition
from engine.models import CalendarDay
from engine.workdays import WorkCalendar, calendar
from tests import factories as f
from tests.data import batch_rows

Due = declarations.Due
ONDUTY = "onduty_report"


def test_the_shipped_monthly_reports_declare_their_due_date(catalogue):
    assert declarations.due_of(catalogue.item(ONDUTY)) == Due("month", 10, 3)
    assert [i.key for i in declarations.due_items(catalogue)] == ["attendance_report", ONDUTY]
    assert declarations.due_of(catalogue.item("match_report")) is None


def test_a_due_day_that_is_not_a_working_day_moves_to_the_next_one():
    cal = WorkCalendar()
    ten = Due("month", 10, 3)
    assert dues.due_on(ten, "2026-03", cal) == date(2026, 4, 10)            # a Friday
    assert dues.due_on(ten, "2025-12", cal) == date(2026, 1, 12)            # Saturday the 10th -> Monday
    assert dues.due_on(Due("month", 1, 0), "2026-04", cal) == date(2026, 5, 6)   # 劳动节, 1-5 May
    assert dues.due_on(Due("month", 5, 0), "2026-09", cal) == date(2026, 10, 8)  # 国庆节, 1-7 October
    assert dues.due_on(ten, "2026-09", cal) == date(2026, 10, 10)           # a 调休 Saturday is a working day
    # A day past the month's end is its last day: 28 February 2026, a 调休 Saturday, stays.
    assert dues.due_on(Due("month", 31, 0), "2026-01", cal) == date(2026, 2, 28)
    assert dues.due_on(Due("month", 31, 0), "2026-03", cal) == date(2026, 4, 30)
    assert dues.due_on(ten, "2026-12", cal) == date(2027, 1, 11)            # across the year


def test_an_administrators_holiday_moves_the_due_date_too(dbsession):
    dbsession.add(CalendarDay(day=date(2026, 4, 10), is_workday=False, note="临时放假"))
    dbsession.commit()
    assert dues.due_on(Due("month", 10, 3), "2026-03", calendar(dbsession)) == date(2026, 4, 13)


def test_the_reminders_of_a_day_and_the_latest_month_past_its_due_date():
    cal = WorkCalendar()
    ten = Due("month", 10, 3)
    april_10 = date(2026, 4, 10)
    assert dues.reminders_due(ten, date(2026, 4, 6), cal) == [("overdue", "2026-02", date(2026, 3, 10))]
    for day in (7, 8, 9, 10):   # from 3 days before the due date through the due date itself
        assert dues.reminders_due(ten, date(2026, 4, day), cal) == [
            ("soon", "2026-03", april_10), ("overdue", "2026-02", date(2026, 3, 10))]
    assert dues.reminders_due(ten, date(2026, 4, 11), cal) == [("overdue", "2026-03", april_10)]
    assert dues.latest_due(ten, date(2026, 4, 10), cal) == "2026-02"
    assert dues.latest_due(ten, date(2026, 4, 11), cal) == "2026-03"
    # A reminder never asks for a month that has not ended: due on the 2nd, reminded from the 1st only.
    early = Due("month", 2, 10)
    assert dues.remind_from(early, "2026-03", cal) == date(2026, 4, 1)
    assert dues.reminders_due(early, date(2026, 3, 28), cal)[0][0] == "overdue"
    # 国庆节: September's report (due 8 October) is not late on 5 October; August's is the latest late one.
    assert dues.latest_due(Due("month", 5, 0), date(2026, 10, 5), cal) == "2026-08"


def test_months_are_checked_and_shifted():
    assert dues.shift("2026-12", 1) == "2027-01" and dues.shift("2026-01", -1) == "2025-12"
    assert dues.is_month("2026-03") and not dues.is_month("2026-13") and not dues.is_month("2026-3")


def _onduty(people, month):
    return batch_rows.onduty_rows(people, month)


def test_who_owes_march(dbsession, catalogue, storage):
    s = dbsession
    sheng = f.reviewer(s, "sheng", "140000", "省级审核员")
    names = ("部分上报有限公司", "未上报有限公司", "无见习人员有限公司", "撤销上报有限公司", "全部上报有限公司",
             "协议已撤销有限公司")
    partly, silent, empty, revoked, complete, unmatched = (f.unit_account(s, name=n) for n in names)

    # 部分上报: one agreement ending mid-March and one starting mid-March are both on the March roster;
    # one ended in February and one starting in April are not. Only the first is reported.
    ending = f.agreement_rows(1, "2025-10-01", "2026-03-15", first=0)
    starting = f.agreement_rows(1, "2026-03-20", "2026-09-19", first=1)
    gone = f.agreement_rows(1, "2025-09-01", "2026-02-28", first=2)
    later = f.agreement_rows(1, "2026-04-01", "2026-09-30", first=3)
    f.stored_batch(s, catalogue, partly, "match_report", ending + starting + gone + later)
    f.stored_batch(s, catalogue, partly, ONDUTY, _onduty(ending, "2026-03") + _onduty(gone, "2026-02"))
    # 未上报: two on the roster, a report for February only.
    pair = f.agreement_rows(2, "2026-01-01", "2026-06-30", first=10)
    f.stored_batch(s, catalogue, silent, "match_report", pair)
    f.stored_batch(s, catalogue, silent, ONDUTY, _onduty(pair, "2026-02"))
    # 无见习人员: agreements in another year only, and a stray report: owes nothing.
    f.stored_batch(s, catalogue, empty, "match_report", f.agreement_rows(1, "2025-01-01", "2025-06-30", first=20))
    f.stored_batch(s, catalogue, empty, ONDUTY, _onduty(f.agreement_rows(1, "2026-01-01", "2026-06-30", first=21),
                                                        "2026-03"))
    # 撤销上报: reported in full, then the batch was revoked: its rows no longer count.
    one = f.agreement_rows(1, "2026-02-01", "2026-07-31", first=30)
    f.stored_batch(s, catalogue, revoked, "match_report", one)
    taken_back = f.stored_batch(s, catalogue, revoked, ONDUTY, _onduty(one, "2026-03"))
    transition(s, catalogue, taken_back, "revoke", sheng, comment="数据有误，撤销后重报")
    # 全部上报: one person with two agreements at the unit that both meet March counts once.
    first_part = f.agreement_rows(1, "2025-09-11", "2026-03-10", first=40)
    second_part = [{**first_part[0], "start_date": "2026-03-11", "end_date": "2026-09-10"}]
    f.stored_batch(s, catalogue, complete, "match_report", first_part)
    f.stored_batch(s, catalogue, complete, "match_report", second_part)
    f.stored_batch(s, catalogue, complete, ONDUTY, _onduty(first_part, "2026-03"))
    # 协议已撤销: its only agreement was revoked: nobody on its roster.
    matched = f.stored_batch(s, catalogue, unmatched, "match_report", f.agreement_rows(1, "2026-01-01", "2026-12-31",
                                                                                        first=50))
    transition(s, catalogue, matched, "revoke", sheng, comment="协议作废")
    s.commit()

    item = catalogue.item(ONDUTY)
    owing = {o.unit_id: o for o in dues.units_owing(s, catalogue, item, "2026-03")}
    assert owing == {
        partly.unit_id: dues.Owed(partly.unit_id, trainees=2, reported=1, filed=1),
        silent.unit_id: dues.Owed(silent.unit_id, trainees=2, reported=0, filed=0),
        revoked.unit_id: dues.Owed(revoked.unit_id, trainees=1, reported=0, filed=0),
    }
    assert [owing[u.unit_id].status for u in (partly, silent, revoked)] == ["partly", "missing", "missing"]
    everyone = {o.unit_id: o for o in dues.units_owing(s, catalogue, item, "2026-03", everyone=True)}
    assert set(everyone) == set(owing) | {complete.unit_id}
    assert everyone[complete.unit_id] == dues.Owed(complete.unit_id, 1, 1, 1)
    assert everyone[complete.unit_id].status is None
    # February: the partly unit had two on its roster (the agreement that ended in February and the one
    # ending in March) and reported the first only; the silent unit reported both.
    february = {o.unit_id: o for o in dues.units_owing(s, catalogue, item, "2026-02", everyone=True)}
    assert february[partly.unit_id] == dues.Owed(partly.unit_id, trainees=2, reported=1, filed=1)
    assert february[silent.unit_id].status is None
    # Another item with `due` is its own report: nobody made any attendance report.
    attendance = dues.units_owing(s, catalogue, catalogue.item("attendance_report"), "2026-03")
    assert {o.unit_id: o.status for o in attendance} == {
        partly.unit_id: "missing", silent.unit_id: "missing", revoked.unit_id: "missing", complete.unit_id: "missing"}
