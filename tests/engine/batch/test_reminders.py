"""Reminders of monthly reports (engine/batch/reminders.py): 即将到期 from remind_before days before the due
date, 已逾期 once it has passed, to every agent of a unit that reported nothing for the month, each once across
runs and concurrent sessions, in the transaction that records it; all the way to the mail and the SMS."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.batch import reminders
from engine.db import make_session_factory, writer_engine
from engine.models import Delivery, Notice, ReportReminder
from engine.notices import jobs
from tests import factories as f
from tests.concurrency import race
from tests.data import batch_rows
from tests.mailboxes import SmtpServer
from tests.webapp.pages import fresh

ONDUTY, ATTENDANCE = "onduty_report", "attendance_report"


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


@pytest.fixture
def units(dbsession, catalogue):
    """Three units with trainees on their March roster: one reported nothing (two agents, with email and
    mobile), one part of its roster, one all of it; every one made its attendance report."""
    s = dbsession
    silent = f.unit_account(s, name="晋阳智能科技有限公司", mobile="13912345678")
    silent.email = "li.hong@jinyang.example"
    colleague = f.colleague(s, silent)
    partly = f.unit_account(s, name="汾河文旅有限公司", mobile="13612345678")
    complete = f.unit_account(s, name="龙城物流有限公司", mobile="13512345678")
    for n, account in enumerate((silent, partly, complete)):
        people = f.agreement_rows(2, "2026-03-01", "2026-08-31", first=10 * n)
        f.stored_batch(s, catalogue, account, "match_report", people)
        f.stored_batch(s, catalogue, account, ATTENDANCE, batch_rows.attendance_rows(people, "2026-03"))
        if account is not silent:
            f.stored_batch(s, catalogue, account, ONDUTY,
                           batch_rows.onduty_rows(people[:1] if account is partly else people, "2026-03"))
    s.commit()
    return {"silent": silent, "colleague": colleague, "partly": partly, "complete": complete}


def told(s, kind=None):
    fresh(s)
    stmt = select(Notice.recipient_id, Notice.kind, Notice.title).order_by(Notice.recipient_id, Notice.id)
    stmt = stmt.where(Notice.kind.in_([kind] if kind else ["report_due_soon", "report_overdue"]))
    return s.execute(stmt).all()


def test_a_unit_that_reported_nothing_is_reminded_once_before_and_once_after_the_due_date(dbsession, catalogue, units):
    s = dbsession
    agents = {units["silent"].id, units["colleague"].id}
    assert reminders.remind(s, catalogue, bj(2026, 4, 6)) == []          # 10 April is 4 days away
    sent = reminders.remind(s, catalogue, bj(2026, 4, 7))
    s.commit()
    assert [(r.unit_name, r.item_key, r.month, r.kind, r.trainees) for r in sent] == [
        ("晋阳智能科技有限公司", ONDUTY, "2026-03", "soon", 2)]
    soon = told(s, "report_due_soon")
    assert {rid for rid, _, _ in soon} == agents and len(soon) == 2    # the partly and complete units: nothing
    assert {title for _, _, title in soon} == {"见习人员每月在岗情况上报即将到期：2026年3月尚未上报"}
    notice = s.scalars(select(Notice).where(Notice.recipient_id == units["colleague"].id)
                       .where(Notice.kind == "report_due_soon")).one()
    assert notice.inapp and notice.link == "/items/onduty_report" and notice.case_id is None
    assert "晋阳智能科技有限公司：" in notice.body
    assert "贵单位2026年3月的“见习人员每月在岗情况上报”尚未上报（该月在册见习人员2人），报送期限为2026年4月10日" in notice.body
    assert {d.channel for d in s.scalars(select(Delivery).where(Delivery.notice_id == notice.id))} == {"email", "sms"}

    assert reminders.remind(s, catalogue, bj(2026, 4, 9)) == []          # told once
    assert reminders.remind(s, catalogue, bj(2026, 4, 10, 23)) == []     # the due day is still in time
    late = reminders.remind(s, catalogue, bj(2026, 4, 11, 8))
    s.commit()
    assert [(r.unit_id, r.kind, r.month) for r in late] == [(units["silent"].unit_id, "overdue", "2026-03")]
    overdue = told(s, "report_overdue")
    assert {rid for rid, _, _ in overdue} == agents
    assert {title for _, _, title in overdue} == {"见习人员每月在岗情况上报已逾期：2026年3月尚未上报"}
    assert reminders.remind(s, catalogue, bj(2026, 4, 20)) == []
    assert len(told(s)) == 4
    assert s.scalar(select(func.count()).select_from(ReportReminder)) == 2


def test_a_unit_found_already_late_gets_the_overdue_reminder_only(dbsession, catalogue, units):
    s = dbsession
    sent = reminders.remind(s, catalogue, bj(2026, 4, 15))
    s.commit()
    assert [(r.kind, r.month) for r in sent] == [("overdue", "2026-03")]
    assert {kind for _, kind, _ in told(s)} == {"report_overdue"}


def test_a_unit_that_reports_in_time_is_not_told_it_is_late(dbsession, catalogue, units):
    s = dbsession
    reminders.remind(s, catalogue, bj(2026, 4, 8))
    people = f.agreement_rows(1, "2026-03-01", "2026-08-31", first=0)    # one of its two: 部分缺报, not 缺报
    f.stored_batch(s, catalogue, units["silent"], ONDUTY, batch_rows.onduty_rows(people, "2026-03"))
    s.commit()
    assert reminders.remind(s, catalogue, bj(2026, 4, 12)) == []
    assert {kind for _, kind, _ in told(s)} == {"report_due_soon"}


def test_the_reminder_reaches_the_mailbox_and_the_phone(dbsession, catalogue, units, deliver, smtp_server,
                                                         sms_gateway):
    s = dbsession
    deliver()   # the imports' receipts (消息中心 only): nothing to send
    reminders.remind(s, catalogue, bj(2026, 4, 11))
    s.commit()
    assert deliver() == 4   # two agents, email and SMS each
    (mail,) = smtp_server.to("wang@jinyang.example")
    assert mail["Subject"] == "见习人员每月在岗情况上报已逾期：2026年3月尚未上报"
    body = SmtpServer.body(mail)
    assert "贵单位2026年3月的“见习人员每月在岗情况上报”报送期限为2026年4月10日，已逾期仍未上报" in body
    assert "上报入口：http://jianxi.test/items/onduty_report" in body
    (sms,) = sms_gateway.to("13712345678")
    assert sms == {"to": "13712345678", "template_id": "TPL_REPORT_OVERDUE",
                   "params": {"name": "王*明", "month": "2026年3月", "item_title": "见习人员每月在岗情况上报",
                              "due_on": "2026年4月10日"}}
    assert deliver() == 0


def test_concurrent_runs_record_and_tell_each_reminder_once(dbsession, db_engine, catalogue, units):
    s = dbsession
    others = [f.unit_account(s, name=f"并发单位{i}有限公司", mobile=f"1381234560{i}") for i in range(3)]
    for i, account in enumerate(others):
        f.stored_batch(s, catalogue, account, "match_report", f.agreement_rows(1, "2026-02-01", "2026-07-31",
                                                                              first=100 + i))
    s.commit()
    results, errors = race(make_session_factory(writer_engine(db_engine)),
                           lambda session, _: reminders.remind(session, catalogue, bj(2026, 4, 11)))
    assert errors == []
    sent = sorted((r.unit_id, r.item_key, r.kind) for found in results for r in found)
    # The silent unit: its on-duty report, late. The three others reported nothing for February or March:
    # both items, late for March (only the latest late month is told).
    expected = [(units["silent"].unit_id, ONDUTY, "overdue")] + [
        (a.unit_id, key, "overdue") for a in others for key in (ATTENDANCE, ONDUTY)]
    assert sent == sorted(expected)
    assert s.scalar(select(func.count()).select_from(ReportReminder)) == len(expected)
    assert len(told(s)) == 2 + 2 * len(others)   # one notice per agent and reminder, never two


def test_the_workers_send_reminders_from_eight_in_the_morning(dbsession, db_engine, catalogue, units):
    assert "report_reminders" in jobs.JOBS
    factory = make_session_factory(writer_engine(db_engine))
    job = {"report_reminders": jobs.JOBS["report_reminders"]}
    night = clock.from_beijing(datetime(2026, 4, 11, 7, 30))
    assert jobs.run_due(factory, {}, lambda: catalogue, job, now=night) == ["report_reminders"]
    assert told(dbsession) == []                          # ran, and texted nobody at half past seven
    morning = clock.from_beijing(datetime(2026, 4, 11, 8, 30))
    assert jobs.run_due(factory, {}, lambda: catalogue, job, now=morning) == ["report_reminders"]
    assert {kind for _, kind, _ in told(dbsession)} == {"report_overdue"}
