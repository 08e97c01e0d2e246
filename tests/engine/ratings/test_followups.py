"""engine.ratings.followups: a bad rating's 差评整改, due 15 working days on the calendar, seen and closed in the
jurisdiction, told to the applicant when closed and to the reviewers once when overdue."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine import clock
from engine.deadlines import countdown
from engine.models import CalendarDay, Notice, RatingFollowup
from engine.notices import jobs
from engine.ratings import followups as F
from engine.ratings import rating as R
from engine.workdays import calendar
from tests import factories as f
from tests.engine.ratings.conftest import levels


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


def bad(s, catalogue, people, case, comment="材料要求前后不一"):
    R.rate(s, catalogue, case, people["unit"], levels(4, guide=2, comment=comment))
    s.commit()
    return s.scalars(select(RatingFollowup).where(RatingFollowup.case_id == case.id)).one()


def test_the_deadline_is_fifteen_working_days_on_the_calendar_across_national_day(
        dbsession, catalogue, people, approved, clock_at):
    s = dbsession
    clock_at(bj(2026, 9, 30))                      # the last working day before 国庆 (1-7 October off)
    followup = bad(s, catalogue, people, approved)
    # 8, 9, 10 (调休 Saturday), 12-16, 19-23, 26, 27 October: the 15th working day after the 30th.
    assert followup.deadline_on == date(2026, 10, 27)
    cal = calendar(s)
    assert cal.workdays_between(date(2026, 9, 30), followup.deadline_on) == F.FOLLOWUP_DAYS
    assert not cal.is_workday(date(2026, 10, 5)) and cal.is_workday(date(2026, 10, 10))


def test_an_administrators_holiday_counts_too(dbsession, catalogue, people, approved, clock_at):
    s = dbsession
    s.add(CalendarDay(day=date(2026, 10, 27), is_workday=False, note="临时放假"))
    s.commit()
    clock_at(bj(2026, 9, 30))
    assert bad(s, catalogue, people, approved).deadline_on == date(2026, 10, 28)


def test_its_clock_reads_like_a_cases(dbsession, catalogue, people, approved, clock_at):
    s = dbsession
    clock_at(bj(2026, 9, 30))
    followup = bad(s, catalogue, people, approved)
    board = countdown(s, 2, date(2026, 10, 8))
    assert F.status_of(followup, board).label == "剩余14个工作日"
    assert F.status_of(followup, countdown(s, 2, date(2026, 10, 23))).label == "即将超期：剩余2个工作日"
    assert F.status_of(followup, countdown(s, 2, date(2026, 10, 27))).label == "即将超期：今日到期"
    assert F.status_of(followup, countdown(s, 2, date(2026, 10, 29))).label == "已超期2个工作日"
    # Closed in time, then read later: 按期办结 whatever day it is read.
    clock_at(bj(2026, 10, 27, 16))
    F.close_followup(s, catalogue, followup, people["taiyuan"], "已电话回访，说明材料清单")
    assert F.status_of(followup, countdown(s, 2, date(2026, 11, 30))).label == "按期办结"


def test_reviewers_see_and_close_only_their_jurisdictions_follow_ups(dbsession, catalogue, storage, people, approved,
                                                                    admin, clock_at):
    s = dbsession
    clock_at(bj(2026, 9, 30))
    mine = bad(s, catalogue, people, approved)
    # A bad rating in 大同 too.
    far_unit = people["other"]
    far = f.submitted_unit_application(s, catalogue, storage, far_unit, city="140200", county="140213",
                                       address="大同市平城区")
    from engine.cases.lifecycle import transition
    transition(s, catalogue, far, "approve", people["datong"])
    R.rate(s, catalogue, far, far_unit, levels(1, comment="太慢"))
    s.commit()
    query = F.FollowupQuery()
    seen = {who: [r.followup.case_id for r in F.followups(s, catalogue, people[who], query).rows]
            for who in ("province", "taiyuan", "xiaodian", "yingze", "datong")}
    assert seen == {"province": [approved.id, far.id], "taiyuan": [approved.id], "xiaodian": [approved.id],
                    "yingze": [], "datong": [far.id]}
    assert F.followups(s, catalogue, admin, query).rows == []
    assert F.visible_followup(s, people["datong"], mine.id) is None
    with pytest.raises(F.RatingError) as e:
        F.close_followup(s, catalogue, mine, people["datong"], "越权")
    assert e.value.kind == "not_found"

    with pytest.raises(F.RatingError) as e:
        F.close_followup(s, catalogue, mine, people["xiaodian"], "   ")
    assert [x.as_dict() for x in e.value.errors] == [{"field": "outcome", "message": "请填写整改情况/回访结果"}]
    clock_at(bj(2026, 10, 9))
    F.close_followup(s, catalogue, mine, people["xiaodian"], "已更新办事指南的材料清单，并于10月9日电话回访，申请人表示满意")
    s.commit()
    assert mine.closed_by == people["xiaodian"].id and mine.outcome.startswith("已更新办事指南")
    with pytest.raises(F.RatingError) as e:
        F.close_followup(s, catalogue, mine, people["taiyuan"], "再次办结")
    assert (e.value.kind, e.value.message) == ("conflict", "该整改任务已办结")
    told = s.scalars(select(Notice).where(Notice.kind == "followup_closed")).all()
    assert {n.recipient_id for n in told} == {people["unit"].id, people["colleague"].id}
    assert all(n.link == f"/cases/{approved.id}" and "已更新办事指南的材料清单" in n.body for n in told)
    # The province's counts: one open (大同's), one closed.
    listing = F.followups(s, catalogue, people["province"], query)
    assert listing.counts == {"open": 1, "warning": 0, "overdue": 0, "closed": 1}
    closed = F.followups(s, catalogue, people["province"], F.FollowupQuery(status="closed"))
    assert [r.followup.id for r in closed.rows] == [mine.id]
    assert closed.rows[0].status.label == "按期办结"


def test_the_list_filters_by_warning_and_overdue_with_the_queues_thresholds(dbsession, catalogue, storage, people,
                                                                            approved, clock_at):
    s = dbsession
    clock_at(bj(2026, 9, 30))
    first = bad(s, catalogue, people, approved)                       # due 27 October
    clock_at(bj(2026, 10, 12))
    second_case = f.approved_unit(s, catalogue, storage, people["other"], people["taiyuan"])
    R.rate(s, catalogue, second_case, people["other"], levels(2, comment="慢"))
    s.commit()
    second = s.scalars(select(RatingFollowup).where(RatingFollowup.case_id == second_case.id)).one()
    assert second.deadline_on == date(2026, 11, 2)
    board = countdown(s, 2, date(2026, 10, 23))                       # first: 2 working days left
    def ids(deadline):
        page = F.followups(s, catalogue, people["taiyuan"], F.FollowupQuery(deadline=deadline), board)
        return [r.followup.id for r in page.rows], page.counts
    assert ids("warning") == ([first.id], {"open": 2, "warning": 1, "overdue": 0, "closed": 0})
    assert ids("overdue")[0] == []
    board = countdown(s, 2, date(2026, 10, 28))
    rows = F.followups(s, catalogue, people["taiyuan"], F.FollowupQuery(deadline="overdue"), board).rows
    assert [(r.followup.id, r.status.label) for r in rows] == [(first.id, "已超期1个工作日")]
    # Nearest deadline first.
    assert [r.followup.id for r in F.followups(s, catalogue, people["taiyuan"], F.FollowupQuery(), board).rows] == \
        [first.id, second.id]
    query, errors = F.FollowupQuery.from_params({"status": "nope", "deadline": "late"})
    assert query == F.FollowupQuery() and set(errors) == {"status", "deadline"}


def test_an_overdue_follow_up_is_told_once_by_the_workers_scan(dbsession, db_engine, catalogue, people, approved,
                                                               clock_at):
    from engine.db import make_session_factory, writer_engine
    s = dbsession
    clock_at(bj(2026, 9, 30))
    followup = bad(s, catalogue, people, approved)
    assert F.overdue_scan(s, catalogue, date(2026, 10, 27)) == []
    assert F.overdue_scan(s, catalogue, date(2026, 10, 28)) == [followup.id]
    s.commit()
    assert F.overdue_scan(s, catalogue, date(2026, 10, 29)) == []
    told = s.scalars(select(Notice).where(Notice.kind == "followup_overdue")).all()
    assert [n.recipient_id for n in told] == [people["taiyuan"].id]
    assert told[0].link == f"/review/followups/{followup.id}" and "2026-10-27" in told[0].body
    # The same scan, run by the workers as a periodic job.
    assert "followup_overdue_scan" in jobs.JOBS
    s.execute(RatingFollowup.__table__.update().values(overdue_at=None))
    s.commit()
    clock_at(bj(2026, 10, 28))
    ran = jobs.run_due(make_session_factory(writer_engine(db_engine)), {}, lambda: catalogue,
                       {"followup_overdue_scan": jobs.JOBS["followup_overdue_scan"]}, now=clock.utcnow())
    assert ran == ["followup_overdue_scan"]
    s.expire_all()
    assert len(s.scalars(select(Notice).where(Notice.kind == "followup_overdue")).all()) == 2
