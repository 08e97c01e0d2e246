"""账号信息 in a real browser: a unit's agent opens it from the header, types a wrong address (the message sits
by the field, what was typed stays), corrects it and saves."""
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.test_review import login


def test_a_unit_agent_sets_the_email_its_notices_go_to(page, live_server, shot, check, session_factory):
    s = session_factory()
    unit = f.unit_account(s, name="太原汾河数据服务有限公司")
    s.commit()
    login_name = unit.login_name
    s.close()

    login(page, live_server, "/login?tab=unit", login_name, label="统一社会信用代码")
    page.get_by_test_id("account-link").click()
    assert page.locator("h1").inner_text() == "账号信息"
    expect(page.get_by_test_id("account-summary")).to_contain_text("太原汾河数据服务有限公司")
    page.get_by_label("电子邮箱").fill("li.hong@fenhe")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#err-email")).to_contain_text("电子邮箱格式不正确")
    expect(page.get_by_label("电子邮箱")).to_have_value("li.hong@fenhe")
    check("wrong-email")
    page.get_by_label("电子邮箱").fill("li.hong@fenhe.example")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice-success")).to_contain_text("联系方式已保存")
    expect(page.get_by_label("电子邮箱")).to_have_value("li.hong@fenhe.example")
    shot("saved")
