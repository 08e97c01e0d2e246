"""Rate limits: the one home of "at most N of these per window", counted in the database for every process.

The app is stateless: several processes (and hosts) serve one database, so a count kept in memory would be
one process's. Each count is a row of `rate_limits`: a bucket ("<rule>:<key>", e.g. the progress lookups of
one client address) and a fixed window, aligned to the epoch.

- `hit(session, bucket, limit, window)` counts one hit and says whether it is within the limit, in one
  statement: INSERT ... ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1 RETURNING count.
  On PostgreSQL concurrent hits on one bucket queue on its row and each gets a count of its own, so no more
  than `limit` are ever allowed in a window, whatever the number of processes; SQLite serialises writers.
  Across a window's boundary up to 2 x limit may pass within one window's length: fixed windows are meant to
  stop floods and guessing, not to meter.
- It counts on a connection of its own and commits at once, whatever becomes of the caller's transaction.
  A web request's transaction is pyramid_tm's (webapp/db.py): aborted when the request fails, begun again
  when pyramid_retry retries it. A count written there would vanish with every refused or failed request
  (the very ones a limit is for) and hold the bucket's row lock until the request ends.
- SQLite has one writer at a time, and a transaction that has read may not write once another connection
  has committed. So on SQLite a caller already inside a transaction counts in it (a login reads the account
  and then writes its audit entry; a count committed elsewhere in between would make that write fail, and
  one waiting for the caller's write lock would wait for itself). The count and the check are then just as
  exact (every writer queues on the database's lock), but they are rolled back with the caller's work.
  A session whose transaction only reads marks itself (`session.info[READS_ONLY]`: webapp/db.py does so
  for READ_ONLY_POSTS, whose deferred transaction must never write) and keeps counting apart.
- `undo(session, verdict)` gives one hit back. A limit on failures (wrong codes, wrong passwords) hits before
  trying and gives the hit back on success: parallel attempts then cannot get past the limit between a
  check and a count.
- Windows whose end has passed are deleted by the workers' hourly `rate_limits_purge` job (`jianxi worker`);
  until then they only take room, since a hit always counts in the window of now.
- `Limit` is a rule (its bucket prefix) with its number and window, read from the ini as "20/10m", so callers
  name rules and operators choose numbers. `address_key` is what a client address is counted as (an IPv6
  address by its /64, which one subscriber usually holds whole). `Refused` is the refusal every limit raises
  (kind "throttled", 429 with Retry-After on the web).
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine import clock
from engine.errors import EngineError
from engine.models import RateLimit
from engine.notices.jobs import JobContext, periodic

_EPOCH = datetime(1970, 1, 1)
BUCKET_MAX = 200          # rate_limits.bucket is VARCHAR(200)
PURGE_EVERY = timedelta(hours=1)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LIMIT_RE = re.compile(r"(\d{1,6})/(\d{1,6})([smhd])", re.ASCII)
WINDOW_MAX = timedelta(days=7)
READS_ONLY = "throttle.reads_only"   # session.info key: this session's transaction only reads (see above)
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int           # seconds until the window ends, when refused (0 when allowed)
    count: int                 # hits in this window, this one included
    bucket: str
    window_start: datetime

    @property
    def retry_minutes(self) -> int:
        """retry_after in whole minutes, rounded up, for people: 「请N分钟后再试」."""
        return max(1, math.ceil(self.retry_after / 60))


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window holding `now` (naive UTC): a multiple of the window since the epoch."""
    seconds = max(1, int(window.total_seconds()))
    elapsed = math.floor((now - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=elapsed - elapsed % seconds)


class Refused(EngineError):
    """Over a limit: try again in `retry_after` seconds (the web answers 429 with Retry-After)."""
    kind = "throttled"

    def __init__(self, message: str, verdict: "Verdict"):
        super().__init__(message)
        self.retry_after = verdict.retry_after


def address_key(address: str | None) -> str:
    """What a client address is counted as: IPv4 as written, IPv6 by its /64 network (a subscriber is given
    at least that much, so counting single addresses would hand out billions of budgets), an IPv4-mapped
    IPv6 address as its IPv4; anything that is no address as itself ("unknown" when there is none)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def _committed(session, stmt):
    """Run one statement on a connection of its own, in a transaction of its own, committed at once
    (SQLite: BEGIN IMMEDIATE, engine/db.py, so the write waits its turn instead of failing); on SQLite, in
    the caller's transaction when one is open, unless it only reads (see the module's docstring)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and session.in_transaction() and not session.info.get(READS_ONLY):
        result = session.connection().execute(stmt)
        return result.scalar_one() if result.returns_rows else result.rowcount
    with bind.engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            result = conn.execute(stmt)
            return result.scalar_one() if result.returns_rows else result.rowcount


def hit(session, bucket: str, limit: int, window: timedelta, now: datetime | None = None) -> Verdict:
    """Count one hit on `bucket` in the current window; allowed while the window's count is at most `limit`.
    A refused hit counts too. `session` says which database: the count is committed on its own (on SQLite,
    in the caller's open transaction unless that only reads)."""
    now = now or clock.utcnow()
    start = window_start(now, window)
    ends = start + window
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(RateLimit).values(bucket=bucket, window_start=start, expires_at=ends, count=1)
            .on_conflict_do_update(index_elements=["bucket", "window_start"], set_={"count": RateLimit.count + 1})
            .returning(RateLimit.count))
    count = _committed(session, stmt)
    allowed = count <= limit
    retry = 0 if allowed else max(1, math.ceil((ends - now).total_seconds()))
    return Verdict(allowed, retry, count, bucket, start)


def undo(session, verdict: Verdict) -> None:
    """Give back the hit `verdict` counted (in its own window, even if a new one has begun since)."""
    _committed(session, update(RateLimit).where(
        RateLimit.bucket == verdict.bucket, RateLimit.window_start == verdict.window_start, RateLimit.count > 0)
        .values(count=RateLimit.count - 1))


def purge(session, now: datetime | None = None) -> int:
    """Delete the windows that have ended (in the caller's transaction); how many."""
    result = session.execute(delete(RateLimit).where(RateLimit.expires_at <= (now or clock.utcnow())))
    return result.rowcount


@periodic("rate_limits_purge", every=PURGE_EVERY)
def purge_job(ctx: JobContext) -> None:
    now = ctx.now
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    purge(ctx.session, now)


@dataclass(frozen=True)
class Limit:
    """A rule: at most `limit` hits per `window` for each key (a client address, a reference, a login name)."""
    rule: str
    limit: int
    window: timedelta

    def bucket(self, key: str) -> str:
        """"<rule>:<key>"; a key that is long or not plain printable ASCII (a NUL, which PostgreSQL cannot
        store) is kept as its digest, so any key can be counted."""
        key = key or ""
        if not (key.isascii() and key.isprintable()) or len(self.rule) + 1 + len(key) > BUCKET_MAX:
            key = "#" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.rule}:{key}"

    def hit(self, session, key: str, now: datetime | None = None) -> Verdict:
        return hit(session, self.bucket(key), self.limit, self.window, now)

    @classmethod
    def from_setting(cls, rule: str, name: str, value, default: str) -> "Limit":
        """The ini's `name` ("20/10m": 20 hits per 10 minutes; units s, m, h, d), or `default` when unset.
        A bad value raises ValueError with a message for the operator (read at start-up)."""
        text = default if value is None or str(value).strip() == "" else str(value).strip()
        match = _LIMIT_RE.fullmatch(text.replace(" ", ""))
        window = timedelta(seconds=int(match.group(2)) * UNITS[match.group(3)]) if match else None
        if match is None or int(match.group(1)) < 1 or not timedelta(0) < window <= WINDOW_MAX:
            raise ValueError(f"{name} 须形如“20/10m”（次数/时长，时长单位 s、m、h、d，最长7天，次数至少1），"
                             f"现为“{text}”")
        return cls(rule, int(match.group(1)), window)
