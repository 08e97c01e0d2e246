"""Staff's second factor and 登录设备 in a real browser.

A reviewer enrols TOTP the way a phone does it: the QR code on the page is read off a screenshot (zxing-cpp),
its otpauth:// address gives the secret, and the code it makes signs the reviewer in. Then one unit agent
signed in from two browsers sees both sessions under 登录设备 and signs the other one out."""
from __future__ import annotations

import io
import threading
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.test_review import login


@pytest.fixture
def strict_server(app_settings, catalogue, session_factory):
    """The app with jianxi.staff_totp = required (as production.ini) on a free port of 127.0.0.1."""
    from waitress import create_server

    from webapp import make_app
    app = make_app({**app_settings, "jianxi.staff_totp": "required"}, catalogue)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    server.close()
    app.registry["db_engine"].dispose()


def read_qr(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, f"{len(found)} codes read"
    return found[0].text


def test_a_reviewer_enrols_by_scanning_the_qr_code_and_signs_in_with_a_code(page, strict_server, shot,
                                                                             session_factory):
    s = session_factory()
    f.reviewer(s, login="taiyuan", jurisdiction="140100")
    s.commit()
    s.close()

    login(page, strict_server, "/staff/login", "taiyuan")
    expect(page.locator("h1")).to_have_text("两步验证")
    qr = page.get_by_test_id("totp-qr").locator("svg")
    expect(qr).to_be_visible()
    shot("enrol")
    uri = read_qr(qr.screenshot())
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp") and "taiyuan" in parts.path
    secret = parse_qs(parts.query)["secret"][0]
    assert page.get_by_test_id("totp-secret").inner_text().replace(" ", "") == secret   # the same, typed by hand
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="完成绑定").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    shot("recovery-codes")
    page.get_by_test_id("continue").click()
    expect(page).to_have_url(strict_server + "/review")

    # Signed out, and in again: password, then the code the authenticator shows now (a new step's code, since
    # the enrolment's was used).
    page.get_by_role("button", name="退出").click()
    login(page, strict_server, "/staff/login", "taiyuan")
    expect(page).to_have_url(strict_server + "/staff/login/code")
    totp = pyotp.TOTP(secret)
    page.get_by_label("验证码").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="验证并登录").click()
    expect(page.locator("#err-code")).to_contain_text("验证码不正确")
    shot("wrong-code")
    # The enrolment's code may not be taken twice; the authenticator's next one is (one step of drift).
    import time
    page.get_by_label("验证码").fill(totp.at(int(time.time()) + 30))
    page.get_by_role("button", name="验证并登录").click()
    expect(page).to_have_url(strict_server + "/review")


def test_devices_lists_two_sessions_and_signs_one_out(browser, live_server, session_factory):
    s = session_factory()
    unit = f.unit_account(s, name="太原汾河数据服务有限公司")
    s.commit()
    login_name = unit.login_name
    s.close()
    laptop = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, user_agent=(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.0 Mobile/15E148 Safari/604.1"))
    try:
        a, b = laptop.new_page(), phone.new_page()
        for p in (a, b):
            login(p, live_server, "/login?tab=unit", login_name, label="统一社会信用代码")
            expect(p.get_by_test_id("who")).to_contain_text("太原汾河数据服务有限公司")
        a.get_by_test_id("account-link").click()
        a.get_by_test_id("sessions-link").click()
        rows = a.get_by_test_id("devices").locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(a.get_by_test_id("current-device")).to_have_count(1)
        current = rows.filter(has=a.get_by_test_id("current-device"))
        expect(current).to_contain_text("Chrome")
        other = rows.filter(has_text="Safari 17 · iOS")
        expect(other).to_contain_text("127.0.0.1")
        a.screenshot(path=str(devices_shot("two-sessions")), full_page=True)
        other.get_by_role("button", name="退出该设备").click()
        expect(a.locator(".notice-success")).to_contain_text("已退出该设备")
        expect(rows).to_have_count(1)
        a.screenshot(path=str(devices_shot("one-left")), full_page=True)
        # The phone's next page: signed out.
        b.goto(live_server + "/me/cases")
        expect(b).to_have_url(live_server + "/login?came_from=%2Fme%2Fcases")
        a.goto(live_server + "/me/cases")
        expect(a.locator("h1")).not_to_have_text("用户登录")
    finally:
        laptop.close()
        phone.close()


def devices_shot(name: str):
    """Where a screenshot of the two-browser test goes (the shot fixture belongs to the default page)."""
    from tests.browser.conftest import ARTIFACTS
    folder = ARTIFACTS / "test_devices_lists_two_sessions_and_signs_one_out"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"
