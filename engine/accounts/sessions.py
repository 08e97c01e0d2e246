"""Sessions (登录设备): one `sessions` row per sign-in, the only thing that says whether a session is alive.

The cookie holds a random token; the row holds its SHA-256, so a copy of the table signs nobody in. Every
request looks its row up (one indexed query, joined to the account); deleting the row ends the session on
every process at once, which is what logout, a password reset, a disabled account, a second factor reset
and a removed agent do (`end_sessions`). A session ends by itself after `idle` without a request or
`lifetime` after its sign-in, whichever comes first (real elapsed time: `clock.real_utcnow`, which a test's
simulated date does not move); a session waiting for a staff member's code
(second_factor_done false) after PENDING. Rows past their time are deleted when next seen and by the
workers' hourly `session_purge` job.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from engine import clock, masking
from engine.access import session_clause
from engine.models import Account, AuditEntry, LoginSession, row_id
from engine.notices.jobs import JobContext, periodic

TOUCH_EVERY = timedelta(minutes=1)     # last_seen_at is written at most this often per session
PENDING = timedelta(minutes=10)        # from a staff member's password to their code
USER_AGENT_MAX = 200


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    lifetime: timedelta


def limits_from(settings: dict) -> Limits:
    """The ini's jianxi.session_idle_minutes (default 30) and jianxi.session_lifetime_hours (default 12)."""
    idle = int(settings.get("jianxi.session_idle_minutes", 30))
    lifetime = float(settings.get("jianxi.session_lifetime_hours", 12))
    if idle < 1 or lifetime <= 0:
        raise ValueError("jianxi.session_idle_minutes 须至少为1，jianxi.session_lifetime_hours 须大于0")
    return Limits(timedelta(minutes=idle), timedelta(hours=lifetime))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _trim(value: str | None, size: int) -> str | None:
    value = "".join(c for c in (value or "") if c.isprintable())[:size].strip()
    return value or None


def start(session, account: Account, user_agent: str | None, remote_addr: str | None,
          second_factor_done: bool = True) -> tuple[str, LoginSession]:
    """A new session for the account: (the token for the cookie, its row)."""
    token = secrets.token_urlsafe(32)
    now = clock.real_utcnow()
    row = LoginSession(token_hash=digest(token), account_id=account.id, created_at=now, last_seen_at=now,
                       user_agent=_trim(user_agent, USER_AGENT_MAX), remote_addr=_trim(remote_addr, 64),
                       second_factor_done=second_factor_done)
    row.account = account
    session.add(row)
    session.flush()
    return token, row


def expired(row: LoginSession, limits: Limits, now: datetime) -> bool:
    if not row.second_factor_done:
        return now - row.created_at > PENDING
    return now - row.last_seen_at > limits.idle or now - row.created_at > limits.lifetime


def lookup(session, token: str | None, limits: Limits) -> LoginSession | None:
    """The live session the token names (its account loaded), or None. A session past its time, or whose
    account has been disabled, is deleted here; last_seen_at is moved on at most once a minute."""
    if not token or len(token) > 100:
        return None
    row = session.execute(select(LoginSession, Account).join(Account, LoginSession.account_id == Account.id)
                          .where(LoginSession.token_hash == digest(token))).first()
    if row is None:
        return None
    found, account = row
    now = clock.real_utcnow()
    if expired(found, limits, now) or not account.active:
        session.execute(delete(LoginSession).where(LoginSession.id == found.id))
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        _touch(session, found, now)
    return found


def _touch(session, row: LoginSession, now: datetime) -> None:
    """last_seen_at := now, unless another request of the same session holds the row (a long import): then
    that request's own touch stands, and this page does not wait for it (SKIP LOCKED; SQLite has no row locks)."""
    free = select(LoginSession.id).where(LoginSession.id == row.id).with_for_update(skip_locked=True)
    session.execute(update(LoginSession).where(LoginSession.id.in_(free)).values(last_seen_at=now)
                    .execution_options(synchronize_session=False))
    row.last_seen_at = now


def second_factor_done(session, row: LoginSession, user_agent: str | None,
                       remote_addr: str | None) -> tuple[str, LoginSession]:
    """The code was right: the waiting session is replaced by a signed-in one with a new token (so the
    token seen before the code signs nobody in)."""
    account = row.account
    session.execute(delete(LoginSession).where(LoginSession.id == row.id))
    return start(session, account, user_agent, remote_addr, second_factor_done=True)


def end(session, row_or_id) -> None:
    """Logout: this one session, at once, on every process."""
    ident = row_or_id.id if isinstance(row_or_id, LoginSession) else row_or_id
    session.execute(delete(LoginSession).where(LoginSession.id == ident))


def end_sessions(session, account_id: int, except_id: int | None = None) -> int:
    """End every session of an account (but `except_id`, the caller's own when they stay signed in); how many.
    Called for a password reset, a disabled account, a second factor reset, 退出其他所有设备, a removed agent."""
    conds = [LoginSession.account_id == account_id]
    if except_id is not None:
        conds.append(LoginSession.id != except_id)
    result = session.execute(delete(LoginSession).where(*conds).execution_options(synchronize_session=False))
    return result.rowcount or 0


@dataclass
class Device:
    """A session as 登录设备 shows it."""
    id: int
    created_at: datetime
    last_seen_at: datetime
    remote_addr: str | None
    browser: str
    current: bool


def devices(session, account: Account, current_id: int | None) -> list[Device]:
    """The account's signed-in sessions, newest activity first (sessions still waiting for a code are not
    anyone's device yet)."""
    rows = session.scalars(select(LoginSession).where(session_clause(account), LoginSession.second_factor_done)
                           .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())).all()
    return [Device(r.id, r.created_at, r.last_seen_at, r.remote_addr, masking.browser_label(r.user_agent),
                   r.id == current_id) for r in rows]


def _audit_ended(session, account: Account, ended: int, remote_addr: str | None) -> None:
    if ended:
        session.add(AuditEntry(actor_id=account.id, action="sessions_end", target=masking.shown_login(
            account.role, account.login_name), detail={"account": account.id, "sessions_ended": ended},
            remote_addr=remote_addr))


def end_device(session, account: Account, device_id, remote_addr: str | None = None) -> bool:
    """退出该设备: one of the account's own sessions; False if there is no such session of theirs."""
    ident = row_id(device_id)
    if ident is None:
        return False
    result = session.execute(delete(LoginSession).where(LoginSession.id == ident, session_clause(account))
                             .execution_options(synchronize_session=False))
    _audit_ended(session, account, result.rowcount or 0, remote_addr)
    return bool(result.rowcount)


def end_other_devices(session, account: Account, current_id: int | None, remote_addr: str | None = None) -> int:
    """退出其他所有设备: every session of the account but the one asking; how many ended."""
    ended = end_sessions(session, account.id, except_id=current_id)
    _audit_ended(session, account, ended, remote_addr)
    return ended


def purge(session, limits: Limits, now: datetime) -> int:
    """Delete the rows no request can use any more; how many."""
    result = session.execute(delete(LoginSession).where(or_(
        LoginSession.last_seen_at < now - limits.idle,
        LoginSession.created_at < now - limits.lifetime,
        (LoginSession.second_factor_done.is_(False)) & (LoginSession.created_at < now - PENDING)))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


@periodic("session_purge", every=timedelta(hours=1))
def session_purge(ctx: JobContext) -> None:
    purge(ctx.session, limits_from(ctx.settings), clock.real_utcnow())
