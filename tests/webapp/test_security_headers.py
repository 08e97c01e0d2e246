def test_every_page_carries_the_security_headers(testapp):
    for url in ("/", "/login", "/api/openapi.json", "/no-such-page"):
        res = testapp.get(url, status="*")
        csp = res.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(web, dbsession):
    from tests import factories as f
    unit = f.unit_account(dbsession)
    dbsession.commit()
    res = web.login(unit.login_name)
    cookie = [v for k, v in res.headerlist if k == "Set-Cookie" and v.startswith("jianxi=")][-1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_ends_after_idle_time_and_on_logout(web, dbsession, monkeypatch):
    import time as real_time

    import webapp.security
    from tests import factories as f
    unit = f.unit_account(dbsession)
    dbsession.commit()
    web.login(unit.login_name)
    assert "退出" in web.app.get("/").text
    start = real_time.time()
    monkeypatch.setattr(webapp.security.time, "time", lambda: start + 29 * 60)
    assert "退出" in web.app.get("/").text          # 29 minutes idle: still signed in (and refreshed)
    monkeypatch.setattr(webapp.security.time, "time", lambda: start + 29 * 60 + 31 * 60)
    page = web.app.get("/me/cases")                  # 31 minutes after the last request: gone
    assert page.status_int == 303 and "/login" in page.location
