"""政务服务网统一身份认证: the authorization code flow (PKCE, state, nonce) of the unified login.

GET /login/unified?kind=unit|individual stores what the callback needs in the session (keyed by `state`,
a few logins at once for several tabs) and sends the browser to the provider; the provider sends it back
to GET /login/unified/callback, where the code is exchanged and the ID token checked (webapp/oidc.py), and
engine.accounts.federated says which account that is. Every failure is a Chinese page with a way back
(another try, the password login where it is on, the home page), never a 500.
"""
from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import remember
from pyramid.view import view_config
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.accounts.federated import LoginRefused, sign_in
from engine.accounts.oidc_config import KIND_LABELS, PENDING_MAX_AGE
from engine.db import writer_engine
from webapp.oidc import ID_TOKEN, ProviderFailure, client, unified
from webapp.responses import status_of
from webapp.services import restart_transaction
from webapp.views.accounts import landing, safe_came_from

log = logging.getLogger(__name__)

PENDING = "unified_pending"      # session: state -> what the callback needs
MAX_PENDING = 3
STATUS = {"unavailable": 503, "code": 400, "token": 400, "denied": 400}


def _page(request, status: int, title: str, problems: list[str], kind: str | None):
    config = unified(request)
    request.response.status_int = status
    return {"page_title": title, "title": title, "problems": problems, "kind": kind,
            "retry": kind is not None and config.offers(kind), "local": kind is None or config.local(kind),
            "label": config.label}


@view_config(route_name="unified_login", request_method="GET", renderer="unified_error.jinja2")
def start(request):
    config = unified(request)
    kind = request.params.get("kind", "")
    if not config.offers(kind):
        return _page(request, 404, "未启用统一身份认证登录", ["本系统未启用此类统一身份认证登录，请使用账号密码登录"],
                     kind if kind in KIND_LABELS else None)
    try:
        started = client(request).start(kind)
    except ProviderFailure as e:
        return _page(request, STATUS[e.kind], "无法登录", [e.message], kind)
    now = int(clock.now().timestamp())
    pending = {s: p for s, p in (request.session.get(PENDING) or {}).items()
               if isinstance(p, dict) and now - p.get("at", 0) <= PENDING_MAX_AGE}
    pending[started["state"]] = {"kind": kind, "nonce": started["nonce"], "code_verifier": started["code_verifier"],
                                 "came_from": safe_came_from(request.params.get("came_from")), "at": now}
    request.session[PENDING] = dict(sorted(pending.items(), key=lambda x: x[1]["at"])[-MAX_PENDING:])
    return HTTPSeeOther(started["url"])


@view_config(route_name="unified_callback", request_method="GET", renderer="unified_error.jinja2")
def callback(request):
    config = unified(request)
    state = request.params.get("state", "")
    waiting = dict(request.session.get(PENDING) or {})
    pending = waiting.pop(state, None) if state else None
    if pending is None or not config.offers(pending.get("kind")):
        return _page(request, 400, "登录请求已失效", [
            "登录请求已失效或来源不明（state 不符），未登录。请从登录页重新开始"], None)
    request.session[PENDING] = waiting   # a state answers once
    kind = pending["kind"]
    if int(clock.now().timestamp()) - pending["at"] > PENDING_MAX_AGE:
        return _page(request, 400, "登录已超时", ["在统一身份认证页面停留时间过长，请重新登录"], kind)
    if request.params.get("error"):
        denied = request.params.get("error") == "access_denied"
        log.info("unified login: provider answered %s", request.params.get("error"))
        return _page(request, 400, "未登录", ["您取消了统一身份认证授权，未登录" if denied else
                                              "统一身份认证未能完成登录，请重新登录"], kind)
    code = request.params.get("code", "")
    if not code:
        return _page(request, 400, "未登录", ["统一身份认证没有返回登录凭证，请重新登录"], kind)
    try:
        token, claims = client(request).finish(code, pending)
    except ProviderFailure as e:
        return _page(request, STATUS[e.kind], "无法登录", [e.message], kind)
    request.dbsession.bind = writer_engine(request.registry["db_engine"])   # a GET that writes
    try:
        result = _sign_in(request, kind, claims)
    except LoginRefused as e:
        restart_transaction(request)   # nothing of a refused login is kept
        log.info("unified login refused: %s", e.message)
        return _page(request, status_of(e), e.title, e.problems, kind)
    account = result.account
    remember(request, account.id)
    request.session[ID_TOKEN] = token["id_token"]
    if result.joined:
        request.session.flash(f"您已成为{account.unit.name}的经办人。", "success")
    elif result.created:
        request.session.flash("已通过统一身份认证为您建立账号。", "success")
    if account.role in ("unit", "individual") and not account.mobile:
        request.session.flash("请在“账号信息”中填写手机号，以便接收办理结果短信。")
    return HTTPSeeOther(pending["came_from"] or landing(request, account))


def _sign_in(request, kind: str, claims: dict):
    config = unified(request)
    args = (config.kinds[kind], config.issuer, claims.get("sub"), claims, request.client_address)
    try:
        return sign_in(request.dbsession, *args)
    except IntegrityError:
        # Two first logins of the same unit or person at once: the other made the rows, so link to them.
        restart_transaction(request)
        return sign_in(request.dbsession, *args)

