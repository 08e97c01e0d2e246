"""见习补贴申领 in a real browser: the unit chooses a period, reads each line's basis (a missing report listed
with its link), ticks the confirmation and submits; the county reviewer reads the lines and the reports behind
them, and approves. A screenshot at each step."""
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.test_review import login, logout


def test_a_unit_claims_and_the_county_reads_the_lines(page, live_server, shot, session_factory, catalogue, storage):
    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "xiaodian", "140105", "小店区审核员")
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    f.approved_unit(s, catalogue, storage, unit, province)
    people = [(f.new_id_number(), name) for name in ("王芳", "李强", "赵敏")]
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(p, "2026-02-16", "2026-08-15", name=n)
                                                     for p, n in people])
    months = ("2026-02", "2026-03", "2026-04")
    f.reported(s, catalogue, unit, "onduty_report",
               [f.onduty_row(p, m, name=n, days=13 if m == "2026-02" else None, paid=1100 if m == "2026-02" else 2300)
                for p, n in people for m in months if not (n == "赵敏" and m == "2026-04")])
    f.reported(s, catalogue, unit, "attendance_report",
               [f.attendance_row(p, m, name=n) for p, n in people for m in months])
    s.commit()
    s.close()

    login(page, live_server, "/login", unit.login_name, label="统一社会信用代码")
    page.goto(live_server + "/items/subsidy_claim")
    assert page.locator("h1").inner_text() == "见习补贴申领"
    page.get_by_label("申领起始月份").fill("2026-02")
    page.get_by_label("申领截止月份").fill("2026-04")
    shot("choose-period")
    page.get_by_role("button", name="计算补贴明细").click()
    page.wait_for_url("**/subsidy")
    assert page.locator("[data-testid=paid-count]").inner_text() == "8"
    missing = page.locator("tr[data-flag=missing]")
    expect(missing).to_have_count(1)
    assert "缺少见习人员每月在岗情况上报" in missing.inner_text()
    assert page.locator("[data-testid=missing-reports] a").get_attribute("href") == "/items/onduty_report"
    first = page.locator("tr[data-month='2026-02']").first.locator(".basis").inner_text()
    assert first.startswith("2026-02：在岗13天，实发1100元，按最低工资2150元×13/28×80%计798.57元")
    shot("lines")
    page.get_by_role("button", name="确认并提交").click()
    assert "请勾选“已核对补贴明细”后再提交" in page.locator("#err-confirm").inner_text()
    page.get_by_label("已核对补贴明细", exact=False).check()
    shot("confirm")
    page.get_by_role("button", name="确认并提交").click()
    assert page.locator("[data-testid=state]").inner_text() == "待县级审核"
    reference = page.locator("[data-testid=reference]").inner_text()
    case_id = page.url.rsplit("/", 2)[-2]
    shot("submitted")
    logout(page)

    login(page, live_server, "/staff/login", "xiaodian")
    assert reference in page.locator("[data-testid=queue]").inner_text()
    shot("queue")
    page.goto(live_server + f"/review/cases/{case_id}")
    assert page.locator("[data-testid=case-state]").inner_text() == "待县级审核"
    panel = page.locator("[data-testid=subsidy]")
    assert "2026-03：在岗31天，实发2300元，按最低工资2150元×80%计1720元" in panel.inner_text()
    assert panel.locator("[data-testid=claim-total]").inner_text() == page.locator(
        "[data-testid=subsidy] [data-testid=claim-total]").inner_text()
    shot("reviewer-lines")
    panel.locator("a[data-source=attendance]").first.click()
    assert "见习考勤批量上报" in page.locator("h1").inner_text()
    shot("reviewer-report-behind")
    page.go_back()
    page.locator(".review-actions").get_by_role("link", name="县级审核通过").click()
    page.get_by_label("确认对该申请执行“县级审核通过”").check()
    page.get_by_role("button", name="确认县级审核通过").click()
    assert f"已县级审核通过：{reference}" in page.locator(".notice-success").inner_text()
    shot("county-approved")
