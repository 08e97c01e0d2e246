"""engine.deadlines: a case's clock started, stopped and ended by its workflow's time limits, read as 剩余/即将超期/
已超期, and the scan that records each crossing once per clock."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from engine import clock, deadlines
from engine.cases.lifecycle import submit, transition
from engine.db import make_session_factory, writer_engine
from engine.deadlines import countdown, scan, start_missing
from engine.models import Case, DeadlineCrossing
from tests import factories as f
from tests.concurrency import race


def bj(y, m, d, h=10):
    """A Beijing wall-clock time."""
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


@pytest.fixture
def sheng(dbsession):
    return f.reviewer(dbsession, "sheng", "140000", "省级审核员")


def applied(s, catalogue, storage, name="晋阳科技有限公司"):
    unit = f.unit_account(s, name=name, mobile="13612345601")
    case = f.submitted_unit_application(s, catalogue, storage, unit)
    s.commit()
    return case


def resubmit(s, catalogue, case):
    """The unit corrects nothing and submits again (the typed-twice account number typed again)."""
    submit(s, catalogue, catalogue.item(case.item_key), case.account, f.unit_application_data(case.unit.name),
           case=case)
    s.commit()


def label_on(s, case, day, warning=2):
    return countdown(s, warning, today=day).of(case).label


def test_a_case_submitted_before_the_spring_festival_is_due_ten_working_days_later(dbsession, catalogue, storage,
                                                                                  clock_at):
    clock_at(bj(2026, 2, 13))   # Friday; 15-23 February off, Saturdays 14 and 28 February worked (调休)
    case = applied(dbsession, catalogue, storage)
    assert (case.deadline_on, case.clock, case.clock_round) == (date(2026, 3, 5), "running", 1)
    s = dbsession
    assert label_on(s, case, date(2026, 2, 13)) == "剩余10个工作日"
    assert label_on(s, case, date(2026, 2, 20)) == "剩余9个工作日"        # in the holiday: only the 14th is used
    assert label_on(s, case, date(2026, 3, 2)) == "剩余3个工作日"
    assert label_on(s, case, date(2026, 3, 3)) == "即将超期：剩余2个工作日"
    assert label_on(s, case, date(2026, 3, 3), warning=1) == "剩余2个工作日"
    assert label_on(s, case, date(2026, 3, 5)) == "即将超期：今日到期"
    assert label_on(s, case, date(2026, 3, 6)) == "已超期1个工作日"
    assert label_on(s, case, date(2026, 3, 7)) == "已超期1个工作日"       # a Saturday adds nothing
    late = countdown(s, 2, today=date(2026, 3, 10)).of(case)
    assert (late.level, late.overdue_by, late.as_dict()["deadline_on"]) == ("overdue", 3, "2026-03-05")


def test_a_return_stops_the_clock_and_the_resubmission_starts_a_new_one(dbsession, catalogue, storage, clock_at,
                                                                        sheng):
    s = dbsession
    clock_at(bj(2026, 2, 13))
    case = applied(s, catalogue, storage)
    clock_at(bj(2026, 2, 24))
    transition(s, catalogue, case, "return_for_correction", sheng, comment="附件不清晰")
    s.commit()
    assert (case.deadline_on, case.clock, case.clock_round) == (None, "paused", 1)
    assert label_on(s, case, date(2026, 3, 20)) == "已退回，暂停计时"
    clock_at(bj(2026, 3, 2))
    resubmit(s, catalogue, case)
    assert (case.deadline_on, case.clock, case.clock_round) == (date(2026, 3, 16), "running", 2)
    clock_at(bj(2026, 3, 17))
    transition(s, catalogue, case, "approve", sheng)
    assert (case.deadline_on, case.clock) == (None, "missed")
    assert label_on(s, case, date(2026, 3, 17)) == "超期办结"
    on_time = applied(s, catalogue, storage, name="按期科技有限公司")
    transition(s, catalogue, on_time, "approve", sheng)
    assert on_time.clock == "met" and label_on(s, on_time, date(2026, 3, 17)) == "按期办结"


def test_the_scan_records_each_crossing_once_per_clock(dbsession, catalogue, storage, clock_at, sheng):
    s = dbsession
    clock_at(bj(2026, 3, 2))
    early = applied(s, catalogue, storage, "早提交有限公司")          # due 16 March
    clock_at(bj(2026, 3, 9))
    later = applied(s, catalogue, storage, "晚提交有限公司")          # due 23 March
    seen = lambda found: sorted((c.case_id, c.kind) for c in found)  # noqa: E731

    assert scan(s, clock.now()) == []
    s.commit()
    # 12 March: `early` has 2 working days left; nothing else is near.
    found = scan(s, bj(2026, 3, 12))
    assert seen(found) == [(early.id, "warning")]
    assert (found[0].deadline_on, found[0].label, found[0].county_code) == (date(2026, 3, 16), "即将超期", "140105")
    s.commit()
    assert scan(s, bj(2026, 3, 12, 15)) == []
    # 19 March: `early` is overdue, `later` enters its window; each once.
    assert seen(scan(s, bj(2026, 3, 19))) == sorted([(early.id, "overdue"), (later.id, "warning")])
    s.commit()
    assert scan(s, bj(2026, 3, 20)) == []
    # A clock found already overdue is recorded overdue only.
    clock_at(bj(2026, 3, 20))
    returned = applied(s, catalogue, storage, "退回单位有限公司")       # due 3 April
    assert seen(scan(s, bj(2026, 4, 8))) == [(later.id, "overdue"), (returned.id, "overdue")]
    s.commit()
    # A new clock (returned, resubmitted) is a new round: its crossings are recorded again.
    clock_at(bj(2026, 4, 8))
    transition(s, catalogue, returned, "return_for_correction", sheng, comment="信息填写有误")
    resubmit(s, catalogue, returned)
    assert seen(scan(s, bj(2026, 4, 21))) == [(returned.id, "warning")]
    assert s.scalar(select(func.count()).select_from(DeadlineCrossing)) == 6
    # Cases whose clock stopped or ended are not scanned.
    transition(s, catalogue, early, "approve", sheng)
    transition(s, catalogue, later, "reject", sheng, comment="重复申报")
    s.commit()
    assert seen(scan(s, bj(2026, 6, 1))) == [(returned.id, "overdue")]


def test_concurrent_scans_record_and_return_each_crossing_once(dbsession, db_engine, catalogue, storage, clock_at):
    s = dbsession
    clock_at(bj(2026, 3, 2))
    cases = [applied(s, catalogue, storage, f"并发单位{i}有限公司") for i in range(4)]
    results, errors = race(make_session_factory(writer_engine(db_engine)),
                           lambda session, _: scan(session, bj(2026, 3, 30)))
    assert errors == []
    returned = [(c.case_id, c.kind) for found in results for c in found]
    assert sorted(returned) == sorted((c.id, "overdue") for c in cases)
    assert s.scalar(select(func.count()).select_from(DeadlineCrossing)) == 4


def test_cases_waiting_before_time_limits_existed_get_their_clock_from_their_submission(dbsession, catalogue,
                                                                                       storage, clock_at):
    s = dbsession
    clock_at(bj(2026, 2, 13))
    case = applied(s, catalogue, storage)
    case.deadline_on, case.clock, case.clock_round = None, None, 0   # as migration 0007 finds it
    s.commit()
    clock_at(bj(2026, 4, 1))
    assert start_missing(s, catalogue, chunk=1) == 1
    assert (case.deadline_on, case.clock, case.clock_round) == (date(2026, 3, 5), "running", 1)
    assert start_missing(s, catalogue) == 0


def test_the_warning_days_setting_is_read_strictly():
    assert deadlines.warning_days(None) == 2 and deadlines.warning_days(" 3 ") == 3
    with pytest.raises(ValueError):
        deadlines.warning_days("-1")
    with pytest.raises(ValueError):
        deadlines.warning_days("两天")
    with pytest.raises(ValueError, match="须为0至365之间的整数"):
        deadlines.warning_days("2.5")
