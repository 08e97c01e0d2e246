"""政务服务网统一身份认证 through a real OpenID provider on 127.0.0.1 (tests/oidc/provider.mjs): the code flow with
PKCE, state and nonce, the ID token checked against the provider's JWKS, and every way it can go wrong ending
on a Chinese page with a way back and nobody signed in."""
from __future__ import annotations

import copy
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from engine.models import Account, AuditEntry, Identity, Unit
from tests import oidc_provider as op
from tests.oidc_provider import begin, sign_in
from tests.webapp.conftest import Web


@pytest.fixture
def make_client(unified_web):
    return unified_web


@pytest.fixture
def client(make_client):
    return make_client()


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


def refused(res, status: int, *texts: str) -> str:
    """A login that failed: its Chinese page with a way back, and nobody signed in."""
    assert res.status_int == status, (res.status, res.text[:400])
    page = res.html.select_one("[data-testid=unified-error]")
    text = page.get_text(" ", strip=True)
    for t in texts:
        assert t in text, text
    assert page.find("a", string="返回首页") is not None
    return text


def signed_out(web) -> bool:
    return web.app.get("/me/account", status="*").status_int == 303


def count(dbsession, model) -> int:
    dbsession.rollback()   # a fresh snapshot: what the requests committed
    return dbsession.scalar(select(func.count()).select_from(model))


def test_an_individual_signs_in_and_is_created_with_name_id_number_and_mobile(client, oidc, dbsession):
    res = sign_in(client, oidc, "zhangxm", kind="individual")
    assert res.status_int == 303
    assert "张晓明" in header(client) and "个人用户" in header(client)
    account = dbsession.scalar(select(Account).where(Account.login_name == op.PERSON[1]))
    assert (account.role, account.name, account.id_number, account.mobile) == ("individual", "张晓明", op.PERSON[1],
                                                                               op.PERSON[2])
    # No password works for an account made by the unified login.
    other = make_second(client)
    assert "账号或密码错误" in other.login(op.PERSON[1], "!", tab="individual").text
    other.app.post_json("/api/session", {"kind": "individual", "login": op.PERSON[1], "password": "!"}, status=401)


def test_an_existing_local_individual_is_linked_not_duplicated(client, oidc, dbsession):
    from tests import factories as f
    local = f.individual_account(dbsession, name="张晓明", id_no=op.PERSON[1])
    dbsession.commit()
    assert sign_in(client, oidc, "zhangxm", kind="individual").status_int == 303
    assert count(dbsession, Account) == 1
    identity = dbsession.scalar(select(Identity))
    assert identity.account_id == local.id and identity.kind == "individual"
    # and the next login reuses the link
    assert sign_in(make_second(client), oidc, "zhangxm", kind="individual").status_int == 303
    assert count(dbsession, Identity) == 1 and count(dbsession, Account) == 1


def make_second(web):
    from webtest import TestApp
    return Web(TestApp(web.app.app, extra_environ=web.app.extra_environ))


def test_a_unit_registered_with_a_password_is_linked_by_its_credit_code(client, oidc, dbsession):
    from tests import factories as f
    local = f.unit_account(dbsession, name=op.UNIT[0], code=op.UNIT[1])
    dbsession.commit()
    assert sign_in(client, oidc, "lihong").status_int == 303
    assert count(dbsession, Unit) == 1
    person = dbsession.scalar(select(Account).where(Account.id_number == op.LIHONG[1]))
    assert person.unit_id == local.unit_id and person.id != local.id
    # No person administering it signs in through the unified login yet: the first who does administers it too.
    assert person.unit_admin and local.unit_admin
    assert "李红（单位管理员）" in header(client)


def test_a_second_operator_needs_an_invitation_and_nothing_is_made_without_one(make_client, oidc, dbsession):
    assert sign_in(make_client(), oidc, "lihong").status_int == 303
    before = (count(dbsession, Account), count(dbsession, Identity))
    web = make_client()
    text = refused(sign_in(web, oidc, "wangfang"), 403, "尚未被", op.UNIT[0], "邀请")
    assert "使用账号密码登录" in text
    assert (count(dbsession, Account), count(dbsession, Identity)) == before
    assert signed_out(web)


def test_an_invited_operator_becomes_an_agent(make_client, oidc, dbsession):
    admin = make_client()
    assert sign_in(admin, oidc, "lihong").status_int == 303
    invite = admin.app.get("/unit/agents").forms["invite-form"]
    invite["name"], invite["id_number"] = op.WANGFANG
    assert invite.submit().status_int == 303
    agent = make_client()
    res = sign_in(agent, oidc, "wangfang")
    assert res.status_int == 303
    assert "您已成为" in agent.app.get(res.location).text
    assert "王芳（经办人）" in header(agent) and op.UNIT[0] in header(agent)
    people = admin.app.get("/api/unit/agents").json["people"]
    assert [(p["name"], p["acting"]) for p in people] == [("李红", "单位管理员"), ("王芳", "经办人")]
    assert admin.app.get("/api/unit/agents").json["invitations"] == []


@pytest.mark.parametrize("login,kind,problems", [
    ("badcode", "unit", ["统一社会信用代码校验位错误"]),
    ("nocode", "unit", ["缺少统一社会信用代码"]),
    ("badperson", "individual", ["身份证号校验位错误", "手机号应为11位手机号码"]),
])
def test_bad_or_missing_claims_get_a_chinese_page_and_no_half_made_account(client, oidc, dbsession, login, kind,
                                                                          problems):
    refused(sign_in(client, oidc, login, kind=kind), 422, "身份信息不完整或有误", *problems)
    assert (count(dbsession, Account), count(dbsession, Unit), count(dbsession, Identity)) == (0, 0, 0)
    assert signed_out(client)


@pytest.mark.parametrize("mode", ["foreign_key", "payload", "wrong_aud", "wrong_iss", "wrong_nonce"])
def test_a_tampered_id_token_is_refused(client, oidc, dbsession, mode):
    oidc.mode(id_token=mode)
    refused(sign_in(client, oidc, "lihong"), 400, "身份令牌校验未通过")
    assert count(dbsession, Account) == 0 and signed_out(client)


def test_a_rotated_signing_key_is_fetched_and_accepted(make_client, oidc, unified_app):
    assert sign_in(make_client(), oidc, "lihong").status_int == 303       # JWKS (key A) now cached
    oidc.mode(id_token="rotated")                                         # signed with key B, published with A
    web = make_client()
    assert sign_in(web, oidc, "lihong").status_int == 303
    assert "李红" in header(web)
    kids = {k["kid"] for k in unified_app.registry["oidc_client"].server_metadata["jwks"]["keys"]}
    assert kids == {"key-a", "key-b"}


@pytest.mark.parametrize("seconds,accepted", [(30, True), (900, False)])
def test_clock_skew_is_tolerated_only_within_the_leeway(client, oidc, seconds, accepted):
    """The provider's clock runs ahead: an ID token issued 30 s in the future passes the 60 s leeway, 15
    minutes does not."""
    oidc.mode(id_token="shift", seconds=seconds)
    res = sign_in(client, oidc, "lihong")
    if accepted:
        assert res.status_int == 303 and not signed_out(client)
    else:
        refused(res, 400, "身份令牌校验未通过")


def test_an_expired_id_token_is_refused_by_our_clock(client, oidc, clock_at):
    """Expiry is read against engine.clock: with our clock 6 minutes ahead, the provider's 5-minute ID token
    has expired (past the 60 s leeway) though the login itself is not yet too old."""
    from datetime import timedelta

    from engine import clock
    back = oidc.authorize(begin(client), "lihong")
    clock_at(clock.now() + timedelta(minutes=6))
    refused(client.app.get(back, status="*"), 400, "身份令牌校验未通过")
    assert signed_out(client)


def test_a_login_left_too_long_at_the_provider_is_refused(client, oidc, clock_at):
    from datetime import timedelta

    from engine import clock
    back = oidc.authorize(begin(client), "lihong")
    clock_at(clock.now() + timedelta(minutes=11))
    refused(client.app.get(back, status="*"), 400, "登录已超时")


def test_a_wrong_state_is_refused_without_spending_the_code(client, oidc):
    back = oidc.authorize(begin(client), "lihong")
    query = parse_qs(urlsplit(back).query)
    wrong = f"/login/unified/callback?code={query['code'][0]}&state=forged-{query['state'][0]}"
    refused(client.app.get(wrong, status="*"), 400, "state 不符")
    assert signed_out(client)
    # The code was never sent to the provider: with its own state it still signs in.
    assert client.app.get(back, status="*").status_int == 303 and not signed_out(client)


def test_a_callback_without_any_login_started_is_refused(client, oidc):
    refused(client.app.get("/login/unified/callback?code=abc&state=xyz", status="*"), 400, "登录请求已失效")


def test_an_expired_code_is_refused(client, oidc):
    import time
    oidc.mode(code_ttl=1)
    back = oidc.authorize(begin(client), "lihong")
    time.sleep(2.1)
    refused(client.app.get(back, status="*"), 400, "登录凭证已失效")
    assert signed_out(client)


def test_a_replayed_code_is_refused(client, oidc, dbsession):
    """The same callback (code, state, PKCE verifier in the session) delivered twice: once only."""
    from webtest import TestApp
    back = oidc.authorize(begin(client), "lihong")
    thief = Web(TestApp(client.app.app, extra_environ=client.app.extra_environ))
    for cookie in client.app.cookiejar:
        thief.app.cookiejar.set_cookie(copy.copy(cookie))
    assert client.app.get(back, status="*").status_int == 303
    refused(thief.app.get(back, status="*"), 400, "登录凭证已失效")
    assert signed_out(thief) and not signed_out(client)


def test_cancelling_at_the_provider_signs_nobody_in(client, oidc):
    back = oidc.authorize(begin(client), "lihong", consent=False)
    refused(client.app.get(back, status="*"), 400, "您取消了统一身份认证授权")
    assert signed_out(client)


def test_a_userinfo_answer_for_another_subject_is_refused(client, oidc):
    oidc.mode(userinfo_sub="someone-else")
    refused(sign_in(client, oidc, "lihong"), 400, "用户信息与身份令牌不一致")


@pytest.fixture
def app_for(app_settings, catalogue, session_factory):
    """app_for(settings) -> a client of an app built with these settings over the suite's own."""
    from webtest import TestApp

    from webapp import make_app
    made = []

    def build(**settings):
        app = make_app({**app_settings, **settings}, catalogue)
        made.append(app)
        return Web(TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))
    yield build
    for app in made:
        app.registry["db_engine"].dispose()


def test_a_provider_that_is_down_gets_a_chinese_page_and_a_way_back(app_for, oidc_provider):
    closed = op.free_port()   # nothing listens there
    web = app_for(**{**oidc_provider.settings("http://localhost"), "jianxi.oidc.issuer": f"http://127.0.0.1:{closed}"})
    res = web.app.get("/login/unified?kind=unit", status="*")
    text = refused(res, 503, "暂时无法访问")
    links = {a.get_text(strip=True): a["href"] for a in res.html.select("[data-testid=unified-error] a")}
    assert links["使用账号密码登录"] == "/login?tab=unit" and links["返回首页"] == "/"
    assert "重新政务服务网统一身份认证登录" in text
    assert web.app.get(links["使用账号密码登录"]).status_int == 200


def test_a_provider_that_goes_down_during_the_login_gets_the_same_page(app_for):
    from tests.oidc_provider import OidcProvider
    provider = OidcProvider(["http://localhost/login/unified/callback"], ["http://localhost/"]).start()
    try:
        web = app_for(**provider.settings("http://localhost"))
        back = provider.authorize(begin(web), "lihong")
    finally:
        provider.stop()
    refused(web.app.get(back, status="*"), 503, "暂时无法访问")
    assert signed_out(web)


def test_ending_our_session_ends_the_providers_too(client, oidc):
    import requests
    at_provider = requests.Session()
    back = oidc.authorize(begin(client), "lihong", browser=at_provider)
    assert client.app.get(back).status_int == 303
    # The 退出 form may be redirected to the provider: CSP form-action allows exactly that origin too.
    assert f"form-action 'self' {oidc.issuer};" in client.app.get("/").headers["Content-Security-Policy"]
    res = client.post("/logout")
    assert signed_out(client)
    end = urlsplit(res.location)
    assert f"{end.scheme}://{end.netloc}" == oidc.issuer and end.path == "/session/end"
    query = parse_qs(end.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/"] and query["id_token_hint"][0].count(".") == 2
    # The provider's own page asks; confirmed, it sends the browser back to our home page.
    page = at_provider.get(res.location, timeout=5)
    assert "确认退出" in page.text
    form = dict(__import__("re").findall(r'name="(\w+)" value="([^"]*)"', page.text))
    done = at_provider.post(f"{oidc.issuer}/session/end/confirm", data={**form, "logout": "yes"},
                            allow_redirects=False, timeout=5)
    assert done.headers["Location"].startswith("http://localhost/")
    # The provider's session is gone: the next login shows its login page again.
    auth = at_provider.get(begin(client), timeout=5)
    assert 'name="password"' in auth.text


def test_without_logout_at_the_provider_we_stay_here(app_for, oidc):
    web = app_for(**oidc.settings("http://localhost", **{"jianxi.oidc.logout_at_provider": "false"}))
    assert web.app.get(oidc.authorize(begin(web), "lihong")).status_int == 303
    assert web.post("/logout").location == "http://localhost/"
    assert signed_out(web)


def test_local_password_login_can_be_switched_off_for_units_and_individuals(app_for, oidc, dbsession):
    from tests import factories as f
    unit, admin = f.unit_account(dbsession), f.admin(dbsession)
    dbsession.commit()
    web = app_for(**oidc.settings("http://localhost", **{"jianxi.login.local_unit": "false",
                                                         "jianxi.login.local_individual": "false"}))
    page = web.app.get("/login?tab=unit")
    assert page.html.select_one("[data-testid=unified-login] a").get_text(strip=True) == "政务服务网统一身份认证登录"
    assert page.html.find("input", attrs={"name": "password"}) is None
    token = web.app.get("/staff/login").forms[0]["csrf_token"].value   # /login has no password form to carry one
    res = web.app.post("/login", {"tab": "unit", "login": unit.login_name, "password": f.PASSWORD,
                                  "csrf_token": token}, status=403)
    assert "请通过政务服务网统一身份认证登录" in res.text and signed_out(web)
    res = web.app.post_json("/api/session", {"kind": "unit", "login": unit.login_name, "password": f.PASSWORD},
                            status=403)
    assert "统一身份认证" in res.json["error"]
    assert "无需注册" in web.app.get("/register/individual", status=404).text
    # Staff keep their password login.
    assert web.login("admin", tab="staff").status_int == 303


def test_the_default_app_offers_only_password_login(web):
    page = web.app.get("/login?tab=unit")
    assert page.html.select_one("[data-testid=unified-login]") is None
    assert page.html.find("input", attrs={"name": "password"}) is not None
    refused(web.app.get("/login/unified?kind=unit", status="*"), 404, "未启用")
