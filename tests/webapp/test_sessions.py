"""Sessions that can be ended, over HTTP on two app processes (two WSGI apps built from the same settings and
database, as two waitress processes are): logout, a password reset and a disabled account end a session on
both; 登录设备 and its JSON twin; the login endpoint's refusal of cross-site requests; start-up checks."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, inspect, select

from engine.models import LoginSession
from tests import factories as f
from tests.webapp.pages import form_to

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def two_apps(apps, catalogue):
    """Makers of clients of process A and of process B."""
    return apps(catalogue), apps(catalogue)


def copied(maker, web):
    """A client of another process holding a copy of web's session cookie (a stolen or copied cookie)."""
    other = maker()
    other.app.set_cookie("jianxi", web.app.cookies["jianxi"])
    return other


def signed_in(web) -> bool:
    res = web.app.get("/me/cases", status="*")
    assert res.status_int in (200, 303), res.status
    return res.status_int == 200


def test_logout_on_one_process_ends_the_session_on_the_other(two_apps, dbsession):
    a, b = two_apps
    unit = f.unit_account(dbsession)
    dbsession.commit()
    web = a()
    web.login(unit.login_name)
    thief = copied(b, web)
    token = web.app.cookies["jianxi"]
    assert signed_in(web) and signed_in(thief)       # any process serves any request of a live session
    page = web.post("/logout")
    assert page.status_int == 303
    assert not signed_in(thief)                      # the copy, on the other process, is dead too
    assert "jianxi" not in thief.app.cookies         # (and its browser is told to drop it)
    again = a()
    again.app.set_cookie("jianxi", token)
    assert not signed_in(again)                      # as on the process that served the logout
    assert dbsession.scalar(select(func.count()).select_from(LoginSession)) == 0
    # The JSON logout likewise.
    web = a()
    token = web.app.post_json("/api/session", {"kind": "unit", "login": unit.login_name,
                                               "password": f.PASSWORD}).json["csrf_token"]
    thief = copied(b, web)
    assert thief.app.get("/api/account").json["id"] == unit.id
    web.app.delete("/api/session", headers={"X-CSRF-Token": token}, status=204)
    assert thief.app.get("/api/account", status=401).json["error"] == "请先登录"


def test_the_cookie_holds_an_opaque_token_kept_only_as_its_digest(make_web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    web = make_web()
    web.login(unit.login_name)
    token = web.app.cookies["jianxi"]
    # 32 random bytes, URL-safe: no signed payload (Pyramid's signed cookies carry base64 JSON and a signature).
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    row = dbsession.scalars(select(LoginSession)).one()
    values = [getattr(row, c.key) for c in inspect(LoginSession).columns]
    assert token not in [str(v) for v in values]
    import hashlib
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # A made-up or altered token signs nobody in.
    forged = make_web()
    forged.app.set_cookie("jianxi", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert not signed_in(forged)


def test_a_password_reset_ends_every_session_of_the_account_on_both_processes(two_apps, world, dbsession):
    a, b = two_apps
    reviewer = [a(), b()]
    for web in reviewer:
        web.login("datong", tab="staff")
    stolen = copied(a, reviewer[1])
    assert all(web.app.get("/review").status_int == 200 for web in (*reviewer, stolen))
    admin = b()
    admin.login("admin", tab="staff")
    url = f"/admin/accounts/{world['datong'].id}"
    form = form_to(admin.app.get(url), url, has="password")
    form["password"] = form["password_confirm"] = "DtReset2027"
    assert "其登录设备均已退出" in form.submit("action", value="reset_password").follow().text
    for web in (*reviewer, stolen):
        res = web.app.get("/review")
        assert res.status_int == 303 and "/staff/login" in res.location
    assert admin.app.get("/admin").status_int == 200          # the administrator's own session is untouched
    assert reviewer[0].login("datong", "DtReset2027", tab="staff").location.endswith("/review")


def test_a_disabled_account_is_signed_out_everywhere_at_once(two_apps, world, dbsession):
    a, b = two_apps
    unit_web = a()
    unit_web.login(world["unit"].login_name)
    elsewhere = copied(b, unit_web)
    assert signed_in(elsewhere)
    admin = b()
    admin.login("admin", tab="staff")
    admin.post(f"/admin/accounts/{world['unit'].id}", {"action": "disable"})
    assert not signed_in(unit_web) and not signed_in(elsewhere)
    assert dbsession.scalar(select(func.count()).select_from(LoginSession)
                            .where(LoginSession.account_id == world["unit"].id)) == 0
    # Enabled again, the old cookies stay dead: a new sign-in is needed.
    admin.post(f"/admin/accounts/{world['unit'].id}", {"action": "enable"})
    assert not signed_in(elsewhere)


def test_end_sessions_is_the_engine_call_other_features_use(two_apps, world, dbsession):
    """A removed agent (another feature) calls end_sessions; the caller's own session may be kept."""
    from engine.accounts.sessions import end_sessions
    a, b = two_apps
    first, second = a(), b()
    first.login(world["unit"].login_name)
    second.login(world["unit"].login_name)
    keep = dbsession.scalars(select(LoginSession.id).order_by(LoginSession.id)).first()
    assert end_sessions(dbsession, world["unit"].id, except_id=keep) == 1
    dbsession.commit()
    assert signed_in(first) and not signed_in(second)
    assert end_sessions(dbsession, world["unit"].id) == 1
    dbsession.commit()
    assert not signed_in(first)


def devices_of(page) -> list[dict]:
    rows = page.html.select("[data-testid=devices] tbody tr")
    return [{"id": int(r["data-session"]), "current": r.has_attr("data-current"),
             "cells": [td.get_text(" ", strip=True) for td in r.select("td")]} for r in rows]


def test_devices_lists_each_sign_in_and_ends_one_or_all_others(two_apps, world, dbsession):
    a, b = two_apps
    unit = world["unit"]
    laptop = a()
    laptop.app.extra_environ.update(HTTP_USER_AGENT=CHROME, REMOTE_ADDR="203.0.113.7")
    phone = b()
    phone.app.extra_environ.update(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="198.51.100.23")
    tablet = a()
    for web in (laptop, phone, tablet):
        web.login(unit.login_name)
    account = laptop.app.get("/me/account")
    page = account.click(href="/me/sessions")
    shown = devices_of(page)
    assert len(shown) == 3
    mine = next(d for d in shown if d["current"])
    assert mine["cells"][0] == "Chrome 120 · Windows 当前设备" and mine["cells"][1] == "203.0.113.7"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", mine["cells"][2])   # Beijing time, the dt filter
    other = next(d for d in shown if "Safari 17 · iOS" in d["cells"][0])
    assert other["cells"][1] == "198.51.100.23" and not other["current"]
    assert "退出其他所有设备" in page.text

    # 退出该设备: the phone, from the laptop.
    form = form_to(page, f"/me/sessions/{other['id']}/end")
    assert "已退出该设备" in form.submit().follow().text
    assert not signed_in(phone) and signed_in(laptop) and signed_in(tablet)
    # Another account's session is none of this person's business: as if it did not exist.
    stranger = b()
    stranger.login(world["other"].login_name)
    stranger.post(f"/me/sessions/{mine['id']}/end", status=404)
    assert signed_in(laptop)

    # 退出其他所有设备 keeps only this one.
    page = laptop.app.get("/me/sessions")
    assert len(devices_of(page)) == 2
    page = form_to(page, "/me/sessions/end-others").submit().follow()
    assert "已退出其他1个设备" in page.text
    assert [d["current"] for d in devices_of(page)] == [True]
    assert not signed_in(tablet) and signed_in(laptop)

    # 退出该设备 on the current one is a logout.
    res = form_to(page, f"/me/sessions/{mine['id']}/end").submit()
    assert res.status_int == 303 and res.location.endswith("/")
    assert not signed_in(laptop)


def test_the_json_twin_lists_and_ends_sessions(two_apps, world, dbsession):
    a, b = two_apps
    person = world["person"]
    clients = [a(), b()]
    tokens = [web.app.post_json("/api/session", {"kind": "individual", "login": person.login_name,
                                                 "password": f.PASSWORD}).json["csrf_token"] for web in clients]
    listed = clients[0].app.get("/api/sessions").json["sessions"]
    assert len(listed) == 2 and sorted(s["current"] for s in listed) == [False, True]
    assert all(s["created_at"].endswith("+08:00") and s["address"] == "127.0.0.1" for s in listed)
    other = next(s for s in listed if not s["current"])
    # No token, no change (the CSRF token is the session's own).
    clients[0].app.delete(f"/api/sessions/{other['id']}", status=400)
    clients[0].app.delete(f"/api/sessions/{other['id']}", headers={"X-CSRF-Token": tokens[1]}, status=400)
    clients[0].app.delete(f"/api/sessions/{other['id']}", headers={"X-CSRF-Token": tokens[0]}, status=204)
    clients[1].app.get("/api/sessions", status=401)
    # Someone else's session id: 404, and nothing ends.
    unit = b()
    unit_token = unit.app.post_json("/api/session", {"kind": "unit", "login": world["unit"].login_name,
                                                     "password": f.PASSWORD}).json["csrf_token"]
    mine = clients[0].app.get("/api/sessions").json["sessions"][0]["id"]
    unit.app.delete(f"/api/sessions/{mine}", headers={"X-CSRF-Token": unit_token}, status=404)
    assert unit.app.delete_json("/api/sessions", {}, headers={"X-CSRF-Token": unit_token}).json == {"ended": 0}
    assert len(clients[0].app.get("/api/sessions").json["sessions"]) == 1


def test_the_login_endpoint_refuses_what_a_cross_site_page_could_send(make_web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    body = {"kind": "unit", "login": unit.login_name, "password": f.PASSWORD}
    web = make_web()
    # A form post (text/plain or urlencoded, the only bodies a cross-site form sends without a preflight).
    res = web.app.post("/api/session", '{"kind": "unit"}', content_type="text/plain", status=415)
    assert "application/json" in res.json["error"]
    web.app.post("/api/session", {"login": unit.login_name, "password": f.PASSWORD}, status=415)
    res = web.app.post_json("/api/session", body, headers={"Origin": "https://evil.example"}, status=403)
    assert res.json["error"] == "不接受来自其他网站的登录请求"
    web.app.post_json("/api/session", body, headers={"Sec-Fetch-Site": "cross-site"}, status=403)
    web.app.post_json("/api/session", body, headers={"Origin": "null"}, status=403)
    assert "jianxi" not in web.app.cookies
    # Our own pages (same origin) and programs (no such headers) are served.
    web.app.post_json("/api/session", body, headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    make_web().app.post_json("/api/session", body)


@pytest.mark.parametrize("secret,message", [
    ("development-only-secret-not-for-production-use", "生产环境不能使用开发用的"),
    ("short-secret", "太短"),
    ("ab" * 20, "不够随机"),
    (None, "未配置"),
])
def test_production_refuses_to_start_with_a_weak_session_secret(app_settings, catalogue, monkeypatch, secret, message):
    from webapp import make_app
    monkeypatch.delenv("JIANXI_SESSION_SECRET", raising=False)
    settings = {**app_settings, "jianxi.session_secret": secret}
    with pytest.raises(SystemExit) as e:
        make_app(settings, catalogue)
    assert message in str(e.value)


def test_development_may_use_its_own_secret(app_settings, catalogue, monkeypatch):
    from webapp import make_app
    monkeypatch.delenv("JIANXI_SESSION_SECRET", raising=False)
    app = make_app({**app_settings, "jianxi.environment": "development",
                    "jianxi.session_secret": "development-only-secret-not-for-production-use"}, catalogue)
    app.registry["db_engine"].dispose()
    assert app.registry["jianxi.staff_totp"] == "optional"    # unset in development: optional
    with pytest.raises(SystemExit, match="太短"):
        make_app({**app_settings, "jianxi.environment": "development", "jianxi.session_secret": "short"}, catalogue)


def test_the_shipped_ini_files_say_what_the_docs_say():
    from configparser import ConfigParser
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    ini = {}
    for name in ("development.ini", "production.ini"):
        parser = ConfigParser(interpolation=None)
        parser.read(root / name, encoding="utf-8")
        ini[name] = parser["app:main"]
    assert ini["production.ini"]["jianxi.staff_totp"] == "required" and ini["production.ini"]["jianxi.hsts"] == "true"
    assert "jianxi.session_secret" not in ini["production.ini"] and "jianxi.environment" not in ini["production.ini"]
    assert ini["development.ini"]["jianxi.staff_totp"] == "optional"
    assert ini["development.ini"]["jianxi.environment"] == "development"
