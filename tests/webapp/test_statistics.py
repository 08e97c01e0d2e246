"""数据统计 over HTTP: a reviewer sees the figures of the jurisdiction (never a neighbouring county's), by month and
by city or county, as SVG charts over tables that are there without JavaScript; the month range is chosen and
checked (422, values kept); each figure is a workbook of the same numbers; the JSON twin matches the document;
units and people are refused, the anonymous sent to login."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from engine import clock
from engine.models import Case, Position
from tests import factories as f
from tests.data import batch_rows
from tests.openapi import assert_matches_spec
from tests.webapp.pages import soup


@pytest.fixture
def world(dbsession, catalogue, storage, clock_at):
    """On 15 April 2026: units located in 小店区 (two), 迎泽区 and 大同 (approved today), positions published,
    agreements from February and March's on-duty report (one left, one retained)."""
    s = dbsession
    clock_at(datetime(2026, 4, 15, 10, tzinfo=clock.BEIJING))
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    out = {"province": province, "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
           "yingze": f.reviewer(s, "yingze", "140106", "迎泽区审核员"),
           "xiaodian": f.reviewer(s, "xiaodian", "140105", "小店区审核员"), "admin": f.admin(s),
           "person": f.individual_account(s)}
    plan = (("a", "太原晋阳科技有限公司", "140105", 3), ("b", "太原长风软件有限公司", "140105", 1),
            ("c", "太原汾河文旅有限公司", "140106", 2), ("d", "大同云冈煤机有限公司", "140213", 2))
    for n, (key, name, county, people) in enumerate(plan):
        account = f.located_unit(s, catalogue, storage, province, name, county, mobile=f"1391234567{n}")
        f.published_position(s, catalogue, account, province, openings=n + 2, work_city=county[:4] + "00",
                             work_county=county)
        rows = f.agreement_rows(people, "2026-02-01", "2026-07-31", first=10 * n)
        f.stored_batch(s, catalogue, account, "match_report", rows)
        report = batch_rows.onduty_rows(rows, "2026-03")
        if key == "a":
            report[0]["status"], report[1]["status"] = "离岗(中止见习)", "提前留用"
        f.stored_batch(s, catalogue, account, "onduty_report", report)
        out[key] = account
    s.commit()
    return out


def signed_in(make_web, who):
    web = make_web()
    web.login(who.login_name, tab="staff" if who.role in ("reviewer", "admin") else
              ("individual" if who.role == "individual" else "unit"))
    return web


def cells(page, testid: str) -> dict[str, dict[str, str]]:
    """A table of the page: row key (month or region code) -> series -> the number shown."""
    table = soup(page).select_one(f"[data-testid={testid}]")
    return {tr.get("data-month") or tr.get("data-region"): {td["data-series"]: td.get_text(strip=True)
                                                            for td in tr.select("td")}
            for tr in table.select("tbody tr")}


def test_a_city_reviewer_sees_the_city_by_month_and_by_county(world, make_web, dbsession):
    web = signed_in(make_web, world["taiyuan"])
    page = web.app.get("/review/statistics")
    assert "太原市" in soup(page).select_one("[data-testid=scope]").get_text()
    months = cells(page, "months-units")
    assert list(months)[0] == "2025-05" and list(months)[-1] == "2026-04"       # the last 12 months by default
    # Independently: the unit applications of Taiyuan submitted this month.
    taiyuan_cases = dbsession.scalar(select(func.count()).select_from(Case).where(
        Case.item_key == "unit_application", Case.city_code == "140100", Case.submitted_at.is_not(None)))
    assert months["2026-04"] == {"applied": str(taiyuan_cases), "approved": "3"} and taiyuan_cases == 3
    regions = cells(page, "regions-units")
    assert regions["140105"] == {"applied": "2", "approved": "2"} and regions["140106"]["applied"] == "1"
    assert "140213" not in regions and "大同云冈煤机有限公司" not in page.text
    openings = dbsession.scalar(select(func.sum(Position.openings)).where(Position.city_code == "140100"))
    assert cells(page, "months-openings")["2026-04"] == {"openings": str(openings)}
    assert cells(page, "months-trainees")["2026-02"] == {"matched": "6", "on_duty": "0"}
    assert cells(page, "months-trainees")["2026-03"] == {"matched": "0", "on_duty": "4"}
    retention = cells(page, "regions-retention")["140105"]
    assert retention == {"left": "1", "retained": "1", "rate": "50.0%"}
    assert "留用率 = 留用人数 ÷（留用人数 + 离岗人数）" in page.text
    # Every figure has its charts (SVG with a title) and its export.
    for fig in soup(page).select("[data-figure]"):
        charts = fig.select("svg[role=img]")
        assert len(charts) == 2 and all(c.select_one("title").get_text() for c in charts)
        assert fig.select_one("a[data-testid^=export]")["href"].startswith("/review/statistics.xlsx?figure=")


def test_a_county_never_sees_its_neighbour(world, make_web):
    yingze = signed_in(make_web, world["yingze"]).app.get("/review/statistics")
    assert list(cells(yingze, "regions-units")) == ["140106"]
    assert cells(yingze, "months-units")["2026-04"] == {"applied": "1", "approved": "1"}
    assert cells(yingze, "months-trainees")["2026-02"]["matched"] == "2"
    xiaodian = signed_in(make_web, world["xiaodian"]).app.get("/review/statistics")
    assert cells(xiaodian, "months-trainees")["2026-02"]["matched"] == "4"
    province = signed_in(make_web, world["admin"]).app.get("/review/statistics")
    assert cells(province, "regions-units")["140100"]["applied"] == "3"
    assert cells(province, "regions-units")["140200"]["applied"] == "1"


def test_the_month_range_is_checked_and_kept(world, make_web):
    web = signed_in(make_web, world["taiyuan"])
    page = web.app.get("/review/statistics", {"from": "2026-02", "to": "2026-03"})
    assert list(cells(page, "months-units")) == ["2026-02", "2026-03"]
    bad = web.app.get("/review/statistics", {"from": "2026年13月", "to": "2026-03"}, status=422)
    assert soup(bad).select_one("#err-from").get_text(strip=True) == "月份格式应为“年-月”，如2026-03"
    assert soup(bad).select_one("#f-from")["value"] == "2026年13月"
    late = web.app.get("/review/statistics", {"from": "2026-05", "to": "2026-03"}, status=422)
    assert soup(late).select_one("#err-to").get_text(strip=True) == "结束月份不能早于开始月份"
    wide = web.app.get("/review/statistics", {"from": "2020-01", "to": "2026-03"}, status=422)
    assert soup(wide).select_one("#err-to").get_text(strip=True) == "统计范围最多36个月"
    assert soup(wide).select_one("#f-to")["value"] == "2026-03"


def test_each_figure_is_a_workbook_of_the_same_numbers(world, make_web):
    web = signed_in(make_web, world["taiyuan"])
    page = web.app.get("/review/statistics")
    link = soup(page).select_one("[data-testid=export-trainees]")["href"]
    book = openpyxl.load_workbook(io.BytesIO(web.app.get(link).body))
    months = {r[0]: r[1:] for r in book["按月"].iter_rows(min_row=3, values_only=True)}
    assert months["2026-02"] == (6, 0) and months["2026-03"] == (0, 4) and months["合计"] == (6, 4)
    regions = {r[0]: r[1:] for r in book["按地区"].iter_rows(min_row=3, values_only=True)}
    assert regions["小店区"] == (4, 2) and regions["迎泽区"] == (2, 2)
    web.app.get("/review/statistics.xlsx?figure=nothing", status=404)


def test_the_json_twin_matches_the_spec(world, make_web):
    web = signed_in(make_web, world["taiyuan"])
    body = web.api("get", "/api/review/statistics?from=2026-02&to=2026-04")
    assert_matches_spec(body)
    data = body.json
    assert data["scope"] == {"code": "140100", "label": "太原市", "breakdown": "县（市、区）"}
    units = next(x for x in data["figures"] if x["key"] == "units")
    assert units["total"] == {"applied": 3, "approved": 3}
    retention = next(x for x in data["figures"] if x["key"] == "retention")
    assert retention["total"] == {"left": 1, "retained": 1, "rate": 50.0}
    bad = web.api("get", "/api/review/statistics?from=2026-13", status=422)
    assert_matches_spec(bad)


def test_units_and_people_are_refused_and_the_anonymous_sent_to_login(world, make_web, web):
    for who in ("a", "person"):
        client = signed_in(make_web, world[who])
        for url in ("/review/statistics", "/review/statistics.xlsx?figure=units"):
            client.app.get(url, status=403)
        client.api("get", "/api/review/statistics", status=403)
    assert "/login" in web.app.get("/review/statistics", status=303).location
    web.api("get", "/api/review/statistics", status=401)


def test_once_the_workers_counted_the_page_reads_the_rollup_and_says_when(world, make_web, dbsession,
                                                                        session_factory):
    from engine.notices.jobs import run_due
    from engine.loader import default_dirs, load_catalogue

    web = signed_in(make_web, world["taiyuan"])
    before = web.app.get("/review/statistics")
    assert soup(before).select_one("[data-testid=as-of]").get_text(strip=True) == "数字为实时统计"
    ran = run_due(session_factory, load_catalogue=lambda: load_catalogue(*default_dirs()),
                  now=clock.utcnow())
    assert "statistics_rollup" in ran
    after = web.app.get("/review/statistics")
    assert soup(after).select_one("[data-testid=as-of]").get_text(strip=True).startswith("数据截至 2026-04-15 10:00")
    for testid in ("months-units", "regions-units", "months-trainees", "regions-retention", "months-openings"):
        assert cells(after, testid) == cells(before, testid)
    body = web.api("get", "/api/review/statistics")
    assert_matches_spec(body)
    assert body.json["as_of"] == "2026-04-15T10:00:00+08:00"
