"""见习补贴申领 in a real browser, from the period to 已拨付: the unit chooses a period, reads each line's basis (a
missing report listed with its link), ticks the confirmation and submits; the county reviewer reads the lines and
the reports behind them, and approves; the city approves; anyone reads the claim in 公示 with masked names; when
the 公示 has ended the workers' job makes it 待拨付; finance staff mark it 已拨付 and the unit reads it. A
screenshot at each step."""
from datetime import timedelta

from playwright.sync_api import expect

from engine import clock
from engine.models import Case
from engine.subsidy import claims, publicity
from tests import factories as f
from tests.browser.test_review import login, logout


def test_a_unit_claims_and_the_county_reads_the_lines(page, live_server, shot, session_factory, catalogue, storage):
    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "xiaodian", "140105", "小店区审核员")
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    f.reviewer(s, "caiwu", "140100", "太原市财务审核员").finance = True
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
    logout(page)

    login(page, live_server, "/staff/login", "taiyuan")
    page.goto(live_server + f"/review/cases/{case_id}")
    assert page.locator("[data-testid=case-state]").inner_text() == "待市级审核"
    page.locator(".review-actions").get_by_role("link", name="市级审核通过").click()
    page.get_by_label("确认对该申请执行“市级审核通过”").check()
    page.get_by_role("button", name="确认市级审核通过").click()
    assert f"已市级审核通过：{reference}" in page.locator(".notice-success").inner_text()
    shot("city-approved")
    logout(page)

    # Anyone, signed in or not, reads the claim in 公示: names and ID numbers masked.
    page.goto(live_server + "/gongshi")
    page.locator(f"tr[data-reference='{reference}']").get_by_role("link").click()
    lines = page.locator("[data-testid=publicity-lines]").inner_text()
    assert "王*" in lines and "李*" in lines and "王芳" not in lines
    assert not any(p in lines for p, _ in people)
    shot("publicity")

    # The day after the 公示's last working day the workers' job makes it 待拨付.
    s = session_factory()
    case = s.get(Case, int(case_id))
    last_day = claims.claim_of(s, case).publicity_to
    assert [c.reference for c in publicity.end_due(s, catalogue, last_day + timedelta(days=1))] == [reference]
    s.commit()
    s.close()

    login(page, live_server, "/staff/login", "caiwu")
    page.goto(live_server + "/review/payments")
    page.get_by_label(f"选择 {reference}").check()
    page.get_by_label("拨付日期").fill(clock.today().isoformat())
    page.get_by_label("拨付凭证号").fill("PZ-2026-0088")
    shot("payment")
    page.get_by_role("button", name="登记为已拨付").click()
    assert reference in page.locator(".notice-success").inner_text()
    logout(page)

    login(page, live_server, "/login", unit.login_name, label="统一社会信用代码")
    page.goto(live_server + f"/cases/{case_id}/subsidy")
    assert page.locator("[data-testid=state]").inner_text() == "已拨付"
    assert "PZ-2026-0088" in page.locator("[data-testid=paid]").inner_text()
    # Nothing to recompute on a paid claim: the month still missing is for a later claim.
    assert "以后的申领" in page.locator("[data-testid=missing-reports]").inner_text()
    expect(page.get_by_role("button", name="重新计算")).to_have_count(0)
    shot("paid")
