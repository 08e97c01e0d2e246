"""好差评 in a real browser: the unit rates its approved application 不满意 with a reason, and a reviewer of the
jurisdiction finds the follow-up under 差评整改 and closes it. Screenshots at each step."""
from datetime import datetime

from playwright.sync_api import expect

from engine import clock
from tests import factories as f
from tests.browser.test_review import login, logout


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


def test_a_unit_rates_its_case_badly_and_a_reviewer_closes_the_follow_up(page, live_server, shot, session_factory,
                                                                          catalogue, storage, clock_at):
    clock_at(bj(2026, 9, 30))
    s = session_factory()
    taiyuan = f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    f.admin(s)
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    case = f.approved_unit(s, catalogue, storage, unit, taiyuan)
    s.commit()
    code, case_id, reference = unit.login_name, case.id, case.reference
    s.close()

    login(page, live_server, "/login", code, label="统一社会信用代码")
    page.goto(live_server + "/me/cases")
    row = page.locator(f"tr[data-case='{case_id}']")
    row.get_by_role("link", name="评价").click()
    expect(page.locator("h1")).to_have_text("办件评价")
    for dimension, level in (("办事效率", "不满意"), ("办事指南准确度", "满意"), ("办事便捷度", "基本满意"),
                             ("平台操作性", "满意"), ("整体评价", "不满意")):
        page.get_by_role("group", name=dimension).get_by_label(level, exact=True).check()
    shot("rating-form")
    page.get_by_role("button", name="提交评价").click()
    # 差评须说明原因: the message by the comment, the levels still chosen.
    expect(page.locator("#err-comment")).to_have_text("评价为“不满意”或“非常不满意”时，请说明原因")
    expect(page.get_by_role("group", name="办事效率").get_by_label("不满意", exact=True)).to_be_checked()
    shot("rating-needs-a-reason")
    page.get_by_label("评价说明").fill("提交后等了两周才有人审核，期间电话无人接听。")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.locator("[data-testid=rating] [data-dimension=efficiency]")).to_have_text("不满意")
    expect(page.locator("[data-testid=rating-followup]")).to_contain_text("整改中")
    expect(page.locator("[data-testid=rate-link]")).to_have_count(0)
    shot("case-rated")
    logout(page)

    login(page, live_server, "/staff/login", "taiyuan")
    page.get_by_test_id("followups-link").click()
    expect(page.locator("h1")).to_have_text("差评整改")
    followup = page.locator("[data-testid=followups] tbody tr")
    expect(followup).to_have_count(1)
    expect(followup).to_contain_text(reference)
    expect(followup.locator("[data-testid=deadline]")).to_contain_text("剩余15个工作日")
    expect(followup.locator("[data-testid=deadline]")).to_contain_text("2026-10-27")
    shot("followups")
    followup.get_by_role("link", name="整改").click()
    expect(page.locator("[data-testid=rating-comment]")).to_have_text("提交后等了两周才有人审核，期间电话无人接听。")
    page.get_by_label("整改情况/回访结果").fill("已核实：审核岗位人员休假未安排替岗，现已建立AB岗；10月9日电话回访，单位表示理解。")
    shot("followup-close")
    page.get_by_role("button", name="办结").click()
    expect(page.locator(".notice-success")).to_contain_text("已办结该差评整改")
    expect(page.locator("[data-testid=empty]")).to_be_visible()
    page.locator("nav[aria-label=整改状态]").get_by_role("link", name="已办结").click()
    expect(page.locator("[data-testid=followups] tbody tr [data-testid=deadline]")).to_have_text("按期办结")
    shot("followups-closed")

    # The administrators' statistics: one rating, a 差评, its follow-up closed on time.
    logout(page)
    login(page, live_server, "/staff/login", "admin")
    page.goto(live_server + "/admin")
    page.locator("nav.admin-tabs").get_by_role("link", name="好差评").click()
    expect(page.locator("[data-testid=count-all]")).to_have_text("1")
    expect(page.locator("[data-testid=rate-all]")).to_have_text("0.0%")
    expect(page.locator("[data-testid=by-city] tr[data-key='140100'] [data-score='2']")).to_have_text("1")
    expect(page.locator("[data-testid=bad-ratings] [data-testid=followup-status]")).to_contain_text("按期办结")
    shot("admin-statistics")
