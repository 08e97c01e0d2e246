"""Periodic jobs: each run once per interval across all workers, a failure recorded, a long run not doubled."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.models import JobRun
from engine.notices.jobs import periodic, run_due

T0 = datetime(2026, 12, 1, 8, 0)


@pytest.fixture
def registry():
    return {}


def test_a_job_runs_once_per_interval_whoever_asks(session_factory, registry):
    runs = []
    periodic("count", every=timedelta(minutes=10), registry=registry)(lambda ctx: runs.append(ctx.now))
    assert run_due(session_factory, jobs=registry, now=T0) == ["count"]       # first start: due at once
    assert run_due(session_factory, jobs=registry, now=T0 + timedelta(minutes=3)) == []
    assert run_due(session_factory, jobs=registry, now=T0 + timedelta(minutes=10)) == ["count"]
    assert runs == [T0, T0 + timedelta(minutes=10)]
    with session_factory() as s:
        row = s.get(JobRun, "count")
        assert (row.runs, row.lease_until, row.next_run_at) == (2, None, T0 + timedelta(minutes=20))


def test_workers_racing_for_a_due_job_run_it_once(session_factory, registry):
    runs = []
    lock = threading.Lock()

    def job(ctx):
        with lock:
            runs.append(threading.current_thread().name)

    periodic("race", every=timedelta(minutes=5), registry=registry)(job)
    start = threading.Barrier(4)
    ran = []

    def worker():
        start.wait()
        for minute in range(0, 15):   # each "worker" looks every minute for 15 minutes
            ran.extend(run_due(session_factory, jobs=registry, now=T0 + timedelta(minutes=minute)))

    threads = [threading.Thread(target=worker, name=f"w{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(runs) == len(ran) == 3   # minutes 0, 5 and 10, each by one worker only


def test_a_job_still_running_is_not_started_again(session_factory, registry):
    started, release = threading.Event(), threading.Event()
    periodic("slow", every=timedelta(minutes=1), lease=timedelta(minutes=30), registry=registry)(
        lambda ctx: (started.set(), release.wait(30)))
    first = threading.Thread(target=run_due, args=(session_factory,), kwargs={"jobs": registry, "now": T0})
    first.start()
    assert started.wait(30)
    assert run_due(session_factory, jobs=registry, now=T0 + timedelta(minutes=2)) == []   # due, but leased
    release.set()
    first.join(30)
    assert run_due(session_factory, jobs=registry, now=T0 + timedelta(minutes=2)) == ["slow"]


def test_a_failing_job_is_recorded_and_the_others_still_run(session_factory, registry):
    done = []

    def broken(ctx):
        raise RuntimeError("数据库里没有这张表")

    periodic("broken", every=timedelta(minutes=1), registry=registry)(broken)
    periodic("fine", every=timedelta(minutes=1), registry=registry)(lambda ctx: done.append(1))
    assert run_due(session_factory, jobs=registry, now=T0) == ["broken", "fine"]
    assert done == [1]
    with session_factory() as s:
        row = s.get(JobRun, "broken")
        assert row.last_error == "RuntimeError: 数据库里没有这张表" and row.lease_until is None
        assert s.get(JobRun, "fine").last_error is None


def test_a_job_name_is_registered_once(registry):
    periodic("once", every=timedelta(minutes=1), registry=registry)(lambda ctx: None)
    with pytest.raises(ValueError):
        periodic("once", every=timedelta(minutes=1), registry=registry)(lambda ctx: None)
