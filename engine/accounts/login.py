"""Login: throttled authentication, with one message for an unknown name and a wrong password."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from engine import formats, masking
from engine.accounts.passwords import hash_password, needs_rehash, verify_password
from engine.clock import utcnow
from engine.errors import EngineError
from engine.models import Account, AuditEntry, LoginAttempt
from engine.roles import OWNER_ROLES

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_NAME_MAX = 64  # accounts.login_name is VARCHAR(64)


class Throttled(EngineError):
    """Too many failures for this name in FAILURE_WINDOW: no password is checked until it has passed."""
    kind = "throttled"

    def __init__(self):
        super().__init__("登录失败次数过多，请15分钟后再试")


def login_name_for(kind: str, value: str) -> str:
    """Units sign in with their credit code, individuals with their ID number; staff with a user name."""
    if kind in OWNER_ROLES:
        return formats.normalize_code(value or "")
    return formats.trim(value or "")


def attempt_key(name: str) -> str:
    """What login_attempts keeps of a typed name: a digest, never the text, which may be an individual's
    ID number or a password typed into the wrong field. Throttling only needs to compare names."""
    return hashlib.sha256(("jianxi-login\x00" + name).encode("utf-8")).hexdigest()


def _audit_entry(account: Account | None, ok: bool, remote_addr: str | None) -> AuditEntry:
    """A login's audit entry names the account tried (an individual's ID number masked); a typed name
    that is no account's is not written at all: it may be a password typed into the name field."""
    if account is None:
        return AuditEntry(actor_id=None, action="login_failed", target=None, detail={"unknown_account": True},
                          remote_addr=remote_addr)
    return AuditEntry(actor_id=account.id if ok else None, action="login" if ok else "login_failed",
                      target=masking.shown_login(account.role, account.login_name), detail={"account": account.id},
                      remote_addr=remote_addr)


@dataclass
class LoginResult:
    account: Account | None
    message: str | None = None


def authenticate(session, kind: str, login: str, password: str, remote_addr: str | None = None) -> LoginResult:
    """One message for an unknown name and a wrong password, so neither is revealed."""
    name = login_name_for(kind, login)
    if len(name) > LOGIN_NAME_MAX or "\x00" in name:
        # No account has such a name (and PostgreSQL cannot even compare text holding NUL).
        return LoginResult(None, "账号或密码错误")
    since = utcnow() - FAILURE_WINDOW
    key = attempt_key(name)
    failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.login_name == key, LoginAttempt.ok.is_(False), LoginAttempt.at >= since))
    if failures >= MAX_FAILURES:
        raise Throttled()
    account = session.scalar(select(Account).where(Account.login_name == name))
    roles = {"unit": ("unit",), "individual": ("individual",), "staff": ("reviewer", "admin")}.get(kind, ())
    ok = (account is not None and account.role in roles and verify_password(account.password_hash, password or ""))
    if ok and not account.active:
        session.add(LoginAttempt(login_name=key, ok=False, remote_addr=remote_addr))
        return LoginResult(None, "该账号已停用，请联系管理员")
    session.add(LoginAttempt(login_name=key, ok=ok, remote_addr=remote_addr))
    session.add(_audit_entry(account, ok, remote_addr))
    if not ok:
        left = MAX_FAILURES - failures - 1
        hint = f"，还可尝试{left}次" if 0 < left < MAX_FAILURES - 1 else ""
        return LoginResult(None, f"账号或密码错误{hint}")
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return LoginResult(account)
