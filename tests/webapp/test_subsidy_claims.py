"""见习补贴申领 over HTTP: the unit chooses a period, reads its lines with their basis (a missing report listed
with a link to the batch item), submits; the county approves, then the city, each seeing the lines and the
reports behind them. The JSON twins do the same."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import Case, ClaimLine
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import confirm, form_to, fresh, soup


@pytest.fixture
def claim_world(dbsession, catalogue, storage):
    s = dbsession
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    f.admin(s)
    f.reviewer(s, login="xiaodian", jurisdiction="140105", name="小店区审核员")
    f.reviewer(s, login="taiyuan", jurisdiction="140100", name="太原市审核员")
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    f.approved_unit(s, catalogue, storage, unit, province)
    people = [f.new_id_number() for _ in range(2)]
    f.reported(s, catalogue, unit, "match_report",
               [f.agreement_row(people[0], "2026-01-01", "2026-06-30", name="王芳"),
                f.agreement_row(people[1], "2026-02-01", "2026-07-31", name="李强")])
    f.reported(s, catalogue, unit, "onduty_report",
               [f.onduty_row(people[0], m, name="王芳") for m in ("2026-01", "2026-02", "2026-03")]
               + [f.onduty_row(people[1], "2026-02", name="李强")])
    f.reported(s, catalogue, unit, "attendance_report",
               [f.attendance_row(people[0], m, name="王芳") for m in ("2026-01", "2026-02", "2026-03")]
               + [f.attendance_row(people[1], m, name="李强") for m in ("2026-02", "2026-03")])
    s.commit()
    return {"unit": unit, "people": people}


def lines_of(page):
    return {(tr.select("td")[0].get_text(strip=True), tr["data-month"]): tr
            for tr in soup(page).select("[data-testid=claim-lines] tbody tr[data-month]")}


def test_a_claim_from_period_to_city_approval(claim_world, make_web, dbsession):
    unit = make_web()
    unit.login(claim_world["unit"].login_name)
    page = unit.app.get("/items/subsidy_claim")
    assert "2025-01 至 2026-03" in soup(page).select_one("[data-testid=scheme]").get_text()
    form = form_to(page, "/items/subsidy_claim")
    form["period_from"], form["period_to"] = "2026-03", "2026-01"
    bad = form.submit(status=422)
    assert soup(bad).select_one("#err-period_to").get_text() == "申领截止月份不能早于申领起始月份"
    assert form_to(bad, "/items/subsidy_claim")["period_from"].value == "2026-03"   # what was typed is kept
    form = form_to(bad, "/items/subsidy_claim")
    form["period_from"], form["period_to"] = "2026-01", "2026-03"
    lines = form.submit().follow()
    case_id = int(re.search(r"/cases/(\d+)/subsidy", lines.request.path).group(1))
    got = lines_of(lines)
    assert got[("王芳", "2026-01")].select_one(".basis").get_text(strip=True) == \
        "2026-01：在岗31天，实发2200元，按最低工资2150元×80%计1720元；带教费200元；意外伤害保险补贴30元"
    assert got[("李强", "2026-03")]["data-flag"] == "missing"
    assert "缺少见习人员每月在岗情况上报" in got[("李强", "2026-03")].get_text()
    missing = soup(lines).select_one("[data-testid=missing-reports]")
    assert [a["href"] for a in missing.select("a")] == ["/items/onduty_report"]
    assert soup(lines).select_one("[data-testid=claim-total]").get_text() == "7800元"
    assert soup(lines).select_one("[data-testid=state]").get_text() == "草稿"

    # Submitting needs the confirmation ticked; then the claim waits for the county.
    submit = form_to(lines, f"/cases/{case_id}/subsidy", has="confirm")
    refused = submit.submit("action", value="submit", status=422)
    assert "请勾选“已核对补贴明细”后再提交" in soup(refused).select_one("#err-confirm").get_text()
    submit = form_to(refused, f"/cases/{case_id}/subsidy", has="confirm")
    submit["confirm"] = True
    done = submit.submit("action", value="submit").follow()
    assert soup(done).select_one("[data-testid=state]").get_text() == "待县级审核"
    assert not form_to_or_none(done, f"/cases/{case_id}/subsidy")
    fresh(dbsession)
    counted = dbsession.scalars(select(ClaimLine.month).where(ClaimLine.counted.is_(True))).all()
    assert sorted(counted) == ["2026-01", "2026-02", "2026-02", "2026-03"]

    # The county reviewer sees the lines, their basis and the reports behind them, and approves.
    county = make_web()
    county.login("xiaodian", tab="staff")
    review = county.app.get(f"/review/cases/{case_id}")
    panel = soup(review).select_one("[data-testid=subsidy]")
    assert "2026-01：在岗31天，实发2200元" in panel.get_text()
    sources = {a["data-source"] for a in panel.select("a[data-source]")}
    assert sources == {"agreement", "status", "attendance"}
    behind = panel.select_one("a[data-source=status]")["href"]
    assert "见习人员每月在岗情况上报" in county.app.get(behind).text
    assert [a["data-trigger"] for a in soup(review).select("[data-trigger]")] == \
        ["county_approve", "reject", "return_for_correction"]
    assert confirm(county, case_id, "county_approve").status_int == 303

    city = make_web()
    city.login("taiyuan", tab="staff")
    assert confirm(city, case_id, "city_approve").status_int == 303
    fresh(dbsession)
    assert dbsession.get(Case, case_id).state == "publicity"
    page = unit.app.get(f"/cases/{case_id}")
    assert soup(page).select_one("[data-testid=subsidy-link] a")["href"] == f"/cases/{case_id}/subsidy"
    # The generic pages of any case take a claim as well: 个人中心, the print view, the catalogue.
    assert f"/cases/{case_id}" in unit.app.get("/me/cases").text
    assert "2026-01" in unit.app.get(f"/cases/{case_id}/print").text
    admin = make_web()
    admin.login("admin", tab="staff")
    assert "见习补贴申领" in admin.app.get("/admin/items/subsidy_claim").text
    assert "见习补贴申领" in make_web().app.get("/").text


def form_to_or_none(page, fragment):
    return [fm for fm in page.forms.values() if fragment in (fm.action or "")]


def test_the_json_twins(claim_world, make_web, dbsession):
    unit = make_web()
    unit.login(claim_world["unit"].login_name)
    bad = unit.api("post", "/api/items/subsidy_claim/subsidy-claims", {"data": {"period_from": "2026-01", "period_to": "2027-05"}},
                   status=422)
    assert bad.json["errors"] == [{"field": "period_to", "message": "申领截止月份不能晚于本月"}]
    made = unit.api("post", "/api/items/subsidy_claim/subsidy-claims", {"data": {"period_from": "2026-01", "period_to": "2026-02"}},
                    status=201)
    assert_matches_spec(made)
    claim = made.json["claim"]
    assert (claim["paid_count"], claim["total"], claim["scheme"]["versions"]) == (3, "5850", [1])
    assert claim["lines"][0]["id_number"].count("*") == 10      # masked
    again = unit.api("post", f"/api/cases/{made.json['id']}/subsidy/recompute",
                     {"data": {"period_to": "2026-03"}, "version": made.json["version"]})
    assert_matches_spec(again)
    assert again.json["claim"]["period"] == {"from": "2026-01", "to": "2026-03"}
    assert again.json["claim"]["missing_items"] == ["onduty_report"]
    flagged = unit.api("get", f"/api/cases/{made.json['id']}/subsidy?flag=missing")
    assert_matches_spec(flagged)
    assert [x["month"] for x in flagged.json["claim"]["lines"]] == ["2026-03"]
    assert unit.api("get", f"/api/cases/{made.json['id']}/subsidy?flag=nope", status=422).json["errors"][0]["field"] == "flag"
    from tests.webapp.test_paging import BAD_PAGES
    assert unit.api("get", f"/api/cases/{made.json['id']}/subsidy?page=2").json["claim"]["page"] == 1   # the last page
    for bad in BAD_PAGES:
        res = unit.api("get", f"/api/cases/{made.json['id']}/subsidy", params={"page": bad}, status=422)
        assert_matches_spec(res)
        assert res.json["errors"][0]["field"] == "page", bad
    sent = unit.api("post", f"/api/cases/{made.json['id']}/transitions/submit", {"version": again.json["version"]})
    assert sent.json["state"] == "county_review"
    stale = unit.api("post", f"/api/cases/{made.json['id']}/subsidy/recompute", {}, status=403)
    assert "不能重新计算" in stale.json["error"]


def test_a_returned_claim_is_recomputed_on_its_page_and_resubmitted(claim_world, make_web, dbsession):
    unit = make_web()
    unit.login(claim_world["unit"].login_name)
    form = form_to(unit.app.get("/items/subsidy_claim"), "/items/subsidy_claim")
    form["period_from"], form["period_to"] = "2026-01", "2026-03"
    lines = form.submit().follow()
    case_id = int(re.search(r"/cases/(\d+)/subsidy", lines.request.path).group(1))
    submit = form_to(lines, f"/cases/{case_id}/subsidy", has="confirm")
    submit["confirm"] = True
    submit.submit("action", value="submit")
    county = make_web()
    county.login("xiaodian", tab="staff")
    assert confirm(county, case_id, "return_for_correction", reason="申领期间有误").status_int == 303
    fresh(dbsession)
    assert dbsession.scalars(select(ClaimLine.id).where(ClaimLine.counted.is_(True))).all() == []   # released

    page = unit.app.get(f"/cases/{case_id}/subsidy")
    assert soup(page).select_one("[data-testid=state]").get_text() == "退回修改"
    assert "申领期间有误" in soup(page).select_one("[data-testid=timeline]").get_text()
    again = form_to(page, f"/cases/{case_id}/subsidy", has="period_from")
    again["period_from"], again["period_to"] = "2026-02", "2026-01"
    bad = again.submit("action", value="recompute", status=422)
    assert soup(bad).select_one("#err-period_to").get_text() == "申领截止月份不能早于申领起始月份"
    again = form_to(bad, f"/cases/{case_id}/subsidy", has="period_from")
    again["period_from"], again["period_to"] = "2026-02", "2026-02"
    page = again.submit("action", value="recompute").follow()
    assert soup(page).select_one("[data-testid=period]").get_text() == "2026-02 至 2026-02"
    assert set(lines_of(page)) == {("王芳", "2026-02"), ("李强", "2026-02")}
    submit = form_to(page, f"/cases/{case_id}/subsidy", has="confirm")
    submit["confirm"] = True
    done = submit.submit("action", value="submit").follow()
    assert soup(done).select_one("[data-testid=state]").get_text() == "待县级审核"


def test_a_unit_not_yet_approved_is_told_why(make_web, dbsession):
    account = f.unit_account(dbsession, name="太原未认定单位有限公司")
    dbsession.commit()
    web = make_web()
    web.login(account.login_name)
    page = web.app.get("/items/subsidy_claim")
    assert "尚未通过就业见习单位申请" in soup(page).select_one("[data-testid=blocked]").get_text()
    refused = web.post("/items/subsidy_claim", {"period_from": "2026-01", "period_to": "2026-02"}, status=403)
    assert "尚未通过就业见习单位申请" in soup(refused).select_one("[data-testid=error-summary]").get_text()
    assert dbsession.scalars(select(Case.id).where(Case.item_key == "subsidy_claim")).all() == []
