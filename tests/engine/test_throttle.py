"""Rate limits counted in the database: exact limits, fixed windows, counts that outlive the caller's
transaction (on SQLite, one not yet open), many connections at once never letting more than the limit through,
and the purge job."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine import clock, throttle
from engine.models import RateLimit
from engine.notices import jobs
from engine.throttle import Limit
from tests.concurrency import race

TEN_MINUTES = timedelta(minutes=10)


def counted(session, bucket) -> int:
    session.rollback()   # a fresh snapshot: the counts were committed elsewhere
    return session.scalar(select(func.coalesce(func.sum(RateLimit.count), 0)).where(RateLimit.bucket == bucket))


def test_the_limit_is_exact_and_refused_hits_count_too(dbsession, clock_at):
    clock_at(datetime(2026, 11, 20, 2, 3, 0))   # 3 minutes into a 10-minute window (aligned to the epoch)
    verdicts = [throttle.hit(dbsession, "t:a", 3, TEN_MINUTES) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [v.count for v in verdicts] == [1, 2, 3, 4, 5]
    assert [v.retry_after for v in verdicts] == [0, 0, 0, 420, 420]
    assert verdicts[3].retry_minutes == 7
    assert verdicts[0].window_start == datetime(2026, 11, 20, 2, 0, 0)
    # Another bucket has a count of its own.
    assert throttle.hit(dbsession, "t:b", 3, TEN_MINUTES).count == 1
    assert counted(dbsession, "t:a") == 5


def test_a_new_window_starts_afresh_and_retry_after_says_when(dbsession, clock_at):
    clock_at(datetime(2026, 11, 20, 2, 9, 59, 500000))
    assert throttle.hit(dbsession, "t:w", 1, TEN_MINUTES).allowed
    refused = throttle.hit(dbsession, "t:w", 1, TEN_MINUTES)
    assert not refused.allowed and refused.retry_after == 1 and refused.retry_minutes == 1
    clock_at(datetime(2026, 11, 20, 2, 10, 0))
    fresh = throttle.hit(dbsession, "t:w", 1, TEN_MINUTES)
    assert fresh.allowed and fresh.count == 1 and fresh.window_start == datetime(2026, 11, 20, 2, 10)


def test_a_count_outlives_the_callers_transaction(dbsession, session_factory):
    # The caller's own work is rolled back (a refused or failed request): the hit stays counted.
    assert throttle.hit(dbsession, "t:r", 2, TEN_MINUTES).count == 1
    dbsession.rollback()
    other = session_factory()
    assert throttle.hit(other, "t:r", 2, TEN_MINUTES).count == 2
    other.close()
    assert counted(dbsession, "t:r") == 2


def test_undo_gives_a_hit_back_in_its_own_window(dbsession, clock_at):
    clock_at(datetime(2026, 11, 20, 2, 9, 0))
    first = throttle.hit(dbsession, "t:u", 1, TEN_MINUTES)
    throttle.undo(dbsession, first)
    again = throttle.hit(dbsession, "t:u", 1, TEN_MINUTES)
    assert again.allowed and again.count == 1
    clock_at(datetime(2026, 11, 20, 2, 11, 0))
    newer = throttle.hit(dbsession, "t:u", 1, TEN_MINUTES)
    throttle.undo(dbsession, again)          # the earlier window's hit: the new window keeps its own
    throttle.undo(dbsession, again)          # never below zero
    assert throttle.hit(dbsession, "t:u", 1, TEN_MINUTES).count == newer.count + 1 == 2
    dbsession.rollback()
    assert dbsession.scalar(select(RateLimit.count).where(RateLimit.window_start == first.window_start)) == 0


@pytest.mark.parametrize("threads, limit", [(24, 7)])
def test_many_connections_at_once_never_get_past_the_limit(session_factory, is_postgres, threads, limit):
    """Each thread its own session and connection, all released at once: the database decides."""
    verdicts, errors = race(session_factory, lambda session, _: throttle.hit(session, "t:parallel", limit, TEN_MINUTES),
                            n=threads, commit=False, timeout=60)
    assert not errors
    assert sum(v.allowed for v in verdicts) == limit
    assert sorted(v.count for v in verdicts) == list(range(1, threads + 1))   # each hit its own count
    assert all(v.count <= limit for v in verdicts if v.allowed)


def test_the_workers_purge_windows_that_have_ended(dbsession, session_factory, clock_at):
    clock_at(datetime(2026, 11, 20, 2, 0, 0))
    throttle.hit(dbsession, "t:old", 5, TEN_MINUTES)
    throttle.hit(dbsession, "t:day", 5, timedelta(days=1))
    clock_at(datetime(2026, 11, 20, 2, 10, 0))   # the 10-minute window has just ended
    throttle.hit(dbsession, "t:new", 5, TEN_MINUTES)
    assert "rate_limits_purge" in jobs.JOBS
    ran = jobs.run_due(session_factory, {}, None, {"rate_limits_purge": jobs.JOBS["rate_limits_purge"]},
                       now=clock.utcnow())
    assert ran == ["rate_limits_purge"]
    dbsession.rollback()
    assert sorted(dbsession.scalars(select(RateLimit.bucket))) == ["t:day", "t:new"]


def test_a_limit_is_read_from_the_ini():
    limit = Limit.from_setting("progress.address", "jianxi.x", "30 / 15m", "20/10m")
    assert (limit.limit, limit.window) == (30, timedelta(minutes=15))
    assert Limit.from_setting("r", "jianxi.x", None, "5/1h").window == timedelta(hours=1)
    assert Limit.from_setting("r", "jianxi.x", " ", "2/1d").window == timedelta(days=1)
    for bad in ("20", "0/10m", "20/0m", "20/10y", "20/8d", "abc", "-1/10m"):
        with pytest.raises(ValueError, match="jianxi.x 须形如"):
            Limit.from_setting("r", "jianxi.x", bad, "20/10m")


def test_any_key_makes_a_bucket_the_database_can_keep(dbsession):
    limit = Limit("rule", 1, TEN_MINUTES)
    assert limit.bucket("1.2.3.4") == "rule:1.2.3.4"
    odd = [limit.bucket(k) for k in ("a\x00b", "x" * 500, "地址")]
    assert all(b.startswith("rule:#") and len(b) <= throttle.BUCKET_MAX for b in odd)
    assert len(set(odd)) == 3
    for key in ("a\x00b", "x" * 500):
        assert limit.hit(dbsession, key).allowed and not limit.hit(dbsession, key).allowed


def test_on_sqlite_a_caller_inside_a_transaction_counts_in_it(dbsession, session_factory, is_postgres):
    """SQLite: a count committed apart while the caller's transaction is open would make the caller's next
    write fail (or wait for itself), so it goes into that transaction, unless the session only reads.
    PostgreSQL always counts apart."""
    from sqlalchemy import text
    dbsession.execute(text("SELECT 1"))               # a transaction is open
    throttle.hit(dbsession, "t:in", 5, TEN_MINUTES)
    dbsession.rollback()
    assert counted(dbsession, "t:in") == (1 if is_postgres else 0)
    reader = session_factory()
    reader.info[throttle.READS_ONLY] = True
    reader.execute(text("SELECT 1"))
    throttle.hit(reader, "t:apart", 5, TEN_MINUTES)
    reader.rollback()
    reader.close()
    assert counted(dbsession, "t:apart") == 1
