"""公示 of an approved claim: its period on the working-day calendar (国庆 included), objections from anyone
within a limit, the reviewers' decisions, and the workers' job that moves it to 待拨付 once 公示 has ended."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import clock, throttle
from engine.cases.lifecycle import transition
from engine.db import make_session_factory, writer_engine
from engine.models import CaseEvent, ClaimObjection, Notice
from engine.notices import jobs
from engine.subsidy import claims, publicity
from engine.validation import ValidationFailed
from tests import factories as f
from tests.engine.subsidy.test_claims import trainee
from tests.webapp.pages import fresh

LIMIT = throttle.Limit("objection.address", 3, timedelta(days=1))


def bj(y, m, d, h=10):
    return clock.from_beijing(datetime(y, m, d, h))


@pytest.fixture
def approved(dbsession, catalogue, claimants, clock_at):
    """A claim the city approves on 2026-09-30, the day before 国庆."""
    s, unit = dbsession, claimants["unit"]
    clock_at(bj(2026, 9, 30))
    trainee(s, catalogue, unit)
    case = claims.start(s, catalogue, claimants["item"], unit, {"period_from": "2026-01", "period_to": "2026-03"})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "county_approve", claimants["county"])
    transition(s, catalogue, case, "city_approve", claimants["city"])
    s.commit()
    return case


def test_publicity_lasts_seven_working_days_over_the_national_day_holiday(dbsession, catalogue, approved):
    claim = claims.claim_of(dbsession, approved)
    # 10-01..10-07 are 国庆, 10-10 (a Saturday) is worked: 10-08, 09, 10, 12, 13, 14, 15.
    assert (claim.publicity_from, claim.publicity_to) == (date(2026, 9, 30), date(2026, 10, 15))
    page = publicity.public_claim(dbsession, catalogue, approved.reference, today=date(2026, 10, 15))
    assert page.open and page.row.trainees == 1 and page.row.total == "5850"
    assert [x.month for x in page.lines] == ["2026-01", "2026-02", "2026-03"]
    assert page.lines[0].id_number.count("*") >= 8 and "*" in page.lines[0].name


def test_the_job_moves_an_ended_claim_to_payable_on_the_next_day_only(dbsession, db_engine, catalogue, approved):
    factory = make_session_factory(writer_engine(db_engine))
    job = {"publicity_end": jobs.JOBS["publicity_end"]}
    assert jobs.run_due(factory, {}, lambda: catalogue, job, now=bj(2026, 10, 15, 23)) == ["publicity_end"]
    fresh(dbsession)
    assert approved.state == "publicity"            # the last day of 公示 is still 公示
    assert jobs.run_due(factory, {}, lambda: catalogue, job, now=bj(2026, 10, 16, 1)) == ["publicity_end"]
    fresh(dbsession)
    assert approved.state == "payable"
    event = dbsession.scalars(select(CaseEvent).where(CaseEvent.case_id == approved.id)
                              .order_by(CaseEvent.id.desc())).first()
    assert (event.trigger, event.actor_id) == ("end_publicity", None)
    assert dbsession.scalar(select(Notice).where(Notice.case_id == approved.id, Notice.event == "end_publicity"))
    with pytest.raises(publicity.NotFound):
        publicity.submit_objection(dbsession, catalogue, "NOPE", "材料不实请核查", "", "1.2.3.4",
                                                             LIMIT)
    page = publicity.public_claim(dbsession, catalogue, approved.reference)
    assert page.ended and not page.open                  # still shown after 公示, as ended


def test_an_upheld_objection_sends_the_claim_back_to_review(dbsession, catalogue, claimants, approved):
    s = dbsession
    first = publicity.submit_objection(s, catalogue, approved.reference, "该单位见习人员实际未在岗", "13812345678",
                                       "1.2.3.4", LIMIT)
    second = publicity.submit_objection(s, catalogue, approved.reference, "考勤记录与实际不符", None, "1.2.3.5", LIMIT)
    s.commit()
    rows, _ = publicity.pending_page(s, claimants["county"])
    assert [r.objection.id for r in rows] == [first.id, second.id]
    assert publicity.pending_page(s, f.reviewer(s, login="datong", jurisdiction="140200"))[0] == []
    publicity.uphold(s, catalogue, claimants["county"], first.id, note="经核实属实")
    s.commit()
    assert approved.state == "county_review"
    event = s.scalars(select(CaseEvent).where(CaseEvent.case_id == approved.id).order_by(CaseEvent.id.desc())).first()
    assert event.trigger == "uphold_objection" and "该单位见习人员实际未在岗" in event.comment
    assert (first.status, second.status) == ("upheld", "closed")
    with pytest.raises(publicity.NotFound):          # no longer in 公示: not public
        publicity.public_claim(s, catalogue, approved.reference)


def test_a_dismissed_objection_holds_the_claim_until_it_is_decided(dbsession, catalogue, claimants, approved):
    s = dbsession
    o = publicity.submit_objection(s, catalogue, approved.reference, "怀疑重复申领补贴", "", "1.2.3.4", LIMIT)
    s.commit()
    assert publicity.end_due(s, catalogue, date(2026, 10, 16)) == []       # pending: it waits
    with pytest.raises(ValidationFailed):
        publicity.dismiss(s, catalogue, claimants["county"], o.id, "  ")
    publicity.dismiss(s, catalogue, claimants["county"], o.id, "经核查未发现重复申领")
    s.commit()
    assert o.status == "dismissed" and approved.state == "publicity"
    assert [c.id for c in publicity.end_due(s, catalogue, date(2026, 10, 16))] == [approved.id]
    assert approved.state == "payable"


def test_objections_are_checked_limited_and_only_taken_during_publicity(dbsession, catalogue, approved):
    s = dbsession
    with pytest.raises(ValidationFailed) as e:
        publicity.submit_objection(s, catalogue, approved.reference, "太短", "12345", "1.2.3.4", LIMIT)
    assert {x.field: x.message for x in e.value.errors} == {
        "text": "异议内容至少5个字，请说明具体情况", "contact": "联系方式应为手机号码、固定电话（如0351-1234567）或电子邮箱"}
    for _ in range(3):
        publicity.submit_objection(s, catalogue, approved.reference, "请核查该单位情况", "a@example.com", "9.9.9.9", LIMIT)
    with pytest.raises(publicity.TooManyObjections):
        publicity.submit_objection(s, catalogue, approved.reference, "请核查该单位情况", "", "9.9.9.9", LIMIT)
    with pytest.raises(publicity.PublicityEnded, match="2026年10月15日结束"):
        publicity.submit_objection(s, catalogue, approved.reference, "请核查该单位情况", "", "1.1.1.1", LIMIT,
                                   today=date(2026, 10, 16))
    assert s.query(ClaimObjection).count() == 3



def test_the_console_ends_publicity_by_hand(tmp_path, database, dbsession, approved, clock_at, capsys):
    from engine.cli import main as cli
    ini = tmp_path / "jianxi.ini"
    ini.write_text(f"[app:main]\nsqlalchemy.url = {database}\n", "utf-8")
    clock_at(bj(2026, 10, 15, 20))
    assert cli(["publicity-end", "--ini", str(ini)]) == 0
    assert capsys.readouterr().out.strip() == "公示期满处理完成：0件"
    clock_at(bj(2026, 10, 16, 9))
    assert cli(["publicity-end", "--ini", str(ini)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{approved.reference}\t待拨付", "公示期满处理完成：1件"]
    fresh(dbsession)
    assert dbsession.get(type(approved), approved.id).state == "payable"
