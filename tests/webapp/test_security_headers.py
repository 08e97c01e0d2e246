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


def test_session_ends_after_idle_time_and_after_its_lifetime(web, dbsession, real_clock_at):
    from datetime import timedelta

    from engine import clock
    from tests import factories as f
    unit = f.unit_account(dbsession)
    dbsession.commit()
    start = clock.real_utcnow()
    real_clock_at(start)
    web.login(unit.login_name)
    assert "退出" in web.app.get("/").text
    real_clock_at(start + timedelta(minutes=29))
    assert "退出" in web.app.get("/").text          # 29 minutes idle: still signed in (and refreshed)
    real_clock_at(start + timedelta(minutes=29 + 31))
    page = web.app.get("/me/cases")                  # 31 minutes after the last request: gone
    assert page.status_int == 303 and "/login" in page.location
    # Active all along, a session still ends 12 hours after its sign-in (jianxi.session_lifetime_hours).
    real_clock_at(start)
    web.login(unit.login_name)
    for minutes in range(20, 12 * 60, 20):
        real_clock_at(start + timedelta(minutes=minutes))
        assert web.app.get("/me/cases").status_int == 200, minutes
    real_clock_at(start + timedelta(hours=12, minutes=1))
    page = web.app.get("/me/cases")
    assert page.status_int == 303 and "/login" in page.location


def test_a_simulated_date_does_not_end_a_session(web, dbsession, clock_at):
    """Tests pretend it is another day (engine.clock.set_now) to move deadlines; a session's timers run on
    real elapsed time, so the person is still signed in a fortnight "later"."""
    from datetime import datetime

    from tests import factories as f
    unit = f.unit_account(dbsession)
    dbsession.commit()
    clock_at(datetime(2026, 2, 13, 2))
    web.login(unit.login_name)
    clock_at(datetime(2026, 2, 27, 2))
    assert web.app.get("/me/cases").status_int == 200


def test_hsts_is_sent_only_where_the_ini_asks_for_it(testapp, app_settings, catalogue):
    from webtest import TestApp

    from webapp import make_app
    assert "Strict-Transport-Security" not in testapp.get("/").headers
    app = make_app({**app_settings, "jianxi.hsts": "true"}, catalogue)
    try:
        res = TestApp(app).get("/", extra_environ={"HTTP_HOST": "localhost"})
        assert res.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        app.registry["db_engine"].dispose()
