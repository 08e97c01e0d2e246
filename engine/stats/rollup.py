"""数据统计 from a rollup: every figure's groups (engine.stats.figures.groups over the whole province and every
month) recounted by the workers' `statistics_rollup` job into `stats_rollup`, in one transaction (delete, then
insert), so a reader sees one whole count or the one before. The page reads the rollup once it exists, saying
数据截至 its time; before the first run (a deployment without workers) it counts from the rows.

The figures are exact as of that time: the same queries over the same rows, summed the same way (a test
compares the two)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select

from engine import access, clock
from engine.models import StatsRollup
from engine.notices.jobs import JobContext, periodic
from engine.regions import PROVINCE, load_regions
from engine.stats.figures import Statistics, assemble, groups, statistics
from engine.stats.period import Period

EVERY = timedelta(minutes=10)
COUNTY_LEVEL, CITY_LEVEL = "county", "city"   # the rows a city or county reads; the rows the province reads
ALL_MONTHS = Period("1990-01", "2999-12")   # every month a row can have (the page allows 2000-2999)


def refresh(session, catalogue, now: datetime | None = None, today: date | None = None) -> int:
    """Recount the rollup from the rows (the caller commits); how many groups it holds."""
    now = now or clock.utcnow()
    province = load_regions().province.code
    merged: dict[tuple, int] = defaultdict(int)
    today = today or clock.to_beijing(now).date()
    for key, month, city, county, values in groups(session, catalogue, province, ALL_MONTHS, today):
        for series, v in values.items():
            merged[(COUNTY_LEVEL, key, series, month, city, county)] += int(v or 0)
            merged[(CITY_LEVEL, key, series, month, city, None)] += int(v or 0)
    session.execute(delete(StatsRollup))
    rows = [{"level": lv, "figure": k, "series": se, "month": m, "city_code": c, "county_code": n, "value": v,
             "computed_at": now} for (lv, k, se, m, c, n), v in merged.items() if v]   # a missing row is a 0
    for chunk in range(0, len(rows), 1000):
        session.execute(StatsRollup.__table__.insert(), rows[chunk:chunk + 1000])
    return len(rows)


def counted_at(session) -> datetime | None:
    """When the rollup was counted (every row of one count has the same time), or None before the first."""
    return session.scalar(select(StatsRollup.computed_at).limit(1))


def from_rollup(session, account, period: Period, as_of: datetime) -> Statistics:
    scope = access.check_statistics_scope(account)
    level = CITY_LEVEL if access.level_of(scope) == PROVINCE else COUNTY_LEVEL
    found = session.execute(
        select(StatsRollup.figure, StatsRollup.month, StatsRollup.city_code, StatsRollup.county_code,
               StatsRollup.series, StatsRollup.value)
        .where(StatsRollup.level == level, StatsRollup.month.between(period.first, period.last),
               access.jurisdiction_clause(scope, StatsRollup.city_code, StatsRollup.county_code))).all()
    return assemble(scope, period, ((k, m, c, n, {se: v}) for k, m, c, n, se, v in found), as_of)


def current(session, catalogue, account, period: Period) -> Statistics:
    """What the page shows: the rollup when the workers have counted one, else the rows counted now."""
    as_of = counted_at(session)
    if as_of is None:
        return statistics(session, catalogue, account, period)
    return from_rollup(session, account, period, as_of)


@periodic("statistics_rollup", every=EVERY)
def statistics_rollup(ctx: JobContext) -> None:
    refresh(ctx.session, ctx.catalogue, ctx.now.replace(tzinfo=None) if ctx.now else None)
