"""公示 over HTTP: anyone reads the claims in 公示 (names and ID numbers masked) and sends an objection (checked,
limited per address, only during 公示); the county's reviewers uphold one (back to review) or dismiss one
(recorded), and the workers' job moves a claim whose 公示 ended to 待拨付. The JSON twins do the same."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from webtest import TestApp

from engine import clock
from engine.cases.lifecycle import transition
from engine.db import make_session_factory, writer_engine
from engine.models import Case, ClaimObjection, Notice
from engine.notices import jobs
from engine.subsidy import claims
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import form_to, fresh, soup


@pytest.fixture
def in_publicity(dbsession, catalogue, storage, clock_at):
    """A claim of 王芳 and 李强 in 小店区 that the city approves on 2026-09-30, the day before 国庆."""
    s = dbsession
    clock_at(clock.from_beijing(datetime(2026, 9, 30, 10)))
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    county = f.reviewer(s, login="xiaodian", jurisdiction="140105", name="小店区审核员")
    city = f.reviewer(s, login="taiyuan", jurisdiction="140100", name="太原市审核员")
    f.reviewer(s, login="datong", jurisdiction="140200", name="大同市审核员")
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    f.approved_unit(s, catalogue, storage, unit, province)
    people = [f.new_id_number() for _ in range(2)]
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(people[0], "2026-01-01", "2026-06-30", name="王芳"),
                                                     f.agreement_row(people[1], "2026-01-01", "2026-06-30", name="李小强")])
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(p, m, name=n) for p, n in zip(people, ("王芳", "李小强"))
                                                     for m in ("2026-01", "2026-02")])
    f.reported(s, catalogue, unit, "attendance_report", [f.attendance_row(p, m, name=n) for p, n in
                                                         zip(people, ("王芳", "李小强")) for m in ("2026-01", "2026-02")])
    case = claims.start(s, catalogue, catalogue.item("subsidy_claim"), unit,
                        {"period_from": "2026-01", "period_to": "2026-02"})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "county_approve", county)
    transition(s, catalogue, case, "city_approve", city)
    draft = claims.start(s, catalogue, catalogue.item("subsidy_claim"), unit,
                         {"period_from": "2026-03", "period_to": "2026-03"})
    s.commit()
    return {"case": case, "people": people, "draft": draft, "unit": unit}


def object_on(app, reference, text, contact="", status=303):
    form = form_to(app.get(f"/gongshi/{reference}"), f"/gongshi/{reference}")
    form["text"], form["contact"] = text, contact
    return form.submit(status=status)


def state_of(dbsession, case):
    fresh(dbsession)
    return dbsession.get(Case, case.id).state


def test_the_public_page_masks_names_and_ids_and_an_upheld_objection_sends_the_claim_back(
        in_publicity, make_web, dbsession):
    case, people = in_publicity["case"], in_publicity["people"]
    anyone = make_web().app
    listing = anyone.get("/gongshi")
    (row,) = soup(listing).select("[data-testid=publicity-list] tbody tr")
    assert row["data-reference"] == case.reference and "山西晋阳智能科技有限公司" in row.get_text()
    # 7 working days after 09-30 over 国庆 (10-01..07 off, Saturday 10-10 worked).
    assert row.select_one("[data-testid=period]").get_text(strip=True) == "2026-09-30至2026-10-15"
    assert "见习补贴公示" in anyone.get("/").text                       # in the public menu
    assert soup(anyone.get("/gongshi?city=140200")).select_one("[data-testid=empty]")
    page = anyone.get(f"/gongshi/{case.reference}")
    text = soup(page).get_text()
    assert "王*" in text and "李*强" in text and "王芳" not in text and "李小强" not in text
    assert not any(p in page.text or p[6:14] in page.text for p in people)     # no ID number, no birth date
    assert soup(page).select_one("[data-testid=trainees]").get_text() == "2人"
    assert anyone.get(f"/gongshi/{in_publicity['draft'].id}", status=404)
    assert anyone.get("/gongshi/JXBT-140100-000000-000000", status=404)

    bad = object_on(anyone, case.reference, " 不实 ", "12345", status=422)
    assert soup(bad).select_one("#err-text").get_text() == "异议内容至少5个字，请说明具体情况"
    assert "联系方式应为手机号码" in soup(bad).select_one("#err-contact").get_text()
    assert form_to(bad, f"/gongshi/{case.reference}")["contact"].value == "12345"   # kept as typed
    done = object_on(anyone, case.reference, "该单位李某二月份实际未到岗见习", "13812345678").follow()
    assert "您的异议已提交" in soup(done).get_text()
    object_on(anyone, case.reference, "另一条异议：考勤表系补签")
    assert "该单位李某二月份实际未到岗见习" not in done.text                # never shown publicly

    other = make_web()
    other.login("datong", tab="staff")
    assert soup(other.app.get("/review/objections")).select_one("[data-testid=empty]")
    county = make_web()
    county.login("xiaodian", tab="staff")
    queue = county.app.get("/review/objections")
    sections = soup(queue).select("[data-objection]")
    assert [s.select_one("[data-testid=objection-text]").get_text() for s in sections] == \
        ["该单位李某二月份实际未到岗见习", "另一条异议：考勤表系补签"]
    review = county.app.get(f"/review/cases/{case.id}")
    assert len(soup(review).select("[data-testid=objections] [data-status=pending]")) == 2
    first = int(sections[0]["data-objection"])
    form = form_to(queue, f"/review/objections/{first}/dismiss")
    form["note"] = "经电话核实属实"
    county.app.post(f"/review/objections/{first}/uphold", dict(form.submit_fields()), status=303)
    assert state_of(dbsession, case) == "county_review"
    statuses = dbsession.scalars(select(ClaimObjection.status).order_by(ClaimObjection.id)).all()
    assert statuses == ["upheld", "closed"]
    told = dbsession.scalar(select(Notice).where(Notice.case_id == case.id, Notice.event == "uphold_objection"))
    assert told is not None and "该单位李某二月份实际未到岗见习" in told.body
    assert anyone.get(f"/gongshi/{case.reference}", status=404)         # back in review: not public
    assert county.app.post(f"/review/objections/{first}/dismiss",
                           {"csrf_token": county.csrf(), "note": "x"}, status=409)


def test_a_dismissed_objection_is_recorded_and_the_job_ends_publicity(in_publicity, make_web, dbsession, db_engine,
                                                                     catalogue):
    case = in_publicity["case"]
    anyone = make_web().app
    object_on(anyone, case.reference, "怀疑该单位重复申领补贴")
    county = make_web()
    county.login("xiaodian", tab="staff")
    (oid,) = dbsession.scalars(select(ClaimObjection.id)).all()
    refused = county.post(f"/review/objections/{oid}/dismiss", {"note": " "}, status=422)
    assert soup(refused).select_one("#err-note").get_text() == "请填写处理意见"
    county.post(f"/review/objections/{oid}/dismiss", {"note": "经核查未发现重复申领"}, status=303)
    fresh(dbsession)
    assert dbsession.get(ClaimObjection, oid).status == "dismissed" and state_of(dbsession, case) == "publicity"
    review = county.app.get(f"/review/cases/{case.id}")
    assert "经核查未发现重复申领" in soup(review).select_one("[data-testid=objections]").get_text()

    factory = make_session_factory(writer_engine(db_engine))
    job = {"publicity_end": jobs.JOBS["publicity_end"]}
    jobs.run_due(factory, {}, lambda: catalogue, job, now=clock.from_beijing(datetime(2026, 10, 15, 23)))
    assert state_of(dbsession, case) == "publicity"
    jobs.run_due(factory, {}, lambda: catalogue, job, now=clock.from_beijing(datetime(2026, 10, 16, 8)))
    assert state_of(dbsession, case) == "payable"
    ended = anyone.get(f"/gongshi/{case.reference}")
    assert "公示已结束" in soup(ended).select_one("[data-testid=publicity-ended]").get_text()
    assert not soup(ended).select("textarea")
    assert not soup(anyone.get("/gongshi")).select("[data-testid=publicity-list]")


def test_objections_after_publicity_and_over_the_limit_are_refused(in_publicity, make_web, clock_at,
                                                                   app_settings, catalogue):
    from webapp import make_app
    case = in_publicity["case"]
    app = make_app({**app_settings, "jianxi.objection_limit_per_address": "2/1d"}, catalogue)
    try:
        strict = TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "10.9.9.9"})
        object_on(strict, case.reference, "第一条异议内容")
        object_on(strict, case.reference, "第二条异议内容")
        page = object_on(strict, case.reference, "第三条异议内容", status=429)
        assert "提交过于频繁" in soup(page).select_one("[data-testid=objection-message]").get_text()
        assert form_to(page, f"/gongshi/{case.reference}")["text"].value == "第三条异议内容"
        assert int(page.headers["Retry-After"]) > 0
        res = strict.post_json(f"/api/publicity/{case.reference}/objections", {"text": "第四条异议内容"}, status=429)
        assert_matches_spec(res)
    finally:
        app.registry["db_engine"].dispose()
    anyone = make_web().app
    form = form_to(anyone.get(f"/gongshi/{case.reference}"), f"/gongshi/{case.reference}")
    clock_at(clock.from_beijing(datetime(2026, 10, 16, 9)))       # the form was drawn on the last day
    form["text"] = "公示期满后才提交的异议"
    late = form.submit(status=409)
    assert "已于2026年10月15日结束" in late.text


def test_the_json_twins(in_publicity, make_web, dbsession):
    case = in_publicity["case"]
    anyone = make_web().app
    res = anyone.get("/api/publicity")
    assert_matches_spec(res)
    assert [(x["reference"], x["trainees"], x["publicity"]["to"]) for x in res.json["items"]] == \
        [(case.reference, 2, "2026-10-15")]
    assert_matches_spec(anyone.get("/api/publicity?page=x", status=422))
    res = anyone.get(f"/api/publicity/{case.reference}")
    assert_matches_spec(res)
    assert {x["name"] for x in res.json["lines"]} == {"王*", "李*强"} and res.json["open"] is True
    assert all("*" in x["id_number"] for x in res.json["lines"])
    assert_matches_spec(anyone.get(f"/api/publicity/{in_publicity['draft'].id}", status=404))
    res = anyone.post_json(f"/api/publicity/{case.reference}/objections", {"text": "短", "contact": 5}, status=422)
    assert_matches_spec(res)
    res = anyone.post_json(f"/api/publicity/{case.reference}/objections",
                           {"text": "该单位见习人员与实际不符", "contact": "a@example.com"}, status=201)
    assert_matches_spec(res)
    county = make_web()
    county.login("xiaodian", tab="staff")
    res = county.api("GET", "/api/review/objections")
    assert_matches_spec(res)
    (item,) = res.json["items"]
    assert (item["text"], item["contact"], item["reference"]) == ("该单位见习人员与实际不符", "a@example.com",
                                                                  case.reference)
    res = county.api("POST", f"/api/review/objections/{item['id']}/dismiss", json={}, status=422)
    assert_matches_spec(res)
    res = county.api("POST", f"/api/review/objections/{item['id']}/dismiss", json={"note": "经核查不属实"})
    assert_matches_spec(res)
    assert res.json["status"] == "dismissed"
    res = county.api("POST", f"/api/review/objections/{item['id']}/uphold", json={}, status=409)
    assert_matches_spec(res)
    anyone.post_json(f"/api/publicity/{case.reference}/objections", {"text": "考勤表系事后补签"}, status=201)
    (second,) = county.api("GET", "/api/review/objections").json["items"]
    res = county.api("POST", f"/api/review/objections/{second['id']}/uphold", json={"note": "属实"})
    assert_matches_spec(res)
    assert res.json["status"] == "upheld" and state_of(dbsession, case) == "county_review"
