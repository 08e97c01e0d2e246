"""Server-side sessions: a token kept as its digest, idle and absolute expiry, the wait for a second factor,
ending one, all, or all but one, and the workers' purge."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.accounts import sessions
from engine.models import LoginSession
from tests import factories as f

LIMITS = sessions.Limits(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))


@pytest.fixture
def unit(dbsession):
    account = f.unit_account(dbsession)
    dbsession.commit()
    return account


def count(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(LoginSession))


def test_a_token_finds_its_session_and_only_its_digest_is_stored(dbsession, unit):
    token, row = sessions.start(dbsession, unit, "Mozilla/5.0 " + "x" * 500, "10.1.2.3")
    assert row.token_hash == sessions.digest(token) != token
    assert len(row.user_agent) == sessions.USER_AGENT_MAX
    assert sessions.lookup(dbsession, token, LIMITS).account_id == unit.id
    for wrong in (None, "", token + "x", "x" * 5000):
        assert sessions.lookup(dbsession, wrong, LIMITS) is None


def test_idle_time_and_lifetime_end_a_session(dbsession, unit, real_clock_at):
    start = clock.real_utcnow()
    real_clock_at(start)
    token, _ = sessions.start(dbsession, unit, None, None)
    real_clock_at(start + timedelta(seconds=30))
    seen = sessions.lookup(dbsession, token, LIMITS)
    assert seen.last_seen_at == start                           # touched at most once a minute
    real_clock_at(start + timedelta(minutes=29))
    assert sessions.lookup(dbsession, token, LIMITS).last_seen_at == start + timedelta(minutes=29)
    real_clock_at(start + timedelta(minutes=60))
    assert sessions.lookup(dbsession, token, LIMITS) is None   # 31 minutes idle
    assert count(dbsession) == 0                                # and deleted when seen
    real_clock_at(start)
    token, _ = sessions.start(dbsession, unit, None, None)
    for minutes in range(25, 12 * 60, 25):
        real_clock_at(start + timedelta(minutes=minutes))
        assert sessions.lookup(dbsession, token, LIMITS) is not None
    real_clock_at(start + timedelta(hours=12, seconds=1))
    assert sessions.lookup(dbsession, token, LIMITS) is None


def test_a_session_waiting_for_a_code_is_short_and_replaced_by_a_new_token(dbsession, real_clock_at):
    reviewer = f.reviewer(dbsession)
    start = clock.real_utcnow()
    real_clock_at(start)
    token, row = sessions.start(dbsession, reviewer, None, None, second_factor_done=False)
    assert sessions.devices(dbsession, reviewer, row.id) == []     # nobody's device yet
    new_token, new_row = sessions.second_factor_done(dbsession, row, "ua", "10.0.0.1")
    assert new_token != token and sessions.lookup(dbsession, token, LIMITS) is None
    assert sessions.lookup(dbsession, new_token, LIMITS).second_factor_done
    waiting, _ = sessions.start(dbsession, reviewer, None, None, second_factor_done=False)
    real_clock_at(start + sessions.PENDING + timedelta(seconds=1))
    assert sessions.lookup(dbsession, waiting, LIMITS) is None


def test_a_disabled_account_has_no_session(dbsession, unit):
    token, _ = sessions.start(dbsession, unit, None, None)
    unit.active = False
    assert sessions.lookup(dbsession, token, LIMITS) is None and count(dbsession) == 0


def test_ending_one_all_or_all_but_one(dbsession, unit):
    other = f.unit_account(dbsession, name="另一家单位", mobile="13700000001")
    rows = [sessions.start(dbsession, unit, None, None)[1] for _ in range(3)]
    theirs = sessions.start(dbsession, other, None, None)[1]
    assert not sessions.end_device(dbsession, unit, theirs.id)      # not one of this account's
    assert not sessions.end_device(dbsession, unit, "abc")
    assert sessions.end_device(dbsession, unit, rows[0].id, "10.0.0.2")
    assert sessions.end_other_devices(dbsession, unit, rows[1].id) == 1
    assert [d.id for d in sessions.devices(dbsession, unit, rows[1].id)] == [rows[1].id]
    assert sessions.end_sessions(dbsession, unit.id) == 1
    assert sessions.end_sessions(dbsession, other.id) == 1 and count(dbsession) == 0


def test_the_purge_deletes_what_no_request_can_use(dbsession, unit, real_clock_at):
    start = clock.real_utcnow()
    real_clock_at(start - timedelta(hours=2))
    sessions.start(dbsession, unit, None, None)                      # idle for two hours
    sessions.start(dbsession, unit, None, None, second_factor_done=False)
    real_clock_at(start)
    live, _ = sessions.start(dbsession, unit, None, None)
    assert sessions.purge(dbsession, LIMITS, start) == 2
    assert sessions.lookup(dbsession, live, LIMITS) is not None


def test_limits_come_from_the_ini():
    assert sessions.limits_from({}) == LIMITS
    assert sessions.limits_from({"jianxi.session_idle_minutes": "10", "jianxi.session_lifetime_hours": "8"}) == \
        sessions.Limits(timedelta(minutes=10), timedelta(hours=8))
    with pytest.raises(ValueError):
        sessions.limits_from({"jianxi.session_idle_minutes": "0"})
