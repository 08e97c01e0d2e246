"""见习补贴拨付 in a real browser: an administrator grants a 太原 reviewer 拨付权限; that reviewer reads the claims
待拨付 (the bank account masked), downloads the payment workbook (the account in full), forgets the voucher and is told beside the field
with the date kept, then marks the claim 已拨付; the unit reads the notice and sees 已拨付 with date and voucher.
A screenshot at each step, axe and no sideways scrolling at 1366 and 375 px."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from engine import clock, roles
from engine.cases.lifecycle import transition
from engine.rules import TransitionContext
from engine.subsidy import claims
from engine.workflow import Actor, fire
from tests import factories as f
from tests.browser.test_review import login, logout



def payable_claim(s, catalogue, unit, county, city):
    """A claim of the unit through both approvals and 公示期满, fired as the workflow does it."""
    case = claims.start(s, catalogue, catalogue.item("subsidy_claim"), unit,
                        {"period_from": "2026-02", "period_to": "2026-03"})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "county_approve", county)
    transition(s, catalogue, case, "city_approve", city)
    system = Actor(None, roles.SYSTEM)
    fire(case, catalogue.workflows[case.workflow_key], "end_publicity", system, TransitionContext(s, catalogue, system))
    return case


def test_a_finance_reviewer_exports_and_marks_a_claim_paid(page, live_server, check, session_factory, catalogue,
                                                           storage):
    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    county = f.reviewer(s, "xiaodian", "140105", "小店区审核员")
    city = f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    finance = f.reviewer(s, "caiwu", "140100", "太原市财务审核员")
    f.admin(s)
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    f.approved_unit(s, catalogue, storage, unit, province)
    people = [(f.new_id_number(), name) for name in ("王芳", "李强")]
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(p, "2026-02-01", "2026-07-31", name=n)
                                                     for p, n in people])
    months = ("2026-02", "2026-03")
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(p, m, name=n) for p, n in people for m in months])
    f.reported(s, catalogue, unit, "attendance_report",
               [f.attendance_row(p, m, name=n) for p, n in people for m in months])
    case = payable_claim(s, catalogue, unit, county, city)
    case_id, reference, finance_id = case.id, case.reference, finance.id
    bank = f.unit_application_data(unit.unit.name)["bank_account"]
    s.commit()
    s.close()
    digits = bank.replace(" ", "")

    # An administrator grants 拨付权限 on the reviewer's account page.
    login(page, live_server, "/staff/login", "admin")
    page.goto(live_server + f"/admin/accounts/{finance_id}")
    assert page.locator("[data-testid=finance]").inner_text() == "无"
    page.get_by_role("button", name="授予拨付权限").click()
    assert "拨付权限" in page.locator(".notice-success").inner_text()
    assert page.locator("[data-testid=finance]").inner_text().startswith("有")
    check("admin-granted")
    logout(page)

    login(page, live_server, "/staff/login", "caiwu")
    page.goto(live_server + "/review/payments")
    assert page.locator("h1").inner_text() == "见习补贴拨付"
    row = page.locator(f"tr[data-case='{case_id}']")
    expect(row).to_have_count(1)
    assert "太原晋阳数字科技有限公司" in row.inner_text()
    assert digits[-4:] in row.inner_text() and digits not in row.inner_text().replace(" ", "")
    check("payable-1366")
    page.set_viewport_size({"width": 375, "height": 800})
    check("payable-375")
    page.set_viewport_size({"width": 1366, "height": 900})

    with page.expect_download() as got:
        page.get_by_role("link", name="导出拨付清单").click()
    body = Path(got.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cells = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert any(reference in r and any(str(v).replace(" ", "") == digits for v in r if v) for r in cells)

    # The voucher forgotten: the message beside it, the date kept, nothing paid.
    today = clock.today().isoformat()
    page.get_by_label(f"选择 {reference}").check()
    page.get_by_label("拨付日期").fill(today)
    page.get_by_role("button", name="登记为已拨付").click()
    assert "请填写拨付凭证号" in page.locator("#err-voucher").inner_text()
    assert page.get_by_label("拨付日期").input_value() == today
    check("voucher-missing")
    page.get_by_label(f"选择 {reference}").check()
    page.get_by_label("拨付凭证号").fill("PZ-2026-0001")
    page.get_by_role("button", name="登记为已拨付").click()
    assert reference in page.locator(".notice-success").inner_text()
    expect(page.locator(f"tr[data-case='{case_id}']")).to_have_count(0)
    check("paid")
    logout(page)

    # The unit is told, and its claim shows 已拨付 with the date and voucher, with nothing left to do.
    login(page, live_server, "/login", unit.login_name, label="统一社会信用代码")
    page.goto(live_server + "/me/notices")
    assert f"见习补贴申领已拨付：{reference}" in page.locator("main").inner_text()
    check("unit-notice")
    page.goto(live_server + f"/cases/{case_id}/subsidy")
    assert page.locator("[data-testid=state]").inner_text() == "已拨付"
    paid = page.locator("[data-testid=paid]").inner_text()
    assert today in paid and "PZ-2026-0001" in paid
    expect(page.get_by_role("button", name="重新计算")).to_have_count(0)
    check("unit-claim-paid")
    page.goto(live_server + f"/cases/{case_id}")
    paid = page.locator("[data-testid=paid]").inner_text()
    assert today in paid and "PZ-2026-0001" in paid
    check("unit-case-paid")
