"""Who is asking: the signed-in account as principals (its id and role). What it may touch is engine.access's
answer, which the route contexts (webapp/resources.py) turn into ACLs."""
from __future__ import annotations

import os
import time

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from sqlalchemy import select

from engine.models import Account

SESSION_KEY = "account_id"


def principals_for(account: Account | None) -> list[str]:
    if account is None:
        return [Everyone]
    out = [Everyone, Authenticated, f"account:{account.id}", f"role:{account.role}"]
    return out


class SecurityPolicy:
    def __init__(self, idle_seconds: int):
        self.acl = ACLHelper()
        self.idle_seconds = idle_seconds

    def identity(self, request) -> Account | None:
        return request.account

    def authenticated_userid(self, request):
        account = request.account
        return account.id if account else None

    def permits(self, request, context, permission):
        return self.acl.permits(context, principals_for(request.account), permission)

    def remember(self, request, userid, **kw):
        request.session.invalidate()
        request.session[SESSION_KEY] = userid
        request.session["seen"] = int(time.time())
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


def _account(request) -> Account | None:
    session = request.session
    account_id = session.get(SESSION_KEY)
    if account_id is None:
        return None
    idle = request.registry.settings["jianxi.session_idle_seconds"]
    now = int(time.time())
    if now - int(session.get("seen", 0)) > idle:
        session.invalidate()
        return None
    if now - int(session.get("seen", 0)) > 60:
        session["seen"] = now  # refresh at most once a minute, so the cookie is not rewritten on every hit
    account = request.dbsession.scalar(select(Account).where(Account.id == account_id))
    if account is None or not account.active:
        session.invalidate()
        return None
    return account


def includeme(config):
    settings = config.get_settings()
    secret = os.environ.get("JIANXI_SESSION_SECRET") or settings.get("jianxi.session_secret")
    if not secret or len(secret) < 32:
        raise SystemExit("jianxi.session_secret 未配置或太短（至少32个字符），请在 ini 或 JIANXI_SESSION_SECRET 中设置")
    idle = int(settings.get("jianxi.session_idle_minutes", 30)) * 60
    settings["jianxi.session_idle_seconds"] = idle
    secure = str(settings.get("jianxi.secure_cookies", "false")).lower() in ("1", "true", "yes")
    factory = SignedCookieSessionFactory(
        secret, cookie_name="jianxi", httponly=True, samesite="Lax", secure=secure,
        timeout=idle, reissue_time=60, serializer=JSONSerializer())
    config.set_session_factory(factory)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True, header="X-CSRF-Token")
    config.set_security_policy(SecurityPolicy(idle))
    config.add_request_method(_account, "account", reify=True)
