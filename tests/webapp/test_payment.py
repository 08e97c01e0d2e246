"""见习补贴拨付 over HTTP: a finance reviewer (拨付权限) lists the claims 待拨付 of the jurisdiction, exports the
payment workbook (full bank account, formula-neutralised), marks claims 已拨付 with a date and a voucher; the unit
is told and sees it; the paid months are locked, and a re-imported report that would change one is refused."""
from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from engine import clock, roles
from engine.cases.lifecycle import transition
from engine.models import Case, ClaimLine, Notice, SubsidyClaim
from engine.rules import TransitionContext
from engine.subsidy import claims
from engine.workflow import Actor, fire
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import form_to, fresh, soup
from tests.webapp.test_batches import error_table, fill, upload

EVIL = '=HYPERLINK("http://evil.example","点我")'


def payable_claim(s, catalogue, unit, county, city, period=("2026-01", "2026-03")):
    """A claim submitted, approved by the county and the city, and moved to 待拨付 when 公示 ends."""
    item = catalogue.item("subsidy_claim")
    case = claims.start(s, catalogue, item, unit, {"period_from": period[0], "period_to": period[1]})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "county_approve", county)
    transition(s, catalogue, case, "city_approve", city)
    system = Actor(None, roles.SYSTEM)
    fire(case, catalogue.workflows[case.workflow_key], "end_publicity", system, TransitionContext(s, catalogue, system))
    assert case.state == "payable"
    return case


@pytest.fixture
def pay_world(dbsession, catalogue, storage):
    s = dbsession
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    f.admin(s)
    county = f.reviewer(s, login="xiaodian", jurisdiction="140105", name="小店区审核员")
    city = f.reviewer(s, login="taiyuan", jurisdiction="140100", name="太原市审核员")
    finance = f.reviewer(s, login="caiwu", jurisdiction="140100", name="太原市拨付员")
    finance.finance = True
    elsewhere = f.reviewer(s, login="datong_caiwu", jurisdiction="140200", name="大同市拨付员")
    elsewhere.finance = True
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    f.approved_unit(s, catalogue, storage, unit, province)
    people = [f.new_id_number() for _ in range(2)]
    f.reported(s, catalogue, unit, "match_report",
               [f.agreement_row(people[0], "2026-01-01", "2026-06-30", name="王芳"),
                f.agreement_row(people[1], "2026-02-01", "2026-07-31", name="李强")])
    f.reported(s, catalogue, unit, "onduty_report",
               [f.onduty_row(people[0], m, name="王芳") for m in ("2026-01", "2026-02", "2026-03")]
               + [f.onduty_row(people[1], m, name="李强") for m in ("2026-02", "2026-03")])
    f.reported(s, catalogue, unit, "attendance_report",
               [f.attendance_row(people[0], m, name="王芳") for m in ("2026-01", "2026-02", "2026-03")]
               + [f.attendance_row(people[1], m, name="李强") for m in ("2026-02", "2026-03")])
    case = payable_claim(s, catalogue, unit, county, city)
    unit.unit.name = EVIL    # a unit name typed to be a formula: it must come out of the workbook as text
    s.commit()
    return {"unit": unit, "people": people, "case_id": case.id, "reference": case.reference}


def test_a_finance_reviewer_exports_and_marks_a_claim_paid(pay_world, make_web, dbsession):
    case_id, reference = pay_world["case_id"], pay_world["reference"]
    web = make_web()
    web.login("caiwu", tab="staff")
    assert "/review/payments" in web.app.get("/review").text
    page = web.app.get("/review/payments")
    row = soup(page).select_one(f"[data-testid=payments] tr[data-case='{case_id}']")
    assert reference in row.get_text()
    assert soup(page).select_one("[data-testid=bank]").get_text() == "****1234"   # the page masks the account
    assert "050212345678901234" not in page.text
    claim = dbsession.scalar(select(SubsidyClaim).where(SubsidyClaim.case_id == case_id))
    amount = f"{claim.total_fen / 100:.2f}"
    assert amount in row.get_text()

    # The workbook: full account, amount in yuan with 2 decimals, the formula-like unit name as text.
    export = web.app.get(soup(page).select_one("[data-testid=export]")["href"])
    assert export.content_type.startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(export.body)).active
    header = [c.value for c in ws[1]]
    got = dict(zip(header, [c.value for c in ws[2]]))
    assert got["申领编号"] == reference
    assert got["银行账号"] == "050212345678901234"
    assert got["开户银行"] == "中国工商银行太原长治路支行"
    assert got["单位名称"] == "'" + EVIL and ws.cell(row=2, column=2).data_type == "s"
    assert f"{got['拨付金额（元）']:.2f}" == amount and ws.cell(row=2, column=6).number_format == "0.00"
    assert got["见习人月数"] == claim.paid_count == 5

    # Nothing chosen, nothing typed: messages beside the fields, nothing paid.
    form = form_to(page, "/review/payments")
    bad = form.submit(status=422)
    assert soup(bad).select_one("#err-paid_on").get_text() == "请填写拨付日期"
    assert soup(bad).select_one("#err-voucher").get_text() == "请填写拨付凭证号"
    form = form_to(bad, "/review/payments")
    form["case"] = str(case_id)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    form["paid_on"], form["voucher"] = tomorrow, "PZ 2026/001"
    bad = form.submit(status=422)
    assert soup(bad).select_one("#err-paid_on").get_text() == "拨付日期不能晚于今天"
    assert soup(bad).select_one("#err-voucher").get_text() == "凭证号为1至40位字母、数字或“-”"
    kept = form_to(bad, "/review/payments")
    assert (kept["paid_on"].value, kept["voucher"].value) == (tomorrow, "PZ 2026/001")   # the typed values kept
    assert kept["case"].checked
    kept["paid_on"] = "2020-01-01"
    kept["voucher"] = "PZ-2026-001"
    bad = kept.submit(status=422)
    assert "不能早于申领转为待拨付的日期" in soup(bad).select_one("#err-paid_on").get_text()
    fresh(dbsession)
    assert dbsession.get(Case, case_id).state == "payable"

    form = form_to(bad, "/review/payments")
    form["paid_on"], form["voucher"] = clock.today().isoformat(), "PZ-2026-001"
    done = form.submit().follow()
    assert f"已登记拨付1件：{reference}" in done.text
    assert soup(done).select_one("[data-testid=empty]")
    fresh(dbsession)
    case = dbsession.get(Case, case_id)
    assert case.state == "paid"
    claim = dbsession.scalar(select(SubsidyClaim).where(SubsidyClaim.case_id == case_id))
    assert (claim.paid_on, claim.voucher) == (clock.today(), "PZ-2026-001")
    lines = dbsession.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id)).all()
    assert lines and all((x.locked_at is not None) == x.counted for x in lines)
    assert case.events[-1].data == {"paid_on": clock.today().isoformat(), "voucher": "PZ-2026-001"}

    # The unit is told, and its claim page says 已拨付 with the date and voucher, with nothing left to do.
    notices = dbsession.scalars(select(Notice).where(Notice.recipient_id == pay_world["unit"].id)).all()
    assert any("已拨付" in n.title and reference in n.title for n in notices)
    unit = make_web()
    unit.login(pay_world["unit"].login_name)
    assert reference in unit.app.get("/me/notices").text
    assert "PZ-2026-001" in soup(unit.app.get(f"/cases/{case_id}")).select_one("[data-testid=paid]").get_text()
    mine = unit.app.get(f"/cases/{case_id}/subsidy")
    assert soup(mine).select_one("[data-testid=state]").get_text() == "已拨付"
    assert "PZ-2026-001" in soup(mine).select_one("[data-testid=paid]").get_text()
    assert not [fm for fm in mine.forms.values() if f"/cases/{case_id}/subsidy" in (fm.action or "")]
    refused = unit.api("post", f"/api/cases/{case_id}/subsidy/recompute", {}, status=403)
    assert "不能重新计算" in refused.json["error"]
    body = unit.api("get", f"/api/cases/{case_id}/subsidy")
    assert_matches_spec(body)
    assert body.json["claim"]["payment"] == {"paid_on": clock.today().isoformat(), "voucher": "PZ-2026-001"}


def test_the_json_twins(pay_world, make_web, dbsession):
    case_id = pay_world["case_id"]
    web = make_web()
    web.login("caiwu", tab="staff")
    listed = web.api("get", "/api/review/payments")
    assert_matches_spec(listed)
    (row,) = listed.json["claims"]
    assert (row["case_id"], row["bank_account"], row["trainee_months"]) == (case_id, "****1234", 5)
    export = web.app.get("/api/review/payments.xlsx")
    assert_matches_spec(export)
    ws = openpyxl.load_workbook(io.BytesIO(export.body)).active
    assert [c.value for c in ws[2]][4] == "050212345678901234"
    assert web.api("get", "/api/review/payments?page=x", status=422).json["errors"][0]["field"] == "page"
    bad = web.api("post", f"/api/cases/{case_id}/payment", {"paid_on": "2026-13-01", "voucher": ""}, status=422)
    assert_matches_spec(bad)
    assert {e["field"] for e in bad.json["errors"]} == {"paid_on", "voucher"}
    done = web.api("post", f"/api/cases/{case_id}/payment", {"paid_on": clock.today().isoformat(), "voucher": "V-1"})
    assert_matches_spec(done)
    assert (done.json["state"], done.json["payment"]["voucher"]) == ("paid", "V-1")
    again = web.api("post", f"/api/cases/{case_id}/payment", {"paid_on": clock.today().isoformat(), "voucher": "V-2"},
                    status=403)
    assert_matches_spec(again)
    assert "不能登记拨付" in again.json["error"]
    assert web.api("get", "/api/review/payments").json["claims"] == []


def test_who_may_pay(pay_world, make_web, dbsession):
    case_id = pay_world["case_id"]
    body = {"paid_on": clock.today().isoformat(), "voucher": "V-1"}
    # A reviewer of the jurisdiction without 拨付权限: refused everywhere, and the queue does not offer it.
    plain = make_web()
    plain.login("taiyuan", tab="staff")
    assert "/review/payments" not in plain.app.get("/review").text
    plain.app.get("/review/payments", status=403)
    plain.app.get("/review/payments.xlsx", status=403)
    plain.api("get", "/api/review/payments", status=403)
    plain.app.get("/api/review/payments.xlsx", status=403)
    assert "拨付权限" in plain.api("post", f"/api/cases/{case_id}/payment", body, status=403).json["error"]
    # A finance reviewer of another city: sees nothing of it, and the case is as if it did not exist.
    other = make_web()
    other.login("datong_caiwu", tab="staff")
    assert other.api("get", "/api/review/payments").json["claims"] == []
    ws = openpyxl.load_workbook(io.BytesIO(other.app.get("/review/payments.xlsx").body)).active
    assert ws.max_row == 1
    other.api("post", f"/api/cases/{case_id}/payment", body, status=404)
    other.post("/review/payments", {"case": str(case_id), **body}, status=404)
    # The unit itself.
    unit = make_web()
    unit.login(pay_world["unit"].login_name)
    unit.app.get("/review/payments", status=403)
    unit.api("post", f"/api/cases/{case_id}/payment", body, status=403)
    fresh(dbsession)
    assert dbsession.get(Case, case_id).state == "payable"


def test_a_reimport_that_would_change_a_paid_month_is_refused(pay_world, make_web, catalogue, dbsession):
    case_id, reference = pay_world["case_id"], pay_world["reference"]
    wang, li = pay_world["people"]
    finance = make_web()
    finance.login("caiwu", tab="staff")
    finance.api("post", f"/api/cases/{case_id}/payment", {"paid_on": clock.today().isoformat(), "voucher": "V-1"})

    unit = make_web()
    unit.login(pay_world["unit"].login_name)
    item = catalogue.item("onduty_report")
    template = unit.app.get("/items/onduty_report/template.xlsx").body
    changed = [f.onduty_row(wang, "2026-03", days=20, paid=1500, name="王芳"),
               f.onduty_row(li, "2026-04", name="李强")]
    page = upload(unit, "onduty_report", fill(template, changed, item), status=422)
    errors = error_table(page)
    assert len(errors) == 1
    assert f"该人员2026-03的见习补贴已在申领{reference}中拨付，不能更改；如需更正请联系审核部门" in errors[0]
    # A month not paid is reported as usual.
    upload(unit, "onduty_report", fill(template, changed[1:], item), status=303)

    # An agreement whose dates change over paid months is refused too, through the JSON import.
    match = catalogue.item("match_report")
    template = unit.app.get("/items/match_report/template.xlsx").body
    moved = [f.agreement_row(wang, "2026-01-01", "2026-02-28", name="王芳", position="软件开发见习生")]
    res = unit.app.post("/api/items/match_report/imports",
                        upload_files=[("file", "a.xlsx", fill(template, moved, match))],
                        headers={"X-CSRF-Token": unit.csrf()}, status=422)
    assert_matches_spec(res)
    assert any(reference in e["message"] for e in res.json["errors"])
    fresh(dbsession)
    assert dbsession.get(Case, case_id).state == "paid"


def test_an_administrator_grants_and_withdraws_the_permission(pay_world, make_web, dbsession):
    from engine.models import Account, AuditEntry
    taiyuan = dbsession.scalar(select(Account).where(Account.login_name == "taiyuan"))
    reviewer = make_web()
    reviewer.login("taiyuan", tab="staff")
    reviewer.app.get("/review/payments", status=403)
    admin = make_web()
    admin.login("admin", tab="staff")
    url = f"/admin/accounts/{taiyuan.id}"
    page = admin.app.get(url)
    assert soup(page).select_one("[data-testid=finance]").get_text() == "无"
    assert soup(page).select_one("[data-testid=finance-grant]")
    done = admin.post(url, {"action": "finance_grant"}).follow()
    assert "已授予“taiyuan”的拨付权限" in done.text
    assert soup(done).select_one("[data-testid=finance]").get_text().startswith("有")
    assert pay_world["reference"] in reviewer.app.get("/review/payments").text   # at the next request
    admin.post(url, {"action": "finance_revoke"}).follow()
    reviewer.app.get("/review/payments", status=403)
    fresh(dbsession)
    assert [e.action for e in dbsession.scalars(select(AuditEntry).where(AuditEntry.action.like("finance_%"))
                                                .order_by(AuditEntry.id))] == ["finance_grant", "finance_revoke"]


def test_marking_paid_needs_the_csrf_token(pay_world, make_web, dbsession):
    case_id = pay_world["case_id"]
    web = make_web()
    web.login("caiwu", tab="staff")
    body = {"paid_on": clock.today().isoformat(), "voucher": "V-1"}
    for headers, token in (({}, None), ({"X-CSRF-Token": "forged"}, "forged")):
        res = web.app.post_json(f"/api/cases/{case_id}/payment", body, headers=headers, status=400)
        assert "页面已过期" in res.text
        params = {"case": str(case_id), **body, **({"csrf_token": token} if token else {})}
        res = web.app.post("/review/payments", params, status=400)
        assert "页面已过期" in res.text
    fresh(dbsession)
    assert dbsession.get(Case, case_id).state == "payable"
