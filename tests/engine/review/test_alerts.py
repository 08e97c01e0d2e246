"""预警 and 超期 reach the reviewers who must act, once per crossing, from the workers' periodic job."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine import clock
from engine.db import make_session_factory, writer_engine
from engine.models import Delivery, Notice
from engine.notices import jobs
from engine.review import alerts
from tests import factories as f


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


def notices(s, kind):
    return sorted((n.recipient_id, n.title) for n in s.scalars(select(Notice).where(Notice.kind == kind)))


def test_each_crossing_is_told_once_to_the_reviewers_who_must_act(dbsession, catalogue, storage, clock_at):
    s = dbsession
    taiyuan = f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    datong = f.reviewer(s, "datong", "140200", "大同市审核员")
    clock_at(bj(2026, 3, 2))
    unit = f.unit_account(s, name="晋阳科技有限公司", mobile="13612345601")
    case = f.submitted_unit_application(s, catalogue, storage, unit)   # due 16 March (10 working days)
    s.commit()
    covering = {r.id for r in (taiyuan,)} | {a.id for a in s.scalars(select(type(taiyuan)).where(
        type(taiyuan).role == "reviewer", type(taiyuan).jurisdiction.in_(["140000", "140105"])))}

    assert alerts.alert(s, catalogue, bj(2026, 3, 11), 2) == []
    crossings = alerts.alert(s, catalogue, bj(2026, 3, 12), 2)
    s.commit()
    assert [c.kind for c in crossings] == ["warning"]
    warned = notices(s, "deadline_warning")
    assert {rid for rid, _ in warned} == covering and datong.id not in covering
    assert all(title == f"即将超期：就业见习单位申请 {case.reference}" for _, title in warned)
    body = s.scalars(select(Notice).where(Notice.kind == "deadline_warning", Notice.recipient_id == taiyuan.id)).one()
    assert "办理时限为2026-03-16，即将超期" in body.body and body.link == f"/review/cases/{case.id}"
    # Mail too (the reviewers' default), not SMS.
    assert {d.channel for d in s.scalars(select(Delivery).where(Delivery.notice_id == body.id))} == {"email"}

    assert alerts.alert(s, catalogue, bj(2026, 3, 13), 2) == []           # told once
    alerts.alert(s, catalogue, bj(2026, 3, 17), 2)
    s.commit()
    assert {rid for rid, _ in notices(s, "deadline_overdue")} == covering
    assert len(notices(s, "deadline_warning")) == len(covering)


def test_the_workers_run_the_scan_as_a_periodic_job(dbsession, db_engine, catalogue, storage, clock_at):
    s = dbsession
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    clock_at(bj(2026, 3, 2))
    f.submitted_unit_application(s, catalogue, storage, f.unit_account(s, name="晋阳科技有限公司"))
    s.commit()
    assert "deadline_scan" in jobs.JOBS
    clock_at(bj(2026, 3, 17))
    ran = jobs.run_due(make_session_factory(writer_engine(db_engine)), {"jianxi.deadline_warning_days": "2"},
                       lambda: catalogue, {"deadline_scan": jobs.JOBS["deadline_scan"]}, now=clock.utcnow())
    assert ran == ["deadline_scan"]
    s.expire_all()
    assert notices(s, "deadline_overdue")
