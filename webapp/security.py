"""Who is asking: the signed-in account as principals (its id and role), from a server-side session.

The `jianxi` cookie holds only an opaque random token; `engine.accounts.sessions` looks its row up on every
request (one indexed query), so a session ended anywhere (logout, 退出该设备, a password reset, a disabled
account, a removed agent) is refused by every process at its next request. What the account may touch is
engine.access's answer, which the route contexts (webapp/resources.py) turn into ACLs.

CSRF: a signed-in request's token is derived from its session token (HMAC with the session secret), so it
lives and dies with the session and needs no storage. Before sign-in, the token (and the flash messages)
live in a small signed cookie, `jianxi_state`, which grants nothing: it is not a session, and it is
renewed at every sign-in and sign-out.

`remember(request, account_id)` and `forget(request)` (pyramid.security) are the API every view uses: a
password login, a registration, another sign-in route. For a staff account that must confirm a code
(engine.accounts.second_factor), remember() starts a session that signs nobody in until
`second_factor_passed(request)`.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import JSONSerializer, SignedCookieSessionFactory

from engine import access
from engine.accounts import second_factor, sessions
from engine.models import Account, LoginSession

AUTH_COOKIE = "jianxi"
STATE_COOKIE = "jianxi_state"
# The value development.ini ships with: any other environment refuses to start with it.
DEVELOPMENT_SECRET = "development-only-secret-not-for-production-use"
SECRET_MIN, SECRET_VARIETY = 32, 12

log = logging.getLogger(__name__)


def principals_for(account: Account | None) -> list[str]:
    if account is None:
        return [Everyone]
    out = [Everyone, Authenticated, f"account:{account.id}", f"role:{account.role}"]
    if access.is_finance(account):
        out.append("perm:finance")   # 拨付权限 (engine.access decides; the ACL only names it)
    return out


@dataclass
class Auth:
    """This request's session: the token from (or for) the cookie and its row (which signs nobody in while it
    waits for a staff member's second factor: `pending`). What the rest of the request asks (who, which
    session, whether signed in) is kept here as read, so it needs no query even after a view has rolled
    its transaction back (webapp.services.restart_transaction)."""
    token: str | None = None
    row: LoginSession | None = None
    session_id: int | None = None
    done: bool = False
    who: Account | None = None

    def set(self, token: str | None, row: LoginSession | None) -> None:
        self.token, self.row = token, row
        self.session_id = row.id if row is not None else None
        self.done = bool(row is not None and row.second_factor_done)
        self.who = row.account if row is not None else None

    @property
    def account(self) -> Account | None:
        return self.who if self.done else None

    @property
    def pending(self) -> LoginSession | None:
        return self.row if self.row is not None and not self.done else None


def _auth(request) -> Auth:
    token = request.cookies.get(AUTH_COOKIE)
    if not token:
        return Auth()
    row = sessions.lookup(request.dbsession, token, request.registry["jianxi.session_limits"])
    if row is None:
        _set_cookie(request, None)   # ended or expired: the browser may drop it
        return Auth()
    auth = Auth()
    auth.set(token, row)
    return auth


_UNSET = object()


def _set_cookie(request, token: str | None) -> None:
    """The answer sets the cookie to `token` (None: drops it); of several calls in one request the last counts."""
    first = getattr(request, "_jianxi_cookie", _UNSET) is _UNSET
    request._jianxi_cookie = token
    if not first:
        return
    secure = request.registry["jianxi.secure_cookies"]

    def callback(request, response):
        token = request._jianxi_cookie
        if token is None:
            response.delete_cookie(AUTH_COOKIE, path="/")
        else:
            response.set_cookie(AUTH_COOKIE, token, path="/", httponly=True, secure=secure, samesite="Lax")
    request.add_response_callback(callback)


def _start(request, account: Account, done: bool) -> None:
    auth = request.auth
    if auth.row is not None:
        sessions.end(request.dbsession, auth.row)   # a new sign-in in this browser replaces the old one
    request.session.invalidate()                    # a fresh jianxi_state (flash, anonymous CSRF token)
    auth.set(*sessions.start(request.dbsession, account, request.user_agent, request.client_address,
                             second_factor_done=done))
    _set_cookie(request, auth.token)


def second_factor_needed(request) -> str | None:
    """CODE or ENROL while this request's session waits for its staff member's second factor, else None."""
    pending = request.auth.pending
    if pending is None:
        return None
    return second_factor.needed(request.dbsession, request.auth.who, request.registry["jianxi.staff_totp"]) \
        or second_factor.ENROL


def second_factor_passed(request) -> None:
    """The code was right (or enrolment done): the waiting session becomes a signed-in one, with a new token."""
    auth = request.auth
    auth.set(*sessions.second_factor_done(request.dbsession, auth.row, request.user_agent, request.client_address))
    _set_cookie(request, auth.token)


class SecurityPolicy:
    def __init__(self):
        self.acl = ACLHelper()

    def identity(self, request) -> Account | None:
        return request.account

    def authenticated_userid(self, request):
        account = request.account
        return account.id if account else None

    def permits(self, request, context, permission):
        return self.acl.permits(context, principals_for(request.account), permission)

    def remember(self, request, userid, **kw):
        """A new session for the account. Staff who must confirm a code get one that signs them in only
        after second_factor_passed(); `second_factor=True` says the caller has confirmed it already."""
        account = request.dbsession.get(Account, userid)
        if account is None or not account.active:
            raise ValueError(f"no active account {userid!r}")
        done = bool(kw.get("second_factor")) or second_factor.needed(
            request.dbsession, account, request.registry["jianxi.staff_totp"]) is None
        _start(request, account, done)
        return []

    def forget(self, request, **kw):
        """Logout: this session ends everywhere (its row is deleted), and the cookies are renewed."""
        auth = request.auth
        if auth.row is not None:
            sessions.end(request.dbsession, auth.row)
        auth.set(None, None)
        request.session.invalidate()
        _set_cookie(request, None)
        return []


class CSRFPolicy:
    """Signed in: HMAC(secret, session token). Not signed in: the token kept in the jianxi_state cookie."""

    def __init__(self, secret: str):
        self.key = secret.encode("utf-8")
        self.anonymous = SessionCSRFStoragePolicy()

    def _derived(self, token: str) -> str:
        return hmac.new(self.key, b"csrf\x00" + token.encode("utf-8"), hashlib.sha256).hexdigest()

    def new_csrf_token(self, request) -> str:
        token = request.auth.token
        return self._derived(token) if token else self.anonymous.new_csrf_token(request)

    def get_csrf_token(self, request) -> str:
        token = request.auth.token
        return self._derived(token) if token else self.anonymous.get_csrf_token(request)

    def check_csrf_token(self, request, supplied) -> bool:
        expected = self.get_csrf_token(request)
        return hmac.compare_digest(expected.encode("utf-8"), (supplied or "").encode("utf-8", "replace"))


def _flag(settings: dict, name: str) -> bool:
    return str(settings.get(name, "false")).strip().lower() in ("1", "true", "yes", "on")


def is_production(settings: dict) -> bool:
    """Every environment but `jianxi.environment = development` (development.ini) is production."""
    return str(settings.get("jianxi.environment", "production")).strip().lower() != "development"


def secret_problem(secret: str | None, production: bool) -> str | None:
    """Why the session secret may not be used, in Chinese, or None."""
    where = "请在 JIANXI_SESSION_SECRET（或 ini 的 jianxi.session_secret）中设置"
    if not secret:
        return f"jianxi.session_secret 未配置，{where}"
    if len(secret) < SECRET_MIN:
        return f"jianxi.session_secret 太短（至少{SECRET_MIN}个字符），{where}"
    if not production:
        return None
    hint = "，例如 python3 -c 'import secrets; print(secrets.token_hex(32))' 生成的随机值"
    if secret == DEVELOPMENT_SECRET or "development" in secret.lower():
        return f"生产环境不能使用开发用的 jianxi.session_secret，{where}{hint}"
    if len(set(secret)) < SECRET_VARIETY:
        return f"jianxi.session_secret 不够随机（至少{SECRET_VARIETY}种不同字符），{where}{hint}"
    return None


def includeme(config):
    settings = config.get_settings()
    production = is_production(settings)
    secret = os.environ.get("JIANXI_SESSION_SECRET") or settings.get("jianxi.session_secret")
    if problem := secret_problem(secret, production):
        raise SystemExit(problem)
    try:
        limits = sessions.limits_from(settings)
        staff_totp = second_factor.mode_from(settings, production)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    if production and staff_totp != "required":
        log.warning("jianxi.staff_totp = %s: staff sign in without a second factor", staff_totp)
    settings["jianxi.session_idle_seconds"] = int(limits.idle.total_seconds())
    secure = _flag(settings, "jianxi.secure_cookies")
    config.registry["jianxi.session_limits"] = limits
    config.registry["jianxi.staff_totp"] = staff_totp
    config.registry["jianxi.secure_cookies"] = secure
    config.registry["jianxi.hsts"] = _flag(settings, "jianxi.hsts")
    # Flash messages and the anonymous CSRF token only; who is signed in is never read from it.
    factory = SignedCookieSessionFactory(
        secret, cookie_name=STATE_COOKIE, httponly=True, samesite="Lax", secure=secure,
        timeout=int(limits.idle.total_seconds()), reissue_time=60, serializer=JSONSerializer())
    config.set_session_factory(factory)
    config.set_csrf_storage_policy(CSRFPolicy(secret))
    config.set_default_csrf_options(require_csrf=True, header="X-CSRF-Token")
    config.set_security_policy(SecurityPolicy())
    config.add_request_method(_auth, "auth", reify=True)
    config.add_request_method(lambda request: request.auth.account, "account", property=True)
