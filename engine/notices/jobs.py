"""Periodic jobs of the workers: a registry, and each job run once per interval across every worker.

A module registers a job beside the code it runs (as effects are registered), and engine.loader imports
that module:

    @periodic("deadline_scan", every=timedelta(minutes=10))
    def scan(ctx: JobContext) -> None: ...

Each job has a row in `job_runs`. A worker runs a job only if its conditional UPDATE takes the row: due
(next_run_at has passed) and not leased (no other worker is running it, or that worker's lease has run
out). The UPDATE moves next_run_at on by the interval and sets this worker's lease in one statement, so
on PostgreSQL a second worker's UPDATE waits for the row, sees it no longer due, and changes nothing;
on SQLite writers are serialised anyway. A job that raises is logged in the row (last_error) and runs
again at its next interval.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine import clock
from engine.models import JobRun

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """What a job may use: a session of its own, the ini's settings, the catalogue (loaded on first use)."""
    session: Any
    settings: dict = field(default_factory=dict)
    load_catalogue: Callable[[], Any] | None = None
    now: datetime | None = None
    _catalogue: Any = None

    @property
    def catalogue(self):
        if self._catalogue is None and self.load_catalogue is not None:
            self._catalogue = self.load_catalogue()
        return self._catalogue


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    fn: Callable[[JobContext], None]
    lease: timedelta


JOBS: dict[str, Job] = {}


def periodic(name: str, every: timedelta, lease: timedelta | None = None, registry: dict | None = None):
    """Register fn(ctx) to run once every `every` across all workers. lease: how long a run may take before
    another worker may assume it died (default: the interval)."""
    table = JOBS if registry is None else registry

    def deco(fn):
        if name in table:
            raise ValueError(f"job {name!r} registered twice")
        table[name] = Job(name, every, fn, lease or every)
        return fn
    return deco


def _ensure_row(session, name: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(JobRun).values(name=name, next_run_at=now, runs=0)
                    .on_conflict_do_nothing(index_elements=["name"]))


def take(session, job: Job, now: datetime) -> str | None:
    """This worker's token for a run of the job now, or None if it is not due or another worker has it."""
    _ensure_row(session, job.name, now)
    token = secrets.token_hex(16)
    result = session.execute(update(JobRun).where(
        JobRun.name == job.name, JobRun.next_run_at <= now,
        or_(JobRun.lease_until.is_(None), JobRun.lease_until <= now))
        .values(claim_token=token, lease_until=now + job.lease, next_run_at=now + job.every,
                last_started_at=now, runs=JobRun.runs + 1).execution_options(synchronize_session=False))
    session.commit()
    return token if result.rowcount == 1 else None


def _release(session, job: Job, token: str, error: str | None) -> None:
    session.execute(update(JobRun).where(and_(JobRun.name == job.name, JobRun.claim_token == token))
                    .values(claim_token=None, lease_until=None, last_finished_at=clock.utcnow(), last_error=error)
                    .execution_options(synchronize_session=False))
    session.commit()


def run_due(session_factory, settings: dict | None = None, load_catalogue=None, jobs: dict | None = None,
            now: datetime | None = None) -> list[str]:
    """Run every registered job that is due and that no other worker holds; the names of those run here."""
    ran = []
    for job in (JOBS if jobs is None else jobs).values():
        when = now or clock.utcnow()
        with session_factory() as session:
            token = take(session, job, when)
        if token is None:
            continue
        error = None
        with session_factory() as session:
            try:
                job.fn(JobContext(session, settings or {}, load_catalogue, when))
                session.commit()
            except Exception as e:  # a job's failure is the job's: logged, and the worker goes on
                session.rollback()
                log.exception("job %s failed", job.name)
                error = f"{type(e).__name__}: {e}"[:2000]
        with session_factory() as session:
            _release(session, job, token, error)
        ran.append(job.name)
    return ran
