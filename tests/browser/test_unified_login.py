"""政务服务网统一身份认证 in a real browser: 单位登录 → the provider's own login and consent pages → back in Jianxi
with the unit in the header; the same for an individual; and a unit's administrator adding an agent who
submits an application, then removing them while their session is open in another browser context."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests import oidc_provider as op


@pytest.fixture(scope="module")
def unified_server(app_settings, catalogue, oidc_provider, oidc_app_port):
    """The app with the unified login on, served on the port registered at the provider."""
    from waitress import create_server

    from webapp import make_app
    url = f"http://127.0.0.1:{oidc_app_port}"
    app = make_app({**app_settings, **oidc_provider.settings(url)}, catalogue)
    server = create_server(app, host="127.0.0.1", port=oidc_app_port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield url
    server.close()
    app.registry["db_engine"].dispose()


def at_provider(page, shot, login: str, name: str):
    """The provider's login page, then its consent page."""
    expect(page.locator("h1")).to_have_text("统一身份认证登录")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(op.PASSWORD)
    shot(f"{name}-provider-login")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("授权确认")
    shot(f"{name}-provider-consent")
    page.get_by_role("button", name="同意授权").click()


def unified_login(page, server, shot, login: str, tab: str = "单位登录", name: str = "unit"):
    page.goto(server + "/login")
    page.get_by_role("link", name=tab, exact=True).click()
    shot(f"{name}-login-page")
    page.get_by_role("link", name="政务服务网统一身份认证登录").click()
    at_provider(page, shot, login, name)
    expect(page.locator("[data-testid=who]")).to_be_visible()


def test_a_unit_signs_in_through_the_provider(page, unified_server, oidc, shot, session_factory):
    unified_login(page, unified_server, shot, "lihong")
    who = page.locator("[data-testid=who]").inner_text()
    assert op.UNIT[0] in who and op.UNIT[1] in who and "李红（单位管理员）" in who
    shot("unit-signed-in")
    # 退出 ends the provider's session too: its page asks, then sends the browser back here.
    page.get_by_role("button", name="退出").click()
    expect(page.locator("h1")).to_have_text("确认退出统一身份认证？")
    page.get_by_role("button", name="确认退出").click()
    expect(page.get_by_role("link", name="单位/个人登录")).to_be_visible()
    assert page.url.startswith(unified_server)
    page.goto(unified_server + "/login")
    page.get_by_role("link", name="政务服务网统一身份认证登录").click()
    expect(page.locator("h1")).to_have_text("统一身份认证登录")   # signed out there too: asked to sign in again


def test_an_individual_signs_in_through_the_provider(page, unified_server, oidc, shot, session_factory):
    unified_login(page, unified_server, shot, "zhangxm", tab="个人登录", name="individual")
    who = page.locator("[data-testid=who]").inner_text()
    assert "张晓明" in who and "个人用户" in who
    shot("individual-signed-in")


def test_a_claim_that_fails_its_check_gets_a_chinese_page_with_a_way_back(page, unified_server, oidc, shot,
                                                                         session_factory):
    page.goto(unified_server + "/login")
    page.get_by_role("link", name="政务服务网统一身份认证登录").click()
    at_provider(page, shot, "badcode", "bad")
    box = page.locator("[data-testid=unified-error]")
    expect(box).to_contain_text("统一社会信用代码校验位错误")
    shot("bad-claim")
    box.get_by_role("link", name="使用账号密码登录").click()
    expect(page.get_by_label("统一社会信用代码")).to_be_visible()


def test_an_agent_is_added_submits_an_application_and_is_removed_at_once(page, browser, unified_server, oidc, shot,
                                                                          tmp_path, session_factory):
    unified_login(page, unified_server, shot, "lihong", name="admin")
    page.locator("aside").get_by_role("link", name="经办人管理").click()
    page.get_by_label("姓名").fill(op.WANGFANG[0])
    page.get_by_label("身份证号").fill(op.WANGFANG[1])
    page.get_by_role("button", name="邀请").click()
    expect(page.locator("[data-testid=invitations]")).to_contain_text("王芳")
    folder = shot("admin-invited").parent

    # The agent, in a browser of their own.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    agent = context.new_page()
    agent.set_default_timeout(8000)
    def agent_shot(name):
        agent.screenshot(path=str(folder / f"agent-{name}.png"), full_page=True)
    unified_login(agent, unified_server, agent_shot, "wangfang", name="agent")
    expect(agent.locator("[data-testid=who-person]")).to_have_text("王芳（经办人）")
    agent_shot("signed-in")

    agent.locator("aside").get_by_role("link", name="就业见习单位申请").click()
    data = f.unit_application_data(op.UNIT[0], contact_name="王芳")
    agent.get_by_label("单位类型").select_option(data["unit_type"])
    agent.get_by_label("所属行业").select_option(data["industry"])
    agent.get_by_label("所在市").select_option(data["city"])
    agent.get_by_label("所在县（市、区）").select_option(data["county"])
    for key in ("address", "founded_on", "legal_rep", "contact_name", "contact_mobile", "staff_count",
                "insured_count", "planned_posts", "account_name", "bank_name", "bank_account",
                "bank_account_confirm"):
        agent.locator(f"#f-{key}").fill(str(data[key]))
    for slot in ("license", "application_form", "management_plan"):
        upload = tmp_path / f"{slot}.pdf"
        upload.write_bytes(f.PDF)
        agent.locator(f"#file-{slot}").set_input_files(str(upload))
        agent.locator(f"#slot-{slot}").get_by_role("button", name="上传").click()
        expect(agent.locator(f"[data-testid=slot-state-{slot}]")).to_contain_text("已上传")
    agent.get_by_role("button", name="核对并提交").click()
    expect(agent.locator("main h1")).to_have_text("核对申请内容")
    agent.get_by_test_id("check-submit").click()
    expect(agent.locator("h1")).to_have_text("申报成功")
    agent_shot("submitted")

    # The administrator removes the agent; the agent's open session stops at its next request.
    page.reload()
    row = page.locator("[data-testid=agents] tbody tr", has_text="王芳")
    row.get_by_role("button", name="移除").click()
    expect(page.locator(".notice-success")).to_contain_text("已移除经办人王芳")
    expect(page.locator("[data-testid=agents]")).not_to_contain_text("王芳")
    shot("admin-removed")
    agent.goto(unified_server + "/me/cases")
    expect(agent.get_by_role("link", name="政务服务网统一身份认证登录")).to_be_visible()
    assert "/login" in agent.url
    agent_shot("after-removal")
    context.close()
