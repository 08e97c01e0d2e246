"""见习补贴: the claims of a whole city (太原市, 500 units) over 12 months, 100,000 trainee-months, on SQLite and
PostgreSQL.

Measured: engine.subsidy's computation of every line (the facts read set-based, then the pure pricing
pass), in seconds and trainee-months per second, three runs; beside it, in the same run, the same
computation with its facts read naively row by row through the ORM (one query per agreement, report row
and month), on a share of the units (BENCH_SUBSIDY_NAIVE_SHARE, default 0.2) so the run stays bounded;
its rate is what the comparison is about. Both give the same lines (checked). Also one unit's claim, as the
unit's page computes it (p50 over 30 runs).

The data: agreements for the period (2025-10 to 2026-09, across the scheme's change of version in 2026-04),
every month's on-duty and attendance report; 2% leave in some month (no later reports), 1% of months lack
their attendance report (缺报), 0.5% of people are also matched by another unit for one month (重复匹配).
Rows are written with Core executemany into a database migrated with Alembic.
"""
from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, datetime

from sqlalchemy import select

from bench.bench_review_queue import _migrate, _stats
from bench.pg import on_both

PERIOD = ("2025-10", "2026-09")
CITY = "140100"


def _generate(engine, catalogue, n_units: int, trainee_months: int, seed: int = 20260401) -> dict:
    from engine.accounts.passwords import hash_password
    from engine.models import Account, BatchRow, Case, Unit
    from engine.regions import load_regions
    from engine.subsidy.compute import Sources, days_in, months
    rng = random.Random(seed)
    scheme = catalogue.scheme("jianxi_subsidy")
    sources = Sources.of(catalogue, scheme)
    period = months(*PERIOD)
    counties = load_regions().counties(CITY)
    now = datetime(2026, 11, 1)
    pw = hash_password("Bench2026x")
    units = [{"id": i, "name": f"基准补贴单位{i:05d}有限公司", "credit_code": f"BENCHS{i:012d}", "city_code": CITY,
              "county_code": counties[i % len(counties)].code, "created_at": now} for i in range(1, n_units + 1)]
    accounts = [{"id": i, "login_name": f"BENCHS{i:012d}", "role": "unit", "name": "联系人", "password_hash": pw,
                 "active": True, "unit_id": i, "created_at": now, "jurisdiction": None} for i in range(1, n_units + 1)]
    reports = [sources.agreements, sources.reports["status"], sources.reports["attendance"]]
    cases, case_of = [], {}
    for u in units:
        for item_key in reports:
            cid = len(cases) + 1
            case_of[(u["id"], item_key)] = cid
            cases.append({"id": cid, "item_key": item_key, "definition_version": 1, "workflow_key": "batch",
                          "state": "approved", "unit_id": u["id"], "account_id": u["id"], "city_code": CITY,
                          "county_code": u["county_code"], "reference": f"BENCH-{cid:07d}", "data": {},
                          "submitted_month": "2026-10", "submitted_at": now, "created_at": now, "updated_at": now,
                          "row_count": 0, "version": 1, "clock_round": 0})
    people = -(-trainee_months // len(period))
    status_f, att_f = sources.fields["status"], sources.fields["attendance"]
    rows, expected = [], 0

    def row(unit_id, item_key, n, id_number, data, month=None, start=None, end=None):
        rows.append({"case_id": case_of[(unit_id, item_key)], "item_key": item_key, "unit_id": unit_id,
                     "row_number": n, "row_key": f"{id_number}|{month or start}", "id_number": id_number,
                     "month": month, "start_date": start, "end_date": end, "position_id": None, "active": True,
                     "data": data})

    for p in range(people):
        unit_id = p % n_units + 1
        id_number = f"1401{p:012d}{p % 10}X"[:18]
        row(unit_id, sources.agreements, p + 2, id_number, {sources.name_field: f"见习{p:05d}"},
            start=date(2025, 10, 1), end=date(2026, 9, 30))
        if rng.random() < 0.005:   # also matched by another unit for one month
            other = unit_id % n_units + 1
            row(other, sources.agreements, p + 2, id_number, {sources.name_field: f"见习{p:05d}"},
                start=date(2026, 9, 1), end=date(2027, 2, 28))
        leaves = period[rng.randrange(len(period))] if rng.random() < 0.02 else None
        for month in period:
            status = "离岗(中止见习)" if month == leaves else "在岗"
            days = 10 if month == leaves else days_in(month)
            data = {status_f["status"]: status, status_f["days"]: days, status_f["allowance_paid"]: 2200 + p % 7 * 100}
            if month == leaves:
                data[status_f["change_date"]] = f"{month}-10"
            row(unit_id, sources.reports["status"], p + 2, id_number, data, month=month)
            if rng.random() >= 0.01:
                row(unit_id, sources.reports["attendance"], p + 2, id_number,
                    {att_f["required_days"]: 22, att_f["attended_days"]: 21}, month=month)
            expected += 1
            if month == leaves:
                break
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(Unit.__table__.insert(), units)
        conn.execute(Account.__table__.insert(), accounts)
        conn.execute(Case.__table__.insert(), cases)
        for chunk in range(0, len(rows), 20000):
            conn.execute(BatchRow.__table__.insert(), rows[chunk:chunk + 20000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
    return {"units": n_units, "people": people, "batch_rows": len(rows), "trainee_months": expected,
            "load_seconds": round(time.perf_counter() - started, 1)}


def naive_facts(session, sources, scheme, period, unit_ids):
    """The same Facts as engine.subsidy.compute.gather, read the obvious way: ORM objects, row by row."""
    from engine.models import BatchRow, ClaimLine, Position, Unit
    from engine.subsidy.compute import Agreement, AttendanceRow, Facts, StatusRow
    facts = Facts()
    status_f, att_f = sources.fields["status"], sources.fields.get("attendance", {})
    ending = scheme.ending()
    for unit in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.id)):
        agreements = session.scalars(select(BatchRow).where(
            BatchRow.unit_id == unit.id, BatchRow.item_key == sources.agreements, BatchRow.active.is_(True),
            BatchRow.start_date <= period.last_day, BatchRow.end_date >= period.first_day)
            .order_by(BatchRow.id_number, BatchRow.start_date)).all()
        for a in agreements:
            county = session.get(Position, a.position_id).county_code if a.position_id else unit.county_code
            facts.agreements.append(Agreement(a.id, a.case_id, a.unit_id, a.id_number, a.data.get(sources.name_field),
                                              a.start_date, a.end_date, county))
            for o in session.scalars(select(BatchRow).where(
                    BatchRow.item_key == sources.agreements, BatchRow.active.is_(True),
                    BatchRow.id_number == a.id_number, BatchRow.start_date <= period.last_day,
                    BatchRow.end_date >= period.first_day)):
                if (o.unit_id, o.start_date, o.end_date) not in facts.others.setdefault(a.id_number, []):
                    facts.others[a.id_number].append((o.unit_id, o.start_date, o.end_date))
            for earlier in session.scalars(select(BatchRow).where(
                    BatchRow.item_key == sources.reports["status"], BatchRow.active.is_(True),
                    BatchRow.unit_id == unit.id, BatchRow.id_number == a.id_number,
                    BatchRow.month < period.start).order_by(BatchRow.month)):
                if earlier.data.get(status_f["status"]) in ending:
                    facts.ended_before.setdefault((unit.id, a.id_number), earlier.month)
            for month in period.months():
                s = session.scalars(select(BatchRow).where(
                    BatchRow.item_key == sources.reports["status"], BatchRow.active.is_(True),
                    BatchRow.unit_id == unit.id, BatchRow.id_number == a.id_number, BatchRow.month == month)).first()
                if s is not None:
                    paid = s.data.get(status_f.get("allowance_paid"))
                    facts.status[(unit.id, a.id_number, month)] = StatusRow(
                        s.case_id, s.data.get(status_f["status"]), s.data.get(status_f.get("days")),
                        float(paid) if paid is not None else None, s.data.get(status_f.get("change_date")))
                if "attendance" in sources.reports:
                    t = session.scalars(select(BatchRow).where(
                        BatchRow.item_key == sources.reports["attendance"], BatchRow.active.is_(True),
                        BatchRow.unit_id == unit.id, BatchRow.id_number == a.id_number,
                        BatchRow.month == month)).first()
                    if t is not None:
                        facts.attendance[(unit.id, a.id_number, month)] = AttendanceRow(
                            t.case_id, t.data.get(att_f.get("required_days")), t.data.get(att_f.get("attended_days")))
                for line in session.scalars(select(ClaimLine).where(
                        ClaimLine.counted.is_(True), ClaimLine.id_number == a.id_number, ClaimLine.month == month)):
                    facts.claimed[(line.id_number, line.month)] = (line.unit_id, None)
    return facts


def _measure(url, n_units, trainee_months, naive_share):
    from engine.db import make_engine, make_session_factory
    from engine.loader import default_dirs, load_catalogue
    from engine.models import Unit
    from engine.subsidy import claims
    from engine.subsidy.compute import Period, Pricing, Sources, compute_lines, totals

    _migrate(url)
    engine = make_engine(url)
    catalogue = load_catalogue(*default_dirs())
    facts = _generate(engine, catalogue, n_units, trainee_months)
    item = catalogue.item("subsidy_claim")
    scheme = catalogue.scheme("jianxi_subsidy")
    sources = Sources.of(catalogue, scheme)
    pricing = Pricing.of(catalogue, scheme, sources)
    period = Period(*PERIOD)
    factory = make_session_factory(engine)
    out = dict(facts)

    runs, lines = [], []
    for _ in range(3):
        session = factory()
        started = time.perf_counter()
        _, lines = claims.compute(session, catalogue, item, None, period, city=CITY)
        runs.append(time.perf_counter() - started)
        session.close()
    best = statistics.median(runs)
    sums = totals(lines)
    out["set_based"] = {"seconds": round(best, 2), "runs_s": [round(r, 2) for r in runs], "lines": len(lines),
                        "rows_per_s": round(len(lines) / best), "paid": sums["paid"], "by_flag": sums["by_flag"],
                        "total_yuan": sums["total_fen"] // 100}

    # The naive reading over a share of the units (same computation, same lines for those units).
    session = factory()
    sample = [u for u in session.scalars(select(Unit.id).where(Unit.city_code == CITY).order_by(Unit.id))]
    sample = sample[:max(1, int(len(sample) * naive_share))]
    session.close()
    session = factory()
    started = time.perf_counter()
    naive = naive_facts(session, sources, scheme, period, sample)
    naive_lines = compute_lines(pricing, naive, period)
    naive_s = time.perf_counter() - started
    session.close()
    session = factory()
    _, same = claims.compute(session, catalogue, item, sample, period)
    session.close()
    assert naive_lines == same, "the naive reading must give the same lines"
    out["naive_orm"] = {"units": len(sample), "seconds": round(naive_s, 2), "lines": len(naive_lines),
                        "rows_per_s": round(len(naive_lines) / naive_s)}
    out["speedup_rows_per_s"] = round(out["set_based"]["rows_per_s"] / max(1, out["naive_orm"]["rows_per_s"]), 1)

    # One unit's claim, as its page computes it.
    samples = []
    session = factory()
    for i in range(30):
        started = time.perf_counter()
        claims.compute(session, catalogue, item, [sample[i % len(sample)]], period)
        samples.append(time.perf_counter() - started)
    session.close()
    out["one_unit"] = {**_stats(samples), "lines": len(same) // max(1, len(sample))}
    engine.dispose()
    return out


def run(args) -> dict:
    n_units = 40 if args.quick else 500
    trainee_months = 5_000 if args.quick else 100_000
    share = float(os.environ.get("BENCH_SUBSIDY_NAIVE_SHARE", "0.5" if args.quick else "0.2"))
    result = on_both(lambda url, _: _measure(url, n_units, trainee_months, share), "subsidy.sqlite", "claims")
    return result
