"""engine.accounts.login: the limits per name and address, per address and per name (slowed, never locked),
the same work for an unknown name, and parallel attempts that never check more passwords than a limit."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.accounts import login
from engine.accounts.login import Limits, Throttled, authenticate, dummy_hash, limits
from engine.db import writer_engine
from engine.models import AuditEntry
from engine.throttle import Limit
from tests import factories as f
from tests.concurrency import race

START = datetime(2026, 11, 20, 2, 0, 0)      # a multiple of every window below since the epoch
WRONG = "Wrong-Pass1"


def rules(pair="100/15m", address="100/15m", name="100/15m", delay=2, delay_max=30, known_days=30) -> Limits:
    return limits({"jianxi.login_limit_per_name_address": pair, "jianxi.login_limit_per_address": address,
                   "jianxi.login_limit_per_name": name, "jianxi.login_delay_seconds": str(delay),
                   "jianxi.login_delay_max_seconds": str(delay_max),
                   "jianxi.login_known_address_days": str(known_days)})


def attempt(session, name, password, address, limits_, kind="staff"):
    """One login as a request makes it (its own transaction): the result, or the Throttled refusal."""
    try:
        result = authenticate(session, kind, name, password, address, limits_)
    except Throttled as refused:
        session.rollback()
        return refused
    session.commit()
    return result


@pytest.fixture
def checked(monkeypatch):
    """The hashes each password was checked against, in order (from any thread)."""
    calls = []
    real = login.verify_password

    def counting(stored, password):
        calls.append(stored)
        return real(stored, password)
    monkeypatch.setattr(login, "verify_password", counting)
    return calls


@pytest.fixture
def admin(dbsession, clock_at):
    clock_at(START)
    account = f.admin(dbsession)
    dbsession.commit()
    return account


def test_a_name_and_address_pair_is_refused_past_its_failures_and_no_other_pair(dbsession, admin, checked):
    strict = rules(pair="3/15m")
    for _ in range(3):
        assert attempt(dbsession, "admin", WRONG, "203.0.113.5", strict).message.startswith("账号或密码错误")
    refused = attempt(dbsession, "admin", f.PASSWORD, "203.0.113.5", strict)   # even the right password waits
    assert isinstance(refused, Throttled)
    assert (refused.message, refused.retry_after) == ("登录失败次数过多，请15分钟后再试", 900)
    assert len(checked) == 3
    assert attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict).account.id == admin.id


def test_the_hint_counts_down_the_pairs_attempts(dbsession, admin):
    messages = [attempt(dbsession, "admin", WRONG, "203.0.113.5", rules(pair="5/15m")).message for _ in range(4)]
    assert messages == ["账号或密码错误", "账号或密码错误，还可尝试3次", "账号或密码错误，还可尝试2次",
                        "账号或密码错误，还可尝试1次"]


def test_an_address_failing_across_names_is_refused_for_every_name(dbsession, admin, checked):
    strict = rules(address="4/15m")
    for n in range(4):
        assert attempt(dbsession, f"guess{n}", WRONG, "203.0.113.5", strict).account is None
    refused = attempt(dbsession, "admin", f.PASSWORD, "203.0.113.5", strict)
    assert isinstance(refused, Throttled) and refused.message == "此网络地址登录失败次数过多，请15分钟后再试"
    assert len(checked) == 4
    assert attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict).account is not None


def test_a_name_past_its_failures_is_slowed_for_seconds_never_locked(dbsession, admin, checked, clock_at):
    strict = rules(name="3/15m", delay=2, delay_max=8)
    for n in range(3):
        attempt(dbsession, "admin", WRONG, f"203.0.113.{n}", strict)
    assert len(checked) == 3
    # Past the limit: one attempt per 2-second window for the name, from whichever address.
    assert attempt(dbsession, "admin", WRONG, "203.0.113.10", strict).account is None
    refused = attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict)
    assert isinstance(refused, Throttled) and refused.message == "该账号登录失败次数过多，请2秒后再试"
    assert refused.retry_after == 2 and len(checked) == 4
    clock_at(START + timedelta(seconds=2))
    assert attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict).account.id == admin.id
    assert len(checked) == 5


def test_the_wait_doubles_with_the_failures_up_to_its_most():
    strict = rules(name="3/15m", delay=2, delay_max=10)
    assert [strict.wait(k) for k in range(1, 14)] == [2, 2, 2, 4, 4, 4, 8, 8, 8, 10, 10, 10, 10]


def test_a_longer_wait_is_kept_between_attempts_once_failures_grow(dbsession, admin, checked, clock_at):
    strict = rules(name="1/15m", delay=2, delay_max=8)
    attempt(dbsession, "admin", WRONG, "203.0.113.1", strict)          # the one free failure
    attempt(dbsession, "admin", WRONG, "203.0.113.2", strict)          # excess 1: 2 s
    clock_at(START + timedelta(seconds=2))
    attempt(dbsession, "admin", WRONG, "203.0.113.3", strict)          # excess 2: 4 s (a new 4-second window)
    clock_at(START + timedelta(seconds=6))
    assert len(checked) == 3
    attempt(dbsession, "admin", WRONG, "203.0.113.4", strict)          # excess 3: 8 s, its window [0, 8) is free
    clock_at(START + timedelta(seconds=12))
    attempt(dbsession, "admin", WRONG, "203.0.113.5", strict)          # the window [8, 16)
    clock_at(START + timedelta(seconds=14))                             # the 2-second slot is free, the 8 s one not
    refused = attempt(dbsession, "admin", f.PASSWORD, "203.0.113.6", strict)
    assert isinstance(refused, Throttled) and refused.retry_after == 2 and len(checked) == 5
    clock_at(START + timedelta(seconds=16))
    assert attempt(dbsession, "admin", f.PASSWORD, "203.0.113.6", strict).account is not None


def test_an_address_the_account_signed_in_from_lately_is_not_slowed(dbsession, admin, checked, clock_at):
    strict = rules(name="2/15m", known_days=30)
    assert attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict).account is not None   # yesterday
    clock_at(START + timedelta(days=1))
    for n in range(3):
        attempt(dbsession, "admin", WRONG, f"203.0.113.{n}", strict)     # the third takes the 2-second slot
    assert isinstance(attempt(dbsession, "admin", f.PASSWORD, "192.0.2.1", strict), Throttled)
    assert attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict).account is not None
    # Not after known_days, nor for an address that only failed.
    clock_at(START + timedelta(days=31, seconds=1))
    for n in range(3):
        attempt(dbsession, "admin", WRONG, f"203.0.113.{n}", strict)
    assert isinstance(attempt(dbsession, "admin", f.PASSWORD, "198.51.100.7", strict), Throttled)
    assert dbsession.query(AuditEntry).filter_by(action="login").count() == 2


def test_a_right_password_gives_back_its_own_counts(dbsession, admin):
    strict = rules(pair="3/15m", address="3/15m", name="3/15m")
    for password in (WRONG, WRONG, f.PASSWORD, WRONG):
        attempt(dbsession, "admin", password, "203.0.113.5", strict)
    assert isinstance(attempt(dbsession, "admin", WRONG, "203.0.113.5", strict), Throttled)


def test_an_unknown_name_is_checked_against_the_dummy_hash_and_counted_alike(dbsession, admin, checked):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    strict = rules(pair="2/15m")
    unknown = [attempt(dbsession, "nobody", WRONG, "203.0.113.5", strict) for _ in range(3)]
    wrong = [attempt(dbsession, "admin", WRONG, "203.0.113.5", strict) for _ in range(3)]
    assert [r.message for r in unknown] == [r.message for r in wrong][:2] + [unknown[2].message]
    assert isinstance(unknown[2], Throttled) and isinstance(wrong[2], Throttled)
    # A unit's credit code typed on the staff tab is no staff account: the dummy too, never the unit's hash.
    assert attempt(dbsession, unit.login_name, f.PASSWORD, "192.0.2.9", strict).account is None
    assert checked == [dummy_hash(), dummy_hash(), admin.password_hash, admin.password_hash, dummy_hash()]
    assert dummy_hash() is dummy_hash() and dummy_hash().startswith("$argon2id$")


def test_the_limits_are_read_from_the_ini():
    default = limits({})
    assert (default.per_pair, default.per_address, default.per_name) == (
        Limit("login.pair", 5, timedelta(minutes=15)), Limit("login.address", 30, timedelta(minutes=15)),
        Limit("login.name", 5, timedelta(minutes=15)))
    assert (default.delay, default.delay_max, default.known_days) == (2, 30, 30)
    assert rules(known_days=0).known_days == 0
    for bad, says in ((dict(pair="5"), "jianxi.login_limit_per_name_address 须形如"),
                      (dict(delay=0), "jianxi.login_delay_seconds 须为1到3600之间的整数"),
                      (dict(delay=10, delay_max=5), "不能小于")):
        with pytest.raises(ValueError, match=says):
            rules(**bad)


@pytest.mark.parametrize("case", ["one pair", "one name from many addresses", "one address, many names"])
def test_parallel_attempts_never_check_more_passwords_than_the_limit(session_factory, db_engine, clock_at, checked,
                                                                     case):
    """Threads with sessions (and connections) of their own, released at once, as web requests are: the
    database's counts decide. Exactly the limit is checked (plus the one paced slot for a name)."""
    clock_at(START)
    s = session_factory()
    f.admin(s)
    s.commit()
    s.close()
    threads, limit = 16, 5
    strict = {"one pair": rules(pair=f"{limit}/15m"), "one name from many addresses": rules(name=f"{limit}/15m"),
              "one address, many names": rules(address=f"{limit}/15m")}[case]
    def writer_session():
        session = session_factory()
        session.bind = writer_engine(db_engine)      # a web POST's session (webapp/db.py)
        return session

    def one(session, n):
        name = f"guess{n}" if case == "one address, many names" else "admin"
        address = f"203.0.113.{n}" if case == "one name from many addresses" else "203.0.113.200"
        return attempt(session, name, WRONG, address, strict)

    outcomes, errors = race(writer_session, one, n=threads, commit=False)
    assert not errors
    expected = limit + 1 if case == "one name from many addresses" else limit
    assert len(checked) == expected
    assert sum(isinstance(o, Throttled) for o in outcomes) == threads - expected
