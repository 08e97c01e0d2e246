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
