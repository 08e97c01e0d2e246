"""Two factors for staff over HTTP, with jianxi.staff_totp = required (as production.ini): enrolment by QR
code after the password, login with a code, a wrong or replayed code, recovery codes, throttling, an
administrator's reset (which ends the sessions), and the JSON login with `code`."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from engine import clock
from engine.models import AuditEntry, RecoveryCode, SecondFactor
from tests import factories as f
from tests.webapp.conftest import Web
from tests.webapp.pages import form_to


@pytest.fixture
def required(app_settings, catalogue, session_factory):
    """A maker of clients of an app that requires staff's second factor."""
    from webtest import TestApp

    from webapp import make_app
    app = make_app({**app_settings, "jianxi.staff_totp": "required"}, catalogue)
    yield lambda: Web(TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))
    app.registry["db_engine"].dispose()


@pytest.fixture
def now(clock_at):
    """The clock held at the start of a 30-second step, moved on by now.step()."""
    start = clock.utcnow().replace(microsecond=0)
    start -= timedelta(seconds=start.second % 30)
    state = {"at": start}
    clock_at(start)

    class Now:
        @staticmethod
        def step(n: int = 1):
            state["at"] += timedelta(seconds=30 * n)
            clock_at(state["at"])
    return Now


def code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(clock.now().timestamp()) + 30 * offset)


def enrol(web: Web, login: str) -> tuple[str, list[str]]:
    """Password, then the enrolment page: read the secret from the QR code's URI, confirm a code."""
    res = web.login(login, tab="staff")
    assert res.status_int == 303 and "/staff/two-factor" in res.location
    page = res.follow()
    svg = page.html.select_one("[data-testid=totp-qr] svg")
    assert svg is not None and svg.select("path")          # drawn here, inline: no outside image service
    shown = page.html.select_one("[data-testid=totp-secret]").get_text().replace(" ", "")
    form = form_to(page, "/staff/two-factor", has="code")
    form["code"] = code(shown)
    done = form.submit()
    assert done.status_int == 200
    codes = [li.get_text() for li in done.html.select("[data-testid=recovery-codes] li")]
    return shown, codes


def test_a_reviewer_enrols_after_the_password_and_then_signs_in_with_codes(required, world, dbsession, now):
    web = required()
    res = web.login("taiyuan", tab="staff")
    assert res.status_int == 303 and res.location.endswith("/staff/two-factor")
    assert web.app.get("/review").location.startswith("http://localhost/staff/two-factor?came_from=")  # not yet in
    page = res.follow()
    secret = page.html.select_one("[data-testid=totp-secret]").get_text().replace(" ", "")
    stored = dbsession.get(SecondFactor, world["taiyuan"].id)
    assert stored.secret == secret and stored.confirmed_at is None
    assert web.app.get("/staff/two-factor").html.select_one("[data-testid=totp-secret]").get_text().replace(
        " ", "") == secret                                          # a reload shows the same QR code
    # A wrong code: said next to the field, nothing confirmed.
    form = form_to(page, "/staff/two-factor", has="code")
    form["code"] = "000000" if code(secret) != "000000" else "111111"
    wrong = form.submit(status=422)
    assert wrong.html.select_one("#err-code").get_text() == "验证码不正确，请查看验证器中当前的6位数字"
    form = form_to(wrong, "/staff/two-factor", has="code")
    form["code"] = code(secret)
    done = form.submit()
    codes = [li.get_text() for li in done.html.select("[data-testid=recovery-codes] li")]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    assert web.app.get("/review").status_int == 200               # signed in
    dbsession.rollback()   # a new snapshot
    hashes = dbsession.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10 and not any(c.replace("-", "") in h for c in codes for h in hashes)
    # The secret is never shown again.
    again = web.app.get("/staff/two-factor")
    assert secret not in again.text and "剩余恢复码 10 个" in again.text
    web.post("/logout")

    # Next time: password, then the code page.
    now.step()
    res = web.login("taiyuan", tab="staff")
    assert res.status_int == 303 and "/staff/login/code" in res.location
    page = res.follow()
    form = form_to(page, "/staff/login/code", has="code")
    form["code"] = "12345"
    assert form.submit(status=422).html.select_one("#err-code").get_text() == "验证码为6位数字"
    form["code"] = code(secret)
    res = form.submit()
    assert res.status_int == 303 and res.location.endswith("/review")
    assert web.app.get("/review").status_int == 200

    # The same code again (another browser, same 30 seconds): refused, it was used.
    other = required()
    page = other.login("taiyuan", tab="staff").follow()
    form = form_to(page, "/staff/login/code", has="code")
    form["code"] = code(secret)
    refused = form.submit(status=422)
    assert refused.html.select_one("#err-code").get_text() == "该验证码已使用过，请等待验证器显示下一个验证码"
    # The previous step's code is older still: refused too; the next one (drift of one step) is taken.
    form = form_to(refused, "/staff/login/code", has="code")
    form["code"] = code(secret, -1)
    form.submit(status=422)
    form["code"] = code(secret, +1)
    assert form.submit().location.endswith("/review")


def test_came_from_survives_the_code_page(required, world, dbsession, now):
    web = required()
    secret, _ = enrol(web, "sheng")
    web.post("/logout")
    now.step()
    page = web.app.get("/review/bulk").follow()                  # anonymous: the staff login, came_from kept
    form = page.forms[0]
    form["login"], form["password"] = "sheng", f.PASSWORD
    res = form.submit()
    assert "/staff/login/code?came_from=%2Freview%2Fbulk" in res.location
    form = form_to(res.follow(), "/staff/login/code", has="code")
    form["code"] = code(secret)
    assert form.submit().location.endswith("/review/bulk")


def test_a_recovery_code_signs_in_once(required, world, dbsession, now):
    web = required()
    _, codes = enrol(web, "taiyuan")
    web.post("/logout")
    for attempt, expected in ((codes[3].upper(), 303), (codes[3], 422)):
        page = web.login("taiyuan", tab="staff").follow()
        form = form_to(page, "/staff/login/code", has="code")
        form["code"] = attempt
        res = form.submit(status=expected)
        if expected == 303:
            assert "还剩9个" in res.follow().text
            web.post("/logout")
        else:
            assert res.html.select_one("#err-code").get_text() == "恢复码不正确或已使用过"
    entry = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "second_factor_recovery")).one()
    assert entry.detail == {"account": world["taiyuan"].id, "left": 9}


def test_wrong_codes_are_throttled_per_account(required, world, dbsession, now):
    web = required()
    secret, _ = enrol(web, "taiyuan")
    web.post("/logout")
    now.step()
    page = web.login("taiyuan", tab="staff").follow()
    wrong = "999999" if code(secret) != "999999" else "888888"
    for _ in range(5):
        form = form_to(page, "/staff/login/code", has="code")
        form["code"] = wrong
        page = form.submit(status=422)
    form = form_to(page, "/staff/login/code", has="code")
    form["code"] = code(secret)                     # even the right code waits out the window
    res = form.submit(status=429)
    assert "验证码错误次数过多" in res.text
    now.step(31)                                    # 15.5 minutes later
    page = web.login("taiyuan", tab="staff").follow()
    form = form_to(page, "/staff/login/code", has="code")
    form["code"] = code(secret)
    assert form.submit().status_int == 303


def test_an_administrator_resets_a_reviewers_second_factor(required, world, dbsession, now):
    reviewer = required()
    enrol(reviewer, "datong")
    assert reviewer.app.get("/review").status_int == 200
    admin = required()
    enrol(admin, "admin")
    url = f"/admin/accounts/{world['datong'].id}"
    page = admin.app.get(url)
    assert "已于" in page.html.select_one("[data-testid=second-factor]").get_text()
    assert page.html.select_one("[data-testid=session-count]").get_text() == "1 个"
    res = admin.post(url, {"action": "reset_second_factor"})
    assert "已重置“datong”的两步验证" in res.follow().text
    # Their session ended at once, and their next sign-in enrols again.
    assert "/staff/login" in reviewer.app.get("/review").location
    assert dbsession.get(SecondFactor, world["datong"].id) is None
    assert reviewer.login("datong", tab="staff").location.endswith("/staff/two-factor")
    entry = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "second_factor_reset")).one()
    assert entry.actor_id == world["admin"].id and entry.detail["had"] is True and entry.detail["sessions_ended"] == 1
    assert "重置两步验证" in admin.app.get("/admin/audit").text
    # Not one's own.
    page = admin.post(f"/admin/accounts/{world['admin'].id}", {"action": "reset_second_factor"}, status=422)
    assert "不能重置自己的两步验证" in page.text


def test_units_and_individuals_are_not_asked_for_a_code(required, world):
    web = required()
    assert web.login(world["unit"].login_name).location.endswith("/")
    assert web.app.get("/me/cases").status_int == 200
    web.app.get("/staff/two-factor", status=404)


def test_the_json_login_takes_the_code(required, world, dbsession, now):
    web = required()
    body = {"kind": "staff", "login": "taiyuan", "password": f.PASSWORD}
    res = web.app.post_json("/api/session", body, status=403)
    assert res.json["second_factor"] == "enrol"
    secret, codes = enrol(required(), "taiyuan")
    now.step()
    assert web.app.post_json("/api/session", body, status=401).json["second_factor"] == "code"
    assert "jianxi" not in web.app.cookies
    assert web.app.post_json("/api/session", {**body, "code": "000000" if code(secret) != "000000" else "111111"},
                             status=401).json["second_factor"] == "code"
    assert web.app.post_json("/api/session", {**body, "code": 123456}, status=422)
    res = web.app.post_json("/api/session", {**body, "code": code(secret)})
    assert res.json["account"]["role"] == "reviewer"
    assert web.app.get("/api/review/cases").status_int == 200
    fresh = required()
    assert fresh.app.post_json("/api/session", {**body, "code": codes[0]}).json["csrf_token"]


def test_optional_mode_signs_staff_in_with_a_password_until_they_enrol(web, world, dbsession, now):
    """jianxi.staff_totp = optional (development.ini, the suite's default): enrolment from 账号信息."""
    assert web.login("taiyuan", tab="staff").location.endswith("/review")
    page = web.app.get("/me/account")
    assert "未绑定" in page.html.select_one("main").get_text()
    page = page.click(href="/staff/two-factor")
    secret = page.html.select_one("[data-testid=totp-secret]").get_text().replace(" ", "")
    form = form_to(page, "/staff/two-factor", has="code")
    form["code"] = code(secret)
    assert len(form.submit().html.select("[data-testid=recovery-codes] li")) == 10
    web.post("/logout")
    now.step()
    res = web.login("taiyuan", tab="staff")
    assert "/staff/login/code" in res.location                    # enrolled: asked from now on
