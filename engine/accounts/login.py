"""Login: authentication within limits that a stranger cannot turn into a lockout, with one answer (and the
same work) for an unknown name and a wrong password.

Units sign in with their public credit code and anyone knows `admin`, so no limit may lock a name. The
limits (engine.throttle, counted in the database for every process; numbers from the ini):

- per name and client address (jianxi.login_limit_per_name_address, default 5 failures in 15 minutes):
  that pair is refused until its window ends (「登录失败次数过多，请N分钟后再试」); the same name from another
  address is not;
- per client address (jianxi.login_limit_per_address, default 30 failures in 15 minutes, across names):
  one address guessing at many names is refused;
- per name from anywhere (jianxi.login_limit_per_name, default 5 failures in 15 minutes): past it the name
  is slowed, never locked. It is tried at most once per jianxi.login_delay_seconds (default 2), and, as
  its failures grow, once per a longer window, doubling with every further `limit` failures up to
  jianxi.login_delay_max_seconds (default 30). An attempt inside the wait is refused at once
  (「该账号登录失败次数过多，请N秒后再试」, Retry-After) rather than held: no web thread sleeps. An address
  this account signed in from within jianxi.login_known_address_days (default 30; the audit log's logins)
  is not slowed, so the rightful user at their usual desk signs in even while a crowd guesses elsewhere.

Each failure counter is hit before the password is checked and given back when it is right (or when a later
limit refuses the attempt unchecked), so parallel attempts on PostgreSQL never check more passwords than a
limit allows. Counters key a typed name by its digest: `rate_limits` never holds an ID number, or a password
typed into the name field.

Timing: a name that is no account's (or an account of another tab's kind) is checked against a dummy argon2
hash made once with today's parameters, so it costs what a wrong password costs, and counts the same.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from engine import formats, masking, throttle
from engine.accounts.passwords import hash_password, needs_rehash, verify_password
from engine.clock import utcnow
from engine.models import Account, AuditEntry
from engine.roles import OWNER_ROLES
from engine.throttle import Limit, Verdict

LOGIN_NAME_MAX = 64  # accounts.login_name is VARCHAR(64)
WRONG = "账号或密码错误"
PER_PAIR = ("login.pair", "jianxi.login_limit_per_name_address", "5/15m")
PER_ADDRESS = ("login.address", "jianxi.login_limit_per_address", "30/15m")
PER_NAME = ("login.name", "jianxi.login_limit_per_name", "5/15m")
DELAY = ("jianxi.login_delay_seconds", 2)
DELAY_MAX = ("jianxi.login_delay_max_seconds", 30)
KNOWN_DAYS = ("jianxi.login_known_address_days", 30)
PACE_RULE = "login.pace"
ROLES_OF_KIND = {"unit": ("unit",), "individual": ("individual",), "staff": ("reviewer", "admin")}


class Throttled(throttle.Refused):
    """Over a login limit: no password was checked. `retry_after` says when to try again, in seconds."""


@dataclass(frozen=True)
class Limits:
    per_pair: Limit
    per_address: Limit
    per_name: Limit
    delay: int = DELAY[1]
    delay_max: int = DELAY_MAX[1]
    known_days: int = KNOWN_DAYS[1]

    def wait(self, excess: int) -> int:
        """Seconds between tries of a name with `excess` failures past per_name: `delay`, doubled with
        every further per_name.limit failures, at most `delay_max`."""
        steps = max(0, excess - 1) // self.per_name.limit
        return min(self.delay_max, self.delay * 2 ** min(steps, 16))


def _seconds(settings: dict, name: str, default: int, low: int) -> int:
    value = settings.get(name)
    text = str(default if value is None or str(value).strip() == "" else value).strip()
    if not text.isdigit() or not low <= int(text) <= 3600:
        raise ValueError(f"{name} 须为{low}到3600之间的整数，现为“{text}”")
    return int(text)


def limits(settings: dict) -> Limits:
    """The login limits from the ini (ValueError for a bad value: read at start-up)."""
    def read(rule, name, default):
        return Limit.from_setting(rule, name, settings.get(name), default)
    delay = _seconds(settings, *DELAY, low=1)
    delay_max = _seconds(settings, *DELAY_MAX, low=1)
    if delay_max < delay:
        raise ValueError(f"{DELAY_MAX[0]}（{delay_max}）不能小于{DELAY[0]}（{delay}）")
    return Limits(read(*PER_PAIR), read(*PER_ADDRESS), read(*PER_NAME), delay, delay_max,
                  _seconds(settings, *KNOWN_DAYS, low=0))


DEFAULT_LIMITS = limits({})


def login_name_for(kind: str, value: str) -> str:
    """Units sign in with their credit code, individuals with their ID number; staff with a user name."""
    if kind in OWNER_ROLES:
        return formats.normalize_code(value or "")
    return formats.trim(value or "")


def name_key(name: str) -> str:
    """What the counters keep of a typed name: a digest, never the text, which may be an individual's ID
    number or a password typed into the wrong field. Counting only needs to compare names."""
    return hashlib.sha256(("jianxi-login\x00" + name).encode("utf-8")).hexdigest()


@functools.cache
def dummy_hash() -> str:
    """An argon2 hash of nothing anyone types, made once with today's parameters, checked for a name that is
    no account's so that the answer takes as long as for a wrong password."""
    return hash_password("jianxi-no-such-account\x00")


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


def _known_address(session, account: Account | None, remote_addr: str | None, rules: Limits) -> bool:
    """Whether this account signed in from this very address lately (the audit log's logins). Asked for an
    unknown name too (as account 0), so the answer costs the same."""
    if rules.known_days <= 0 or not remote_addr:
        return False
    since = utcnow() - timedelta(days=rules.known_days)
    return session.scalar(select(AuditEntry.id).where(
        AuditEntry.actor_id == (account.id if account is not None else 0), AuditEntry.action == "login",
        AuditEntry.remote_addr == remote_addr, AuditEntry.at >= since).limit(1)) is not None


def _paced(session, rules: Limits, who: str, excess: int) -> None:
    """A name past its failures is tried at most once per `rules.delay` seconds (one window shared by every
    attempt, so parallel ones queue on one row and one passes), and at most once per `rules.wait(excess)`."""
    slots = [rules.delay] + ([rules.wait(excess)] if rules.wait(excess) > rules.delay else [])
    taken: list[Verdict] = []
    for seconds in slots:
        verdict = Limit(PACE_RULE, 1, timedelta(seconds=seconds)).hit(session, f"{seconds}s:{who}")
        if not verdict.allowed:
            for slot in taken:
                throttle.undo(session, slot)
            raise Throttled(f"该账号登录失败次数过多，请{verdict.retry_after}秒后再试", verdict)
        taken.append(verdict)


def _give_back(session, verdicts: list[Verdict]) -> None:
    for verdict in verdicts:
        throttle.undo(session, verdict)


def _failures_counted(session, rules: Limits, who: str, address: str) -> list[Verdict]:
    """The failure counters of this attempt, hit before any password is checked: [pair, address, name]
    (the name's may be past its limit: the caller then paces), or Throttled with the hits already made
    given back (the refusing one stays counted, as throttle counts every refused hit)."""
    counted: list[Verdict] = []
    for limit, key, message in ((rules.per_pair, f"{who}@{address}", "登录失败次数过多"),
                                (rules.per_address, address, "此网络地址登录失败次数过多")):
        verdict = limit.hit(session, key)
        if not verdict.allowed:
            _give_back(session, counted)
            raise Throttled(f"{message}，请{verdict.retry_minutes}分钟后再试", verdict)
        counted.append(verdict)
    counted.append(rules.per_name.hit(session, who))
    return counted


def _account(session, kind: str, name: str) -> Account | None:
    """The account this tab may sign in as; one of another kind is treated as none at all."""
    account = session.scalar(select(Account).where(Account.login_name == name))
    return account if account is not None and account.role in ROLES_OF_KIND.get(kind, ()) else None


def authenticate(session, kind: str, login: str, password: str, remote_addr: str | None = None,
                 rules: Limits = DEFAULT_LIMITS) -> LoginResult:
    """One message for an unknown name and a wrong password, so neither is revealed; Throttled over a limit.
    `remote_addr` is the client's address (webapp/clientaddr.py), counted as throttle.address_key.

    On SQLite, pass a session that may write (a web POST's, bound to the writer by webapp/db.py): once its
    transaction is open the counts go into it (engine/throttle.py)."""
    name = login_name_for(kind, login)
    if len(name) > LOGIN_NAME_MAX or "\x00" in name:
        # No account has such a name (and PostgreSQL cannot even compare text holding NUL).
        return LoginResult(None, WRONG)
    who = name_key(name)
    # Counted before the session reads anything: on SQLite a fresh session's counts then commit apart.
    counted = _failures_counted(session, rules, who, throttle.address_key(remote_addr))
    pair, by_name = counted[0], counted[-1]
    account = _account(session, kind, name)
    if not by_name.allowed and not _known_address(session, account, remote_addr, rules):
        try:
            _paced(session, rules, who, by_name.count - rules.per_name.limit)
        except Throttled:
            _give_back(session, counted)
            raise
    ok = verify_password(account.password_hash if account is not None else dummy_hash(), password or "")
    ok = ok and account is not None
    if ok and not account.active:
        return LoginResult(None, "该账号已停用，请联系管理员")
    session.add(_audit_entry(account, ok, remote_addr))
    if not ok:
        left = rules.per_pair.limit - pair.count
        hint = f"，还可尝试{left}次" if 0 < left < rules.per_pair.limit - 1 else ""
        return LoginResult(None, f"{WRONG}{hint}")
    _give_back(session, counted)
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return LoginResult(account)
