"""engine.ratings.stats: every count of the administrators' page against counts made here from the rows."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

from sqlalchemy import select

from engine import clock
from engine.models import Case, Rating, RatingFollowup
from engine.ratings import scale, stats
from tests import factories as f

PLACES = [("140100", "140105"), ("140100", "140106"), ("140200", "140213"), ("140400", None)]
MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11"]


def world(s, catalogue, n=120, seed=20261001):
    """n ratings of cases of every item, spread over places and months, levels at random."""
    rnd = random.Random(seed)
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    items = list(catalogue.items.values())
    for i in range(n):
        item = rnd.choice(items)
        city, county = rnd.choice(PLACES)
        case = Case(item_key=item.key, definition_version=item.version, workflow_key=catalogue.workflow_for(item).key,
                    state="approved",
                    unit_id=unit.unit_id, account_id=unit.id, city_code=city, county_code=county,
                    submitted_at=clock.utcnow(), data={}, version=1)
        s.add(case)
        s.flush()
        month = rnd.choice(MONTHS)
        scores = {d.key: rnd.choice(scale.SCORES) for d in scale.ALL}
        at = clock.from_beijing(datetime(int(month[:4]), int(month[5:]), rnd.randint(1, 28), rnd.randint(0, 23)))
        rating = Rating(case_id=case.id, item_key=item.key, account_id=unit.id, unit_id=unit.unit_id,
                        city_code=city, county_code=county, **scores, bad=scale.is_bad(scores),
                        comment="原因" if scale.is_bad(scores) else None, rated_at=at, rated_month=month)
        s.add(rating)
        s.flush()
        if rating.bad and i % 2:
            s.add(RatingFollowup(rating_id=rating.id, case_id=case.id, city_code=city, county_code=county,
                                 deadline_on=clock.today(), opened_at=at))
    s.commit()


def expected(rows, key, level="overall"):
    out: dict = {}
    for r in rows:
        out.setdefault(key(r), Counter())[getattr(r, level)] += 1
    return out


def as_counts(tallies):
    return {t.key: Counter({s: n for s, n in t.counts.items() if n}) for t in tallies}


def check(s, catalogue, query):
    rows = [r for r in s.scalars(select(Rating)) if
            (not query.month_from or r.rated_month >= query.month_from) and
            (not query.month_to or r.rated_month <= query.month_to) and
            (not query.item or r.item_key == query.item)]
    got = stats.statistics(s, catalogue, query)
    assert got.overall.total == len(rows)
    satisfied = sum(1 for r in rows if r.overall >= 3)
    assert got.overall.satisfied == satisfied
    assert got.overall.rate == (satisfied / len(rows) if rows else None)
    for tally in got.dimensions:
        assert Counter(tally.counts) == Counter(getattr(r, tally.key) for r in rows), tally.label
    assert as_counts(got.by_item) == expected(rows, lambda r: r.item_key)
    assert as_counts(got.by_city) == expected(rows, lambda r: r.city_code)
    assert as_counts(got.by_month) == expected(rows, lambda r: r.rated_month)
    if query.city:
        assert as_counts(got.by_county) == expected([r for r in rows if r.city_code == query.city],
                                                    lambda r: r.county_code)
    bad = sorted((r for r in rows if any(getattr(r, d.key) <= 2 for d in scale.ALL)),
                 key=lambda r: (r.rated_at, r.id), reverse=True)
    assert got.bad_page.total == len(bad)
    assert [b.rating.id for b in got.bad] == [r.id for r in bad[:stats.BAD_PER_PAGE]]
    return got


def test_every_count_matches_the_rows(dbsession, catalogue):
    s = dbsession
    world(s, catalogue)
    got = check(s, catalogue, stats.StatsQuery())
    assert got.overall.total == 120 and got.by_month[0].key == "2026-08"
    check(s, catalogue, stats.StatsQuery(month_from="2026-09", month_to="2026-10"))
    check(s, catalogue, stats.StatsQuery(item="unit_application", city="140100"))
    county = check(s, catalogue, stats.StatsQuery(city="140400"))
    assert [t.label for t in county.by_county] == [stats.UNPLACED]
    assert check(s, catalogue, stats.StatsQuery(month_from="2027-01")).overall.rate is None


def test_the_bad_list_shows_each_follow_ups_status(dbsession, catalogue):
    s = dbsession
    world(s, catalogue, n=40)
    got = stats.statistics(s, catalogue, stats.StatsQuery())
    with_followup = {r.rating_id for r in s.scalars(select(RatingFollowup))}
    assert got.bad and {b.rating.id for b in got.bad if b.followup} == with_followup & {b.rating.id for b in got.bad}
    assert all(b.followup["status"] == "open" for b in got.bad if b.followup)
    page2 = stats.statistics(s, catalogue, stats.StatsQuery(page=2))
    assert page2.bad_page.number == min(2, page2.bad_page.pages)


def test_filters_as_typed(catalogue):
    q, errors = stats.StatsQuery.from_params({"month_from": "2026年10月", "month_to": "2026-09", "item": "x",
                                              "city": "140105"}, catalogue)
    assert q == stats.StatsQuery(month_from="2026-10")
    assert errors == {"month_to": "截止月份不能早于起始月份", "item": "没有这个事项", "city": "请选择山西省的地市"}
    q, errors = stats.StatsQuery.from_params({"month_from": "十月"}, catalogue)
    assert errors == {"month_from": "起始月份应为“年-月”，如2026-10"} and q.month_from == ""
