"""消息中心 in a real browser: a reviewer returns a unit's application; the unit's agent sees the unread count in
the header, reads the notice with the reviewer's reason, opens the case from it. A screenshot at each step."""
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.test_review import login, logout


def test_a_units_message_centre_after_a_reviewer_returns_its_application(page, live_server, shot, check, session_factory,
                                                                         catalogue, storage):
    from engine.cases.lifecycle import transition

    s = session_factory()
    reviewer = f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    case = f.submitted_unit_application(s, catalogue, storage, unit, county="140106", address="太原市迎泽区迎泽大街88号")
    s.commit()
    reference, case_id, login_name = case.reference, case.id, unit.login_name
    s.close()

    login(page, live_server, "/staff/login", "taiyuan")
    page.goto(f"{live_server}/review/cases/{case_id}")
    page.locator(".review-actions").get_by_role("link", name="退回修改").click()
    page.get_by_label("申请表未加盖公章").check()
    page.get_by_label("审核意见").fill("请上传加盖公章的申请表")
    page.get_by_label("确认对该申请执行“退回修改”").check()
    page.get_by_role("button", name="确认退回修改").click()
    assert f"已退回修改：{reference}" in page.locator(".notice-success").inner_text()
    logout(page)

    login(page, live_server, "/login?tab=unit", login_name, label="统一社会信用代码")
    unread = page.locator("[data-testid=header-unread]")
    expect(unread).to_have_text("2")   # the receipt of its submission, and the return
    shot("header-unread")
    page.get_by_test_id("inbox-link").click()
    assert page.locator("h1").inner_text() == "消息中心"
    newest = page.locator(".inbox-item").first
    expect(newest).to_have_class("inbox-item unread")
    assert newest.locator(".inbox-title").inner_text() == f"就业见习单位申请退回修改：{reference}"
    body = newest.locator(".inbox-body").inner_text()
    assert "已由审核人员退回修改，当前状态：退回修改" in body
    assert "审核人员意见：申请表未加盖公章：请上传加盖公章的申请表" in body
    check("message-centre")
    newest.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.locator("[data-testid=header-unread]")).to_have_text("1")
    shot("case-opened-from-notice")
    page.get_by_test_id("inbox-link").click()
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator("[data-testid=header-unread]")).to_have_text("0")
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    shot("all-read")
