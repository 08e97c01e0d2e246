"""Throttling through HTTP that a stranger cannot turn into a lockout: a stranger's failures for `admin` from
one address do not keep admin out from another, an address guessing at many names is refused, sign-ups are
limited per address, and the client address comes from X-Forwarded-For only through a trusted proxy."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from webtest import TestApp

from engine.models import AuditEntry
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.conftest import Web
from tests.webapp.pages import fresh

START = datetime(2026, 11, 20, 2, 0, 0)      # the start of every window below


@pytest.fixture
def strict(app_settings, catalogue, session_factory):
    """client(address, **environ) of an app with small limits and two trusted proxies."""
    from webapp import make_app
    app = make_app({**app_settings, "jianxi.login_limit_per_address": "4/15m",
                    "jianxi.register_limit_per_address": "2/1h",
                    "jianxi.trusted_proxies": "10.0.0.2, 10.0.1.0/28"}, catalogue)

    def make(address="127.0.0.1", **environ):
        return Web(TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": address, **environ}))
    yield make
    app.registry["db_engine"].dispose()


def api_login(web, login, password, status="*"):
    return web.app.post_json("/api/session", {"kind": "staff", "login": login, "password": password}, status=status)


def client(app, address):
    return Web(TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": address}))


def test_a_stranger_failing_for_admin_does_not_keep_admin_out_from_another_address(wsgi_app, dbsession, clock_at):
    """The default limits: a stranger gets 5 guesses from one address, then that address waits."""
    clock_at(START)
    f.admin(dbsession)
    dbsession.commit()
    stranger = client(wsgi_app, "203.0.113.5")
    statuses = [api_login(stranger, "admin", f"Guess{n}2026").status_int for n in range(10)]
    assert statuses == [401] * 5 + [429] * 5
    refused = api_login(stranger, "admin", f.PASSWORD, status=429)
    assert_matches_spec(refused)
    assert refused.json["error"] == "登录失败次数过多，请15分钟后再试" and refused.headers["Retry-After"] == "900"
    page = client(wsgi_app, "198.51.100.7").login("admin", tab="staff")
    assert page.status_int == 303 and page.location.endswith("/admin")
    # The page says it too, and keeps the name typed.
    form = stranger.app.get("/staff/login").forms[0]
    form["login"], form["password"] = "admin", f.PASSWORD
    page = form.submit(status=429)
    assert "登录失败次数过多，请15分钟后再试" in page.text and page.forms[0]["login"].value == "admin"


def test_an_address_failing_across_many_names_is_refused(strict, dbsession, clock_at):
    clock_at(START)
    f.admin(dbsession)
    dbsession.commit()
    guesser = strict("203.0.113.9")
    assert [api_login(guesser, f"user{n}", "Guess2026").status_int for n in range(4)] == [401] * 4
    refused = api_login(guesser, "admin", f.PASSWORD, status=429)
    assert_matches_spec(refused)
    assert refused.json == {"error": "此网络地址登录失败次数过多，请15分钟后再试", "retry_after": 900}
    assert api_login(strict("198.51.100.7"), "admin", f.PASSWORD).status_int == 200


def register(web, status=None, **over):
    form = web.app.get("/register/individual").forms[0]
    values = {"name": "王小丽", "id_number": f.new_id_number(), "mobile": "13812345678",
              "password": "Secret2026", "password_confirm": "Secret2026", **over}
    for name, value in values.items():
        form[name] = value
    return form.submit(status=status), values


def test_sign_ups_are_limited_per_address_and_the_form_keeps_what_was_typed(strict, clock_at):
    clock_at(START)
    first = strict("203.0.113.20")
    assert "两次输入的密码不一致" in register(first, status=200, password_confirm="Other2026")[0].text  # counted
    assert register(first, status=303)[0].status_int == 303
    page, typed = register(strict("203.0.113.20"), status=429)
    assert "注册过于频繁，请60分钟后再试" in page.text and page.headers["Retry-After"] == "3600"
    assert page.forms[0]["id_number"].value == typed["id_number"] and page.forms[0]["name"].value == "王小丽"
    assert register(strict("198.51.100.20"), status=303)[0].status_int == 303


def test_the_forwarded_address_counts_only_from_a_trusted_proxy(strict, dbsession):
    f.admin(dbsession)
    dbsession.commit()
    # Through either trusted proxy (an address, a network): the client is the first hop that is no proxy
    # of ours, whatever the client wrote to the left of it.
    api_login(strict("10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7"), "admin", "Wrong2026")
    api_login(strict("10.0.1.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.8, 10.0.0.2"), "admin", "Wrong2026")
    # From anyone else the header is the client's own say: ignored.
    api_login(strict("192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.9"), "admin", "Wrong2026")
    fresh(dbsession)
    seen = dbsession.scalars(select(AuditEntry.remote_addr).where(AuditEntry.action == "login_failed")
                             .order_by(AuditEntry.id)).all()
    assert seen == ["198.51.100.7", "198.51.100.8", "192.0.2.1"]
    # A spoofed header does not escape the limit of the address it came from.
    spoofer = [strict("192.0.2.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(5)]
    assert [api_login(w, f"user{n}", "Guess2026").status_int for n, w in enumerate(spoofer)] == [401] * 4 + [429]


def test_the_scheme_comes_from_a_trusted_proxy_only(strict, dbsession):
    f.admin(dbsession)
    dbsession.commit()
    proxied = strict("10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.login("admin", tab="staff").location.startswith("https://localhost/")
    direct = strict("192.0.2.1", HTTP_X_FORWARDED_PROTO="https")
    assert direct.login("admin", tab="staff").location.startswith("http://localhost/")
