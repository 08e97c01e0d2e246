"""Helpers for functional tests: real accounts committed to the database, logging in through the pages."""
from __future__ import annotations

import re

import pytest

from tests import factories as f


class Web:
    """A browser-like client: one TestApp (one cookie jar) per person."""

    def __init__(self, testapp):
        self.app = testapp

    def login(self, login: str, password: str = f.PASSWORD, tab: str = "unit"):
        path = "/staff/login" if tab == "staff" else f"/login?tab={tab}"
        form = self.app.get(path).forms[0]
        form["login"] = login
        form["password"] = password
        return form.submit()

    def csrf(self) -> str:
        page = self.app.get("/login")  # carries a token for anyone, signed in or not
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def post(self, url, params=None, **kw):
        params = dict(params or {})
        params.setdefault("csrf_token", self.csrf())
        return self.app.post(url, params, **kw)

    def api(self, method: str, url: str, json=None, status=None, **kw):
        headers = kw.pop("headers", {})
        if method.upper() not in ("GET", "HEAD"):
            headers.setdefault("X-CSRF-Token", self.csrf())
        fn = getattr(self.app, f"{method.lower()}_json" if json is not None else method.lower())
        if json is not None:
            return fn(url, json, headers=headers, status=status, **kw)
        return fn(url, headers=headers, status=status, **kw)


@pytest.fixture
def make_web(wsgi_app, session_factory):
    from webtest import TestApp

    def make():
        return Web(TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))
    return make


@pytest.fixture
def web(make_web):
    return make_web()


@pytest.fixture(scope="session")
def unified_app(app_settings, catalogue, oidc_provider):
    """The app with the unified login on, through the suite's OpenID provider (tests/oidc_provider.py)."""
    from webapp import make_app
    app = make_app({**app_settings, **oidc_provider.settings("http://localhost")}, catalogue)
    yield app
    app.registry["db_engine"].dispose()


@pytest.fixture
def unified_web(unified_app, session_factory, oidc):
    """A maker of clients of the unified-login app (one cookie jar each); the provider answers as it should."""
    from webtest import TestApp
    return lambda: Web(TestApp(unified_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))


@pytest.fixture
def apps(app_settings, session_factory):
    """start(catalogue) -> a maker of clients of an app built from that catalogue (other definition folders)."""
    from webtest import TestApp

    from webapp import make_app
    made = []

    def start(catalogue):
        app = make_app(dict(app_settings), catalogue)
        made.append(app)
        return lambda: Web(TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))

    yield start
    for app in made:
        app.registry["db_engine"].dispose()


@pytest.fixture
def world(dbsession, catalogue, storage):
    """A unit with an approved application and a published position, another unit, reviewers, an individual."""
    s = dbsession
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    taiyuan = f.reviewer(s, login="taiyuan", jurisdiction="140100", name="太原市审核员")
    datong = f.reviewer(s, login="datong", jurisdiction="140200", name="大同市审核员")
    admin = f.admin(s)
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    other = f.unit_account(s, name="大同云冈文旅发展有限公司", mobile="13712345678")
    person = f.individual_account(s)
    app_case = f.approved_unit(s, catalogue, storage, unit, province)
    position = f.published_position(s, catalogue, unit, province)
    s.commit()
    return {"province": province, "taiyuan": taiyuan, "datong": datong, "admin": admin, "unit": unit,
            "other": other, "person": person, "unit_case": app_case, "position": position}
