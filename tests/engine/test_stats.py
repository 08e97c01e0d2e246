"""engine.stats: every figure of 数据统计 equals a count made independently in plain Python over the rows this
test wrote (two cities, three counties, several months, rows inside and outside the period); the scope of a
county, a city and the province; the month range as typed."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from engine import clock
from engine.errors import AccessDenied
from engine.models import BatchRow, Case, Intent, Position, SubsidyClaim
from engine.stats.figures import SPECS, retention_rate, statistics
from engine.stats.period import Period
from tests import factories as f

TODAY = date(2026, 6, 20)
PERIOD = Period("2026-01", "2026-06")
MONTHS = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
PLACES = [("140100", "140105"), ("140100", "140106"), ("140200", "140212")]
STATUSES = ["在岗", "离岗(中止见习)", "提前留用", "见习期满", "期满留用"]


def _utc(month: str, day: int, hour: int) -> datetime:
    return datetime(int(month[:4]), int(month[5:]), day, hour)


@pytest.fixture
def world(dbsession, catalogue):
    """Random rows of every source, and what each figure should be (computed from the same facts)."""
    s, rnd = dbsession, random.Random(20261202)
    units = []
    for n, (city, county) in enumerate(PLACES * 2):
        account = f.unit_account(s, name=f"统计测试第{n}有限公司")
        account.unit.city_code, account.unit.county_code = city, county
        units.append(account)
    s.flush()
    facts = []   # (figure, series, month, city, county, amount)

    def case(account, item_key, wf, state, month, place, submitted=True, **over):
        c = Case(item_key=item_key, definition_version=1, workflow_key=wf, state=state, unit_id=account.unit_id,
                 account_id=account.id, city_code=place[0], county_code=place[1], data={},
                 submitted_month=month if submitted else None,
                 submitted_at=_utc(month, 10, 3) if submitted else None, **over)
        s.add(c)
        return c

    for _ in range(60):   # unit applications, drafts and change applications among them
        account, place, month = rnd.choice(units), rnd.choice(PLACES), rnd.choice(MONTHS)
        state, submitted = rnd.choice(["submitted", "approved", "rejected", "returned"]), rnd.random() > 0.15
        c = case(account, "unit_application", "review", state if submitted else "draft", month, place, submitted)
        if submitted:
            facts.append(("units", "applied", month, *place, 1))
            if state == "approved":
                facts.append(("units", "approved", month, *place, 1))
        if rnd.random() < 0.1:   # a change application: not a unit applying
            s.flush()
            case(account, "unit_application", "review", "approved", month, place, change_of=c.id)
    s.flush()
    positions = []
    for i in range(40):
        place, month = rnd.choice(PLACES), rnd.choice(MONTHS)
        # Published just after midnight Beijing time on the 1st is still the previous day in UTC.
        at = _utc(month, 1, 0) - timedelta(hours=rnd.choice([0, 9])) + timedelta(hours=1)
        beijing = clock.month_of(clock.to_beijing(at).date())
        post = case(units[0], "post_application", "review", "approved", "2026-01", place)
        s.flush()
        p = Position(case_id=post.id, unit_id=units[0].unit_id, name="见习生", openings=rnd.randint(1, 9),
                     period_months=6, allowance=2000, city_code=place[0], county_code=place[1], published_at=at)
        s.add(p)
        positions.append((p, beijing))
        facts.append(("positions", "published", beijing, *place, 1))
        facts.append(("openings", "openings", beijing, *place, p.openings))
    s.flush()
    people = [f.individual_account(s, name=f"求职者{n}", id_no=f.new_id_number()) for n in range(4)]
    s.flush()
    seen = set()
    for _ in range(50):
        (p, _m), person, month = rnd.choice(positions), rnd.choice(people), rnd.choice(MONTHS)
        if (p.id, person.id) in seen:
            continue
        seen.add((p.id, person.id))
        withdrawn = rnd.random() < 0.2
        s.add(Intent(position_id=p.id, account_id=person.id, created_at=_utc(month, 15, 2),
                     withdrawn_at=_utc(month, 16, 2) if withdrawn else None))
        if not withdrawn:
            facts.append(("intents", "intents", month, p.city_code, p.county_code, 1))
    batch = case(units[0], "match_report", "batch", "approved", "2026-01", PLACES[0])
    s.flush()
    for n in range(120):
        account, month = rnd.choice(units), rnd.choice(MONTHS)
        unit, active = account.unit, rnd.random() > 0.1
        place = (unit.city_code, unit.county_code)
        if n % 2:
            start = date(int(month[:4]), int(month[5:]), rnd.randint(1, 28))
            s.add(BatchRow(case_id=batch.id, item_key="match_report", unit_id=unit.id, row_number=n, row_key=str(n),
                           id_number=f"P{n}", start_date=start, end_date=start + timedelta(days=180), active=active,
                           data={}))
            if active:
                facts.append(("trainees", "matched", month, *place, 1))
        else:
            status = rnd.choice(STATUSES)
            s.add(BatchRow(case_id=batch.id, item_key="onduty_report", unit_id=unit.id, row_number=n,
                           row_key=str(n), id_number=f"P{n}", month=month, active=active, data={"status": status}))
            if active:
                series = {"在岗": ("trainees", "on_duty"), "提前留用": ("retention", "retained"),
                          "期满留用": ("retention", "retained")}.get(status, ("retention", "left"))
                facts.append((*series, month, *place, 1))
    for _ in range(30):
        account, place, month = rnd.choice(units), rnd.choice(PLACES), rnd.choice(MONTHS)
        state = rnd.choice(["draft", "county_review", "city_review", "publicity", "payable", "paid", "rejected"])
        submitted = state != "draft"
        c = case(account, "subsidy_claim", "claim_review", state, month, place, submitted)
        s.flush()
        fen = rnd.randint(0, 500_000)
        s.add(SubsidyClaim(case_id=c.id, unit_id=account.unit_id, scheme_key="jianxi_subsidy", scheme_versions={},
                           period_from="2026-01", period_to="2026-01", total_fen=fen))
        if submitted:
            for series, ok in (("claimed", True), ("approved", state in ("publicity", "payable", "paid")),
                               ("paid", state == "paid")):
                if ok:
                    facts.append(("claims", series, month, *place, 1))
                    facts.append(("amounts", series, month, *place, fen))
    for _ in range(40):   # clocks: running past or before the deadline, met, missed, paused
        place, month = rnd.choice(PLACES), rnd.choice(MONTHS)
        clk = rnd.choice(["running", "met", "missed", "paused"])
        due = TODAY + timedelta(days=rnd.choice([-3, -1, 0, 2]))
        c = case(units[1], "post_application", "review", "submitted", month, place, clock=clk,
                 deadline_on=due if clk == "running" else None)
        if clk == "missed" or (clk == "running" and due < TODAY):
            facts.append(("overdue", "overdue", month, *place, 1))
    s.commit()
    return facts


def expected(facts, scope: str):
    """figure -> (by month, by region, total) as Counters of (series, key), from the facts alone."""
    out = {}
    for fig, series, month, city, county, amount in facts:
        if not (scope == "140000" or scope in (city, county)) or not ("2026-01" <= month <= "2026-06"):
            continue
        region = city if scope == "140000" else county
        by_month, by_region, total = out.setdefault(fig, (Counter(), Counter(), Counter()))
        by_month[(series, month)] += amount
        by_region[(series, region)] += amount
        total[series] += amount
    return out


@pytest.mark.parametrize("scope", ["140000", "140100", "140106"])
def test_every_figure_equals_an_independent_count(dbsession, catalogue, world, scope):
    viewer = f.admin(dbsession) if scope == "140000" else f.reviewer(dbsession, "stat_" + scope, scope)
    stats = statistics(dbsession, catalogue, viewer, PERIOD, TODAY)
    want = expected(world, scope)
    assert [fig.key for fig in stats.figures] == [s.key for s in SPECS]
    for fig in stats.figures:
        by_month, by_region, total = want.get(fig.key, (Counter(), Counter(), Counter()))
        for key, _label in fig.spec.series:
            if key == "rate":
                continue
            assert {m: fig.by_month[m][key] for m in PERIOD.months} == {m: by_month[(key, m)] for m in PERIOD.months}, (fig.key, key)
            assert {r.code: fig.by_region[r.code][key] for r in fig.regions} == \
                {r.code: by_region[(key, r.code)] for r in fig.regions}, (fig.key, key)
            assert fig.total[key] == total[key], (fig.key, key)
            assert sum(by_region.get((key, r), 0) for r in {c for (k, c) in by_region if k == key}) == total[key]
    ret = stats.figure("retention")
    assert ret.total["rate"] == retention_rate(ret.total["retained"], ret.total["left"])
    assert stats.figure("units").total["applied"] > 0 and stats.figure("amounts").total["paid"] >= 0


def test_the_scope_is_the_jurisdiction_and_its_bars(dbsession, catalogue, world):
    s = dbsession
    province = statistics(s, catalogue, f.admin(s), PERIOD, TODAY)
    assert [r.code for r in province.figures[0].regions][:2] == ["140100", "140200"] and province.breakdown == "城市"
    city = statistics(s, catalogue, f.reviewer(s, "ty", "140100"), PERIOD, TODAY)
    assert {r.code for r in city.figures[0].regions} >= {"140105", "140106"} and "140212" not in \
        {r.code for r in city.figures[0].regions}
    county = statistics(s, catalogue, f.reviewer(s, "yz", "140106"), PERIOD, TODAY)
    assert [r.code for r in county.figures[0].regions] == ["140106"]
    # A county sees nothing of its neighbour: its figures are those of its own rows only.
    neighbour = statistics(s, catalogue, f.reviewer(s, "xd", "140105"), PERIOD, TODAY)
    for key in ("units", "positions", "claims"):
        a, b, c = (x.figure(key).total for x in (county, neighbour, city))
        assert all(a[k] + b[k] <= c[k] for k in a)
    with pytest.raises(AccessDenied):
        statistics(s, catalogue, f.unit_account(s, name="看统计的单位"), PERIOD, TODAY)


def test_the_month_range_as_typed():
    assert Period.from_params({}, "2026-06")[0].months[0] == "2025-07"
    assert len(Period.from_params({}, "2026-06")[0].months) == 12
    period, errors = Period.from_params({"from": "2026年1月", "to": "2026-03"}, "2026-06")
    assert (period.first, period.last, errors) == ("2026-01", "2026-03", {})
    period, errors = Period.from_params({"from": "2026-13", "to": "2026-03"}, "2026-06")
    assert errors == {"from": "月份格式应为“年-月”，如2026-03"} and period.typed_from == "2026-13"
    assert (period.first, period.last) == ("2025-07", "2026-06")
    assert Period.from_params({"from": "2026-05", "to": "2026-03"}, "2026-06")[1] == {"to": "结束月份不能早于开始月份"}
    assert Period.from_params({"from": "2020-01", "to": "2026-03"}, "2026-06")[1] == {"to": "统计范围最多36个月"}
    assert len(Period.from_params({"from": "2023-04", "to": "2026-03"}, "2026-06")[0].months) == 36


@pytest.mark.parametrize("scope", ["140000", "140100", "140106"])
def test_the_rollup_gives_the_same_figures_and_says_when(dbsession, catalogue, world, scope):
    from engine.notices.jobs import JOBS
    from engine.stats.rollup import current, refresh

    s = dbsession
    viewer = f.admin(s) if scope == "140000" else f.reviewer(s, "roll_" + scope, scope)
    live = current(s, catalogue, viewer, PERIOD)
    assert live.as_of is None                          # before the first run: counted from the rows
    at = datetime(2026, 6, 20, 1, 0)
    assert refresh(s, catalogue, at, TODAY) > 0
    s.commit()
    rolled = current(s, catalogue, viewer, PERIOD)
    assert rolled.as_of == at
    live = statistics(s, catalogue, viewer, PERIOD, TODAY)
    for a, b in zip(live.figures, rolled.figures):
        assert (a.by_month, a.by_region, a.total) == (b.by_month, b.by_region, b.total), a.key
        assert [r.code for r in a.regions] == [r.code for r in b.regions]
    assert "statistics_rollup" in JOBS


def test_a_count_chart_has_whole_number_gridlines():
    import re
    from types import SimpleNamespace
    from engine.stats import svg
    fig = SimpleNamespace(spec=SimpleNamespace(kind="count", title="见习单位"), chart_series=[("applied", "申请单位")],
                          months=["2026-03", "2026-04"], by_month={"2026-03": {"applied": 0}, "2026-04": {"applied": 2}})
    labels = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg.month_lines(fig))
    assert labels == ["0", "1", "2"]
