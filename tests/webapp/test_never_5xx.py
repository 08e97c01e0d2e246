"""Malformed requests are refused with a 4xx and a Chinese message, on every route, never a 500.

The routes are read from the app's own route table, so a route added later is covered without being
listed here; path parameters are filled from the shared world (a real case, position, attachment...)."""
from __future__ import annotations

import io
import json
import re

import pytest

from tests import factories as f

FILL = {"key": "attendance_report", "slot": "license", "trigger": "submit", "token": "x" * 16}


def _routes(app):
    return [(r["name"], r["pattern"]) for r in app.registry.introspector.get_category("routes")
            for r in [r["introspectable"]]]


def _url(pattern: str, world) -> str:
    ids = {"id": world["unit_case"].id, "attachment_id": 1}
    url = re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: str(ids.get(m.group(1), FILL.get(m.group(1), "1"))), pattern)
    return "/" + url.replace("*subpath", "site.css").lstrip("/")


def _signed_in(make_web, world, who: str):
    web = make_web()
    logins = {"unit": ("unit", world["unit"].login_name), "reviewer": ("staff", world["province"].login_name),
              "admin": ("staff", world["admin"].login_name), "individual": ("individual", world["person"].login_name)}
    token = None
    if who == "anonymous":
        token = web.csrf()
    else:
        kind, login = logins[who]
        token = web.app.post_json("/api/session", {"kind": kind, "login": login, "password": f.PASSWORD}).json[
            "csrf_token"]
    return web, token


@pytest.mark.parametrize("who", ["unit", "reviewer", "anonymous"])
def test_a_multipart_body_without_a_boundary_is_a_400_on_every_route(world, make_web, wsgi_app, who):
    web, token = _signed_in(make_web, world, who)
    for name, pattern in _routes(wsgi_app):
        for method in ("POST", "PUT"):
            res = web.app.request(_url(pattern, world), method=method, body=b"--x\r\n\r\n--x--\r\n",
                                  headers={"Content-Type": "multipart/form-data", "X-CSRF-Token": token},
                                  expect_errors=True)
            assert res.status_int == 400, (name, method, res.status)
            message = res.json["error"] if pattern.startswith("/api/") else res.text
            assert "缺少有效的 boundary" in message, (name, method)


def test_a_body_larger_than_the_route_takes_is_refused_before_it_is_read(world, make_web, wsgi_app):
    web, token = _signed_in(make_web, world, "unit")

    class Untouchable(io.BytesIO):
        read_calls = 0

        def read(self, *a):
            Untouchable.read_calls += 1
            return super().read(*a)

    for url, content_type, length in (
            ("/api/session", "application/json", 2 * 1024 * 1024),
            (f"/api/cases/{world['unit_case'].id}/attachments/license", "multipart/form-data; boundary=abc",
             200 * 1024 * 1024),
            ("/items/attendance_report/import", "multipart/form-data; boundary=abc", 500 * 1024 * 1024)):
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": url, "SERVER_NAME": "localhost", "SERVER_PORT": "80",
                   "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
                   "wsgi.input": Untouchable(b""), "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(length),
                   "HTTP_X_CSRF_TOKEN": token, "HTTP_COOKIE": f"jianxi={web.app.cookies['jianxi']}",
                   "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.multithread": False,
                   "wsgi.multiprocess": False, "wsgi.run_once": False}
        status = []
        body = b"".join(wsgi_app(environ, lambda s, h, *a: status.append(s)))
        assert status[0].startswith("413"), (url, status)
        assert "超过此处允许的" in body.decode("utf-8"), url
    assert Untouchable.read_calls == 0


def test_a_body_within_the_limit_still_goes_through(world, make_web):
    web, token = _signed_in(make_web, world, "unit")
    # 900 KB of JSON is under the plain limit: refused for what it says, not for its size.
    res = web.app.post_json("/api/session", {"kind": "unit", "login": "x" * 900_000, "password": "y"},
                            expect_errors=True)
    assert res.status_int in (401, 422)


@pytest.mark.parametrize("came_from", ["/me/cases\nSet-Cookie: x=1", "/a\rb", "/a\x00b", "/a\tb", "/a\x7fb"])
@pytest.mark.parametrize("tab", ["unit", "staff"])
def test_a_control_character_in_came_from_does_not_lose_the_login(world, make_web, came_from, tab):
    web = make_web()
    login = world["unit"].login_name if tab == "unit" else world["province"].login_name
    path = "/staff/login" if tab == "staff" else "/login"
    res = web.app.post(path, {"came_from": came_from, "tab": tab, "login": login, "password": f.PASSWORD,
                              "csrf_token": web.csrf()})
    assert res.status_int == 303
    landing = "/review" if tab == "staff" else "/"
    assert res.headers["Location"] == f"http://localhost{landing}"
    assert "Set-Cookie: x" not in str(res.headers)
    # Signed in all the same: the landing page is theirs, not the login page.
    assert web.app.get(landing).status_int == 200
    assert web.app.get("/me/cases" if tab == "unit" else "/review").status_int == 200


def test_came_from_with_chinese_text_is_kept_percent_encoded(world, make_web):
    web = make_web()
    res = web.app.post("/login", {"came_from": "/positions?q=软件", "tab": "unit",
                                  "login": world["unit"].login_name, "password": f.PASSWORD,
                                  "csrf_token": web.csrf()})
    assert res.headers["Location"] == "http://localhost/positions?q=%E8%BD%AF%E4%BB%B6"
    assert "软件" in web.app.get(res.headers["Location"]).text


PAGES = ["99999999999999999999", "-1", "0", "abc", "1e9", "%00", "10001", "2147483648", "1.5"]


@pytest.mark.parametrize("who", ["admin", "reviewer", "unit", "individual", "anonymous"])
def test_no_page_number_makes_any_list_fail(world, make_web, wsgi_app, who):
    web, _ = _signed_in(make_web, world, who)
    for name, pattern in _routes(wsgi_app):
        url = _url(pattern, world)
        for page in PAGES:
            for param in ("page", "per_page"):
                res = web.app.get(f"{url}?{param}={page}", expect_errors=True)
                assert res.status_int < 500, (name, param, page, res.status)
                if url.startswith("/api/") and res.status_int == 422:
                    assert any(e["field"] == param for e in res.json.get("errors", [])), (name, res.json)


NAMES = sorted({"page", "per_page", "q", "back", "version", "trigger", "tab", "state", "role", "order", "month",
                "kind", "item", "inline", "ids", "education", "download", "came_from", "after", "actor", "status",
                "imported", "date_from", "date_to", "city", "county", "region", "sort", "industry", "level"})
VALUES = ["%00", "%FF%FE", "9" * 30, "-1", "%3Cscript%3E", "2025-02-30", "x" * 5000, "%E4%B8"]


@pytest.mark.parametrize("who", ["admin", "reviewer", "unit", "individual", "anonymous"])
def test_no_query_string_makes_any_page_fail(world, make_web, wsgi_app, who):
    """Every query parameter any view reads, all at once, with values no form would send."""
    web, _ = _signed_in(make_web, world, who)
    for name, pattern in _routes(wsgi_app):
        url = _url(pattern, world)
        for value in VALUES:
            query = "&".join(f"{n}={value}" for n in NAMES)
            res = web.app.get(f"{url}?{query}", expect_errors=True)
            assert res.status_int < 500, (name, value[:20], res.status)


@pytest.mark.parametrize("who", ["unit", "reviewer", "anonymous"])
def test_no_body_makes_any_route_fail(world, make_web, wsgi_app, who):
    """Form, JSON and multipart bodies that are not what they say they are."""
    web, token = _signed_in(make_web, world, who)
    bodies = [
        ("application/x-www-form-urlencoded", b"csrf_token=" + token.encode() + b"&login=%FF%FE&q=%E4%B8"),
        ("application/x-www-form-urlencoded", b"csrf_token=" + token.encode() + b"&\xff\xfe=\xc0\x80"),
        ("application/json", b'{"kind": "unit", "login": "\xff\xfe", "password": 1}'),
        ("application/json", b"[" * 100_000),
        ("application/json; charset=gbk", '{"login": "单位"}'.encode("gbk")),
        ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data; name=\"file\"; "
                                             b"filename=\"\xff.xlsx\"\r\n\r\nabc\r\n--zz--\r\n"),
        ("multipart/form-data; boundary=zz", b"--zz\r\n\r\n\r\n"),
        ("text/plain", b"\x00" * 100),
    ]
    for name, pattern in _routes(wsgi_app):
        for content_type, body in bodies:
            res = web.app.request(_url(pattern, world), method="POST", body=body,
                                  headers={"Content-Type": content_type, "X-CSRF-Token": token}, expect_errors=True)
            assert res.status_int < 500, (name, content_type, body[:30], res.status)
