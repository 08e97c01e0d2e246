"""Reviewer queue over 1,000,000 cases (2,000 units in every county of Shanxi), on SQLite and PostgreSQL.

For a 太原市 reviewer, 200 requests each of
  - the default page (未审核, oldest first, with the counts per state),
  - the page by deadline (办理期限最近在前, with the 即将超期/已超期 counts as well),
  - the 已超期 filter by deadline, and the province's 超期督办 (the jurisdictions below, by deadline),
  - a filtered page (city + item + 申办月份),
measured twice: the engine query alone (engine.review.queue) and the whole page over WSGI (WebTest,
session cookie, template). The baseline in the same run is a bare primary-key fetch of one case.

Rows are generated with Core executemany (SQLite) and COPY (PostgreSQL) into a database migrated with
Alembic, so the indexes measured are the ones the migrations create.

PostgreSQL: DATABASE_URL (or BENCH_PG_URL) names the server; a throw-away database is created there and
dropped afterwards. Without a reachable server the PostgreSQL half is reported as skipped.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from bench.pg import on_both

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 200
ITEMS = [("unit_application", "review", 0.10), ("post_application", "review", 0.30),
         ("match_report", "batch", 0.20), ("attendance_report", "batch", 0.20), ("onduty_report", "batch", 0.20)]
REVIEW_STATES = [("submitted", 0.10), ("approved", 0.68), ("rejected", 0.07), ("returned", 0.07), ("draft", 0.08)]
BATCH_STATES = [("approved", 0.95), ("revoked", 0.05)]
MONTHS = 24


def _pick(rng, table):
    x = rng.random()
    acc = 0.0
    for value, *rest in table:
        acc += rest[-1]
        if x < acc:
            return value
    return table[-1][0]


def _pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def _stats(samples_s):
    ms = [s * 1000 for s in samples_s]
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(_pct(ms, 95), 2),
            "max_ms": round(max(ms), 2), "n": len(ms)}


def _migrate(url):
    from alembic import command
    from alembic.config import Config
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "heads")


def _generate(engine, n_cases, n_units, seed=20260101):
    """Units, their accounts and n_cases cases; returns facts the measurements need."""
    from engine.accounts.passwords import hash_password
    from engine.regions import load_regions
    from engine.workdays import WorkCalendar
    rng = random.Random(seed)
    calendar = WorkCalendar()   # the package's years: every case here is from 2024-2026
    counties = load_regions().all_counties()
    now = datetime(2026, 11, 1)
    months = []
    for i in range(MONTHS):
        year, month0 = divmod(now.year * 12 + now.month - 1 - i, 12)
        months.append(datetime(year, month0 + 1, 1))
    pw = hash_password("Bench2026x")
    units, accounts = [], []
    for i in range(1, n_units + 1):
        county = counties[(i - 1) % len(counties)]
        units.append({"id": i, "name": f"基准测试单位{i:05d}有限公司", "credit_code": f"BENCH{i:013d}",
                      "city_code": county.parent, "county_code": county.code, "created_at": now})
        accounts.append({"id": i, "login_name": f"BENCH{i:013d}", "role": "unit", "name": "联系人",
                         "password_hash": pw, "active": True, "unit_id": i, "created_at": now})
    reviewer_id = n_units + 1
    accounts.append({"id": reviewer_id, "login_name": "bench_taiyuan", "role": "reviewer", "name": "太原市审核员",
                     "password_hash": pw, "active": True, "unit_id": None, "jurisdiction": "140100",
                     "created_at": now})
    accounts.append({"id": reviewer_id + 1, "login_name": "bench_sheng", "role": "reviewer", "name": "省级审核员",
                     "password_hash": pw, "active": True, "unit_id": None, "jurisdiction": "140000",
                     "created_at": now})
    for a in accounts:
        a.setdefault("jurisdiction", None)
    from engine.models import Account, Case, Unit
    with engine.begin() as conn:
        conn.execute(Unit.__table__.insert(), units)
        conn.execute(Account.__table__.insert(), accounts)
    columns = ["id", "item_key", "definition_version", "workflow_key", "state", "unit_id", "account_id",
               "city_code", "county_code", "reference", "data", "submitted_month", "submitted_at", "created_at",
               "updated_at", "row_count", "claimed_by", "claimed_at", "version", "deadline_on", "clock", "clock_round"]
    # The clocks as engine.deadlines leaves them: running while 未审核 (10 working days), paused when returned.
    clocks = {"submitted": "running", "approved": "met", "rejected": "met", "returned": "paused"}

    def rows():
        for cid in range(1, n_cases + 1):
            unit = units[rng.randrange(n_units)]
            item = _pick(rng, [(k, p) for k, _, p in ITEMS])
            wf = next(w for k, w, _ in ITEMS if k == item)
            state = _pick(rng, REVIEW_STATES if wf == "review" else BATCH_STATES)
            month = months[min(MONTHS - 1, int(rng.expovariate(1 / 6)))]
            at = month + timedelta(seconds=rng.randrange(27 * 86400))
            submitted = state != "draft"
            yield (cid, item, 1, wf, state, unit["id"], unit["id"], unit["city_code"], unit["county_code"],
                   f"JX-{unit['city_code']}-{at:%Y%m}-{cid:07d}" if submitted else None,
                   json.dumps({"contact_name": "李红", "contact_mobile": "13912345678", "openings": 5,
                               "position_name": "软件开发见习生", "address": "太原市小店区长治路123号"},
                              ensure_ascii=False),
                   at.strftime("%Y-%m") if submitted else None, at if submitted else None, at, at,
                   None if wf == "review" else rng.randrange(1, 200), None, None, 1 + (state != "submitted"),
                   calendar.add_workdays(at.date(), 10) if wf == "review" and state == "submitted" else None,
                   clocks.get(state) if wf == "review" else None, int(wf == "review" and state in clocks))

    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                with cur.copy(f"COPY cases ({', '.join(columns)}) FROM STDIN") as copy:
                    for r in rows():
                        copy.write_row(r)
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n_cases})
            conn.execute(text("SELECT setval(pg_get_serial_sequence('units', 'id'), :n)"), {"n": n_units})
            conn.execute(text("SELECT setval(pg_get_serial_sequence('accounts', 'id'), :n)"), {"n": n_units + 1})
            conn.execute(text("VACUUM ANALYZE"))
    else:
        # executemany on the driver, datetimes in SQLAlchemy's SQLite storage format.
        def stored(r):
            return tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else
                         v.isoformat() if isinstance(v, date) else v for v in r)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
            cur.executemany(f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                            (stored(r) for r in rows()))
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
            cur.close()
        finally:
            raw.close()
    load_seconds = time.perf_counter() - started
    with engine.connect() as conn:
        city_cases = conn.scalar(select(text("count(*)")).select_from(Case.__table__).where(
            Case.__table__.c.city_code == "140100"))
        running = conn.scalar(select(text("count(*)")).select_from(Case.__table__).where(
            Case.__table__.c.deadline_on.is_not(None)))
    return {"reviewer_id": reviewer_id, "load_seconds": round(load_seconds, 1), "months": months,
            "taiyuan_cases": city_cases, "running_clocks": running}


def _measure(url, n_cases, n_units, requests):
    from webtest import TestApp

    from engine.db import make_engine, make_session_factory
    from engine.loader import default_dirs, load_catalogue
    from engine.models import Account, Case
    from engine.review.filters import QueueQuery
    from engine.review.queue import queue

    _migrate(url)
    engine = make_engine(url)
    facts = _generate(engine, n_cases, n_units)
    catalogue = load_catalogue(*default_dirs())
    factory = make_session_factory(engine)
    rng = random.Random(7)
    items = [k for k, _, _ in ITEMS]
    months = [m.strftime("%Y-%m") for m in facts["months"][:12]]

    def filtered_query():
        return QueueQuery(city="140100", item=rng.choice(items[:2]), month=rng.choice(months))

    out = {"cases": n_cases, "units": n_units, "taiyuan_cases": facts["taiyuan_cases"],
           "running_clocks": facts["running_clocks"], "load_seconds": facts["load_seconds"]}
    session = factory()
    reviewer = session.get(Account, facts["reviewer_id"])
    province = session.get(Account, facts["reviewer_id"] + 1)

    def timed(fn):
        samples = []
        for _ in range(requests):
            session.expire_all()
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return samples

    for _ in range(20):  # warm the caches the same way for every measurement
        queue(session, catalogue, reviewer, QueueQuery())
    ids = [rng.randrange(1, n_cases + 1) for _ in range(requests)]
    it = iter(ids * 2)
    out["baseline_pk_fetch"] = _stats(timed(lambda: session.execute(
        select(Case).where(Case.id == next(it))).scalar_one()))
    first = queue(session, catalogue, reviewer, QueueQuery())
    out["default_page_rows"], out["default_page_total"] = len(first.rows), first.total
    out["engine_default_page"] = _stats(timed(lambda: queue(session, catalogue, reviewer, QueueQuery())))
    by_deadline = queue(session, catalogue, reviewer, QueueQuery(order="deadline"))
    out["deadline_page_rows"], out["deadline_counts"] = len(by_deadline.rows), by_deadline.deadline_counts
    out["engine_deadline_page"] = _stats(timed(lambda: queue(session, catalogue, reviewer,
                                                             QueueQuery(order="deadline"))))
    out["engine_overdue_page"] = _stats(timed(lambda: queue(session, catalogue, reviewer,
                                                            QueueQuery(order="deadline", deadline="overdue"))))
    out["engine_supervise_page"] = _stats(timed(lambda: queue(session, catalogue, province, QueueQuery(
        scope="below", deadline="overdue", order="deadline"))))
    out["engine_filtered_page"] = _stats(timed(lambda: queue(session, catalogue, reviewer, filtered_query())))
    session.close()

    # The whole page, as the reviewer's browser gets it.
    from webapp import make_app
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        storage = tempfile.mkdtemp(prefix="jx-bench-storage-")
        app = TestApp(make_app({"sqlalchemy.url": url, "jianxi.storage_dir": storage,
                                "jianxi.session_secret": "bench-only-secret-0123456789abcdef01234567",
                                "jianxi.session_idle_minutes": "30", "jianxi.staff_totp": "optional"}, catalogue),
                      extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})
        form = app.get("/staff/login").forms[0]
        form["login"], form["password"] = "bench_taiyuan", "Bench2026x"
        form.submit()
        for _ in range(10):
            app.get("/review")

        def page(params):
            r = app.get("/review", params)
            assert r.status_int == 200

        out["http_default_page"] = _stats(timed(lambda: page({})))
        out["http_deadline_page"] = _stats(timed(lambda: page({"order": "deadline"})))
        out["http_filtered_page"] = _stats(timed(lambda: page(
            {k: v for k, v in vars(filtered_query()).items() if k in ("city", "item", "month")})))
        out["http_baseline_healthz"] = _stats(timed(lambda: app.get("/healthz")))
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
    engine.dispose()
    return out


def run(args) -> dict:
    n_cases, n_units = (20_000, 200) if getattr(args, "quick", False) else (1_000_000, 2_000)
    requests = 50 if getattr(args, "quick", False) else REQUESTS
    result = {"target": "queue pages p95 <= 30 ms at 1M cases (default and by deadline)",
              "requests_per_measure": requests}
    result.update(on_both(lambda url, _: _measure(url, n_cases, n_units, requests), "queue.sqlite",
                          f"generating {n_cases} cases"))
    return result
