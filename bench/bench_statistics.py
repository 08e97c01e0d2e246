"""数据统计: the whole page's figures over 1,000,000 cases and 1,000,000 batch rows, on SQLite and PostgreSQL.

Measured: the page's figures as served (engine.stats.rollup.current: the rollup the workers recount, read for
the viewer's scope and months) plus the SVG charts of every figure, for the province (an administrator: bars by
city) and one city's reviewer (bars by county), p50/p95 over BENCH_STATS_RUNS runs (default 50), 12 months;
the same figures counted from the rows (engine.stats.figures.statistics, BENCH_STATS_LIVE_RUNS runs), whose
totals must equal the rollup's; the rollup's recount (engine.stats.rollup.refresh, the workers' job) in
seconds; and, in the same run, a bare query of the same counts (one GROUP BY of the cases by month and city
over the range) as the floor to compare with.

The data (set-based: Core executemany in chunks into a database migrated with Alembic): 2,000 units over every
city, cases of the unit, position, claim and batch items over 24 months (clocks running, met, missed), a
position per 20 cases with intents, agreements and monthly on-duty rows (their statuses by the scheme's).
BENCH_STATS_CASES / BENCH_STATS_ROWS change the sizes; --quick uses 20,000 of each.
"""
from __future__ import annotations

import os
import random
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bench.bench_review_queue import _migrate, _stats
from bench.pg import on_both

MONTHS = [f"{2025 + (m // 12)}-{m % 12 + 1:02d}" for m in range(24)]   # 2025-01 .. 2026-12
CITY = "140100"
STATUSES = ["在岗"] * 8 + ["离岗(中止见习)", "提前留用", "见习期满", "期满留用"]


def _generate(engine, n_cases: int, n_rows: int, seed: int = 20261202) -> dict:
    from engine.accounts.passwords import hash_password
    from engine.models import Account, BatchRow, Case, Intent, Position, SubsidyClaim, Unit
    from engine.regions import load_regions
    rng = random.Random(seed)
    regions = load_regions()
    counties = [(c.code, k.code) for c in regions.cities() for k in regions.counties(c.code)]
    now = datetime(2026, 12, 15)
    pw = hash_password("Bench2026x")
    n_units = 2000
    units, accounts = [], []
    for i in range(1, n_units + 1):
        city, county = counties[i % len(counties)]
        units.append({"id": i, "name": f"基准统计单位{i:05d}", "credit_code": f"BENCHT{i:012d}", "city_code": city,
                      "county_code": county, "created_at": now})
        accounts.append({"id": i, "login_name": f"BENCHT{i:012d}", "role": "unit", "name": "联系人",
                         "password_hash": pw, "active": True, "unit_id": i, "created_at": now, "jurisdiction": None})
    accounts.append({"id": n_units + 1, "login_name": "bench_admin", "role": "admin", "name": "管理员",
                     "password_hash": pw, "active": True, "unit_id": None, "created_at": now, "jurisdiction": None})
    accounts.append({"id": n_units + 2, "login_name": "bench_city", "role": "reviewer", "name": "市审核员",
                     "password_hash": pw, "active": True, "unit_id": None, "created_at": now, "jurisdiction": CITY})
    kinds = (("unit_application", "review", ["submitted", "approved", "rejected", "returned", "draft"]),
             ("post_application", "review", ["submitted", "approved", "rejected", "returned", "draft"]),
             ("subsidy_claim", "claim_review", ["county_review", "city_review", "publicity", "payable", "paid",
                                                "rejected", "draft"]),
             ("onduty_report", "batch", ["approved"]))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(Unit.__table__.insert(), units)
        conn.execute(Account.__table__.insert(), accounts)
        cases, claims, positions = [], [], []
        for cid in range(1, n_cases + 1):
            uid = rng.randrange(1, n_units + 1)
            item, wf, states = kinds[rng.randrange(4)] if cid > 4 else kinds[cid - 1]
            state = rng.choice(states)
            month = rng.choice(MONTHS)
            at = datetime(int(month[:4]), int(month[5:]), rng.randint(1, 28), rng.randint(0, 23))
            clk = rng.choice(["running", "met", "missed", "paused", None]) if state != "draft" else None
            cases.append({"id": cid, "item_key": item, "definition_version": 1, "workflow_key": wf, "state": state,
                          "unit_id": uid, "account_id": uid, "city_code": units[uid - 1]["city_code"],
                          "county_code": units[uid - 1]["county_code"], "reference": f"BT-{cid:08d}", "data": {},
                          "submitted_month": None if state == "draft" else month,
                          "submitted_at": None if state == "draft" else at, "created_at": at, "updated_at": at,
                          "version": 1, "clock_round": 1, "clock": clk,
                          "deadline_on": (at + timedelta(days=14)).date() if clk == "running" else None})
            if item == "subsidy_claim":
                claims.append({"case_id": cid, "unit_id": uid, "scheme_key": "jianxi_subsidy", "scheme_versions": {},
                               "period_from": month, "period_to": month, "computed_at": at,
                               "total_fen": rng.randrange(0, 5_000_000)})
            if item == "post_application" and state == "approved":
                positions.append({"id": len(positions) + 1, "case_id": cid, "unit_id": uid, "name": "见习岗位",
                                  "openings": rng.randint(1, 10), "matched": 0, "period_months": 6,
                                  "allowance": 2000, "city_code": units[uid - 1]["city_code"],
                                  "county_code": units[uid - 1]["county_code"], "status": "open",
                                  "published_at": at, "search_text": "", "search_tokens": ""})
            if len(cases) == 20000:
                conn.execute(Case.__table__.insert(), cases)
                cases = []
        if cases:
            conn.execute(Case.__table__.insert(), cases)
        for chunk in range(0, len(claims), 20000):
            conn.execute(SubsidyClaim.__table__.insert(), claims[chunk:chunk + 20000])
        for chunk in range(0, len(positions), 20000):
            conn.execute(Position.__table__.insert(), positions[chunk:chunk + 20000])
        intents = [{"position_id": p["id"], "account_id": (p["id"] * 7 + k) % n_units + 1,
                    "created_at": p["published_at"] + timedelta(days=k + 1),
                    "withdrawn_at": None if k else p["published_at"] + timedelta(days=3)}
                   for p in positions for k in range(2)]
        for chunk in range(0, len(intents), 20000):
            conn.execute(Intent.__table__.insert(), intents[chunk:chunk + 20000])
        rows = []
        for n in range(n_rows):
            uid = rng.randrange(1, n_units + 1)
            month = rng.choice(MONTHS)
            if n % 3 == 0:
                start = date(int(month[:4]), int(month[5:]), rng.randint(1, 28))
                rows.append({"case_id": 1, "item_key": "match_report", "unit_id": uid, "row_number": n,
                             "row_key": f"A{n}", "id_number": f"A{n:017d}", "month": None, "start_date": start,
                             "end_date": start + timedelta(days=180), "position_id": None, "active": n % 20 != 0,
                             "data": {"name": "见习人员"}})
            else:
                rows.append({"case_id": 4, "item_key": "onduty_report", "unit_id": uid, "row_number": n,
                             "row_key": f"S{n}", "id_number": f"S{n:017d}", "month": month, "start_date": None,
                             "end_date": None, "position_id": None, "active": n % 20 != 0,
                             "data": {"status": rng.choice(STATUSES), "days": 30}})
            if len(rows) == 20000:
                conn.execute(BatchRow.__table__.insert(), rows)
                rows = []
        if rows:
            conn.execute(BatchRow.__table__.insert(), rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
    return {"cases": n_cases, "batch_rows": n_rows, "positions": len(positions), "units": n_units,
            "load_seconds": round(time.perf_counter() - started, 1)}


def _measure(url, n_cases, n_rows, runs, live_runs):
    from engine import clock
    from engine.db import make_engine, make_session_factory
    from engine.loader import default_dirs, load_catalogue
    from engine.models import Account, Case
    from engine.stats import svg
    from engine.stats.figures import statistics
    from engine.stats.rollup import current, refresh
    from engine.stats.period import Period

    _migrate(url)
    engine = make_engine(url)
    catalogue = load_catalogue(*default_dirs())
    out = _generate(engine, n_cases, n_rows)
    factory = make_session_factory(engine)
    period = Period("2026-01", "2026-12")
    clock.set_now(datetime(2026, 12, 15, 2))
    try:
        session = factory()
        started = time.perf_counter()
        out["rollup_groups"] = refresh(session, catalogue, clock.utcnow())
        session.commit()
        out["rollup_refresh_s"] = round(time.perf_counter() - started, 2)
        session.close()
        for who in ("bench_admin", "bench_city"):
            for name, how, n in (("page", current, runs), ("rows", None, live_runs)):
                samples, check = [], None
                for _ in range(n):
                    session = factory()
                    account = session.scalar(select(Account).where(Account.login_name == who))
                    started = time.perf_counter()
                    stats = (how(session, catalogue, account, period) if how
                             else statistics(session, catalogue, account, period))
                    for fig in stats.figures:
                        svg.month_lines(fig)
                        svg.region_bars(fig)
                    samples.append(time.perf_counter() - started)
                    check = {f.key: f.total for f in stats.figures}
                    session.close()
                out[f"{name}_{who}"] = {**_stats(samples), "totals": check}
            assert out[f"page_{who}"]["totals"] == out[f"rows_{who}"]["totals"], "rollup and rows disagree"
        samples = []
        for _ in range(runs):
            session = factory()
            started = time.perf_counter()
            session.execute(select(Case.submitted_month, Case.city_code, func.count())
                            .where(Case.submitted_at.is_not(None), Case.submitted_month.between(period.first, period.last))
                            .group_by(Case.submitted_month, Case.city_code)).all()
            samples.append(time.perf_counter() - started)
            session.close()
        out["bare_query"] = _stats(samples)
        out["page_over_bare_p95"] = round(out["page_bench_admin"]["p95_ms"] / max(out["bare_query"]["p95_ms"], 0.01), 2)
    finally:
        clock.set_now(None)
    engine.dispose()
    return out


def run(args) -> dict:
    quick = getattr(args, "quick", False)
    n_cases = int(os.environ.get("BENCH_STATS_CASES", 20_000 if quick else 1_000_000))
    n_rows = int(os.environ.get("BENCH_STATS_ROWS", 20_000 if quick else 1_000_000))
    runs = int(os.environ.get("BENCH_STATS_RUNS", 5 if quick else 50))
    live_runs = int(os.environ.get("BENCH_STATS_LIVE_RUNS", 3))
    return on_both(lambda url, _tmp: _measure(url, n_cases, n_rows, runs, live_runs), "statistics.db",
                   f"{n_cases} cases, {n_rows} batch rows")
