"""缺报名单 over HTTP: a reviewer sees the units of the jurisdiction that owe a month's report (never another
city's), the item and the month are chosen and checked, the workbook holds the same rows as the page (the whole
list), the JSON twin is paged and documented; units and individuals are refused, the anonymous sent to login."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from engine import clock
from tests import factories as f
from tests.data import batch_rows
from tests.openapi import assert_matches_spec
from tests.webapp.pages import soup

ONDUTY = "onduty_report"


@pytest.fixture
def dues_world(dbsession, catalogue, storage, clock_at):
    """On 15 April 2026 (March's reports were due on the 10th): in Taiyuan a unit that reported nothing for
    March (小店区, 3 trainees), one that reported one of its two (迎泽区), one that reported all; in Datong one
    that reported nothing. Reviewers of the province, both cities and 迎泽区, an administrator, a person."""
    s = dbsession
    clock_at(datetime(2026, 4, 15, 10, tzinfo=clock.BEIJING))
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    out = {"province": province, "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
           "datong": f.reviewer(s, "datong", "140200", "大同市审核员"),
           "yingze": f.reviewer(s, "yingze", "140106", "迎泽区审核员"), "admin": f.admin(s),
           "person": f.individual_account(s)}
    plan = (("silent", "太原晋阳科技有限公司", "140105", 3, 0), ("partly", "太原汾河文旅有限公司", "140106", 2, 1),
            ("complete", "太原龙城物流有限公司", "140105", 1, 1), ("far", "大同云冈煤机有限公司", "140213", 2, 0))
    for n, (key, name, county, trainees, reported) in enumerate(plan):
        account = f.located_unit(s, catalogue, storage, province, name, county, mobile=f"1391234567{n}")
        people = f.agreement_rows(trainees, "2026-02-01", "2026-07-31", first=10 * n)
        f.stored_batch(s, catalogue, account, "match_report", people)
        if reported:
            f.stored_batch(s, catalogue, account, ONDUTY, batch_rows.onduty_rows(people[:reported], "2026-03"))
        out[key] = account
    s.commit()
    return out


def signed_in(make_web, who):
    web = make_web()
    tab = "staff" if who.role in ("reviewer", "admin") else ("individual" if who.role == "individual" else "unit")
    web.login(who.login_name, tab=tab)
    return web


def rows(page) -> list[list[str]]:
    table = soup(page).select_one("[data-testid=missing]")
    if table is None:
        return []
    return [[" ".join(td.get_text(" ", strip=True).split()) for td in tr.select("td")]
            for tr in table.select("tbody tr")]


def test_a_city_reviewer_sees_the_units_of_the_city_that_owe_the_latest_month_past_due(dues_world, make_web):
    web = signed_in(make_web, dues_world["taiyuan"])
    queue = web.app.get("/review")
    first = queue.click(href="/review/missing")   # linked from the queue: the first item with a due date
    assert soup(first).select_one("#f-item option[selected]").get_text() == "见习考勤批量上报"
    form = next(fm for fm in first.forms.values() if "item" in fm.fields)
    form["item"] = ONDUTY
    page = form.submit()
    summary = " ".join(soup(page).select_one("[data-testid=summary]").get_text(" ", strip=True).split())
    assert summary == "见习人员每月在岗情况上报 · 2026年3月 · 报送期限 2026-04-10 已逾期5天"
    assert soup(page).select_one("[data-testid=total]").get_text(" ", strip=True).startswith(
        "共 2 家：缺报 1 家，部分缺报 1 家")
    code = {k: dues_world[k].unit.credit_code for k in ("silent", "partly")}
    assert rows(page) == [
        ["太原晋阳科技有限公司", code["silent"], "太原市 小店区", "3", "0", "2026-04-10", "缺报 已逾期5天"],
        ["太原汾河文旅有限公司", code["partly"], "太原市 迎泽区", "2", "1", "2026-04-10", "部分缺报 已逾期5天"],
    ]
    assert "大同云冈煤机有限公司" not in page.text and "太原龙城物流有限公司" not in page.text
    # Only the items with a due date can be chosen.
    options = [o.get("value") for o in soup(page).select("#f-item option")]
    assert options == ["attendance_report", ONDUTY]


def test_each_reviewer_sees_their_jurisdiction_and_the_administrator_every_unit(dues_world, make_web):
    def names(who):
        return [r[0] for r in rows(signed_in(make_web, dues_world[who]).app.get(f"/review/missing?item={ONDUTY}"))]

    assert names("datong") == ["大同云冈煤机有限公司"]
    assert names("yingze") == ["太原汾河文旅有限公司"]
    assert names("province") == ["太原晋阳科技有限公司", "大同云冈煤机有限公司", "太原汾河文旅有限公司"]
    assert names("admin") == names("province")


def test_units_and_people_are_refused_and_the_anonymous_sent_to_login(dues_world, make_web, web):
    for who in ("silent", "person"):
        client = signed_in(make_web, dues_world[who])
        for url in ("/review/missing", "/review/missing.xlsx"):
            client.app.get(url, status=403)
        client.api("get", "/api/review/missing", status=403)
    assert "/login" in web.app.get("/review/missing", status=303).location
    web.api("get", "/api/review/missing", status=401)


def test_the_month_and_the_item_are_chosen_and_checked(dues_world, make_web):
    web = signed_in(make_web, dues_world["taiyuan"])
    april = web.app.get(f"/review/missing?item={ONDUTY}&month=2026-04")
    # 10 May 2026 is a Sunday: April's report is due on Monday the 11th, not yet passed.
    assert "报送期限 2026-05-11 未到期" in " ".join(soup(april).select_one("[data-testid=summary]").get_text(" ").split())
    assert [r[-1] for r in rows(april)] == ["缺报 未到期"] * 3     # nobody reported April yet
    typed = web.app.get("/review/missing", {"item": "match_report", "month": "2026年13月"})
    assert soup(typed).select_one("#err-item").get_text(strip=True) == "请选择有报送期限的事项"
    assert soup(typed).select_one("#err-month").get_text(strip=True) == "月份格式应为“年-月”，如2026-03"
    assert soup(typed).select_one("#f-month")["value"] == "2026年13月"          # kept as typed
    assert soup(typed).select_one("#f-item option[selected]")["value"] == "attendance_report"   # the defaults
    assert len(rows(typed)) == 3 and "2026年3月" in soup(typed).select_one("[data-testid=summary]").get_text()
    attendance = web.app.get("/review/missing", {"item": "attendance_report", "month": "2026年3月"})
    assert soup(attendance).select_one("#f-month")["value"] == "2026-03"
    # Nobody made an attendance report: all three 缺报, by county (小店区 before 迎泽区), then name.
    assert [r[0] for r in rows(attendance)] == ["太原晋阳科技有限公司", "太原龙城物流有限公司", "太原汾河文旅有限公司"]


def test_the_workbook_holds_the_rows_of_the_page_all_of_them(dues_world, make_web):
    web = signed_in(make_web, dues_world["province"])
    page = web.app.get(f"/review/missing?item={ONDUTY}&month=2026-03&per_page=2")
    assert len(rows(page)) == 2 and soup(page).select_one("nav.pager") is not None
    whole = [r for n in (1, 2)
             for r in rows(web.app.get(f"/review/missing?item={ONDUTY}&month=2026-03&per_page=2&page={n}"))]
    export = page.click(href="/review/missing.xlsx")
    assert export.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "missing-onduty_report-2026-03.xlsx" in export.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(export.body)).active
    cells = [[("" if v is None else str(v)) for v in r] for r in ws.iter_rows(values_only=True)]
    assert cells[0] == ["单位名称", "统一社会信用代码", "业务办理归属地", "在册见习人员", "已上报", "报送期限", "状态"]
    assert [[c.replace("，", " ") for c in r] for r in cells[1:]] == whole and len(whole) == 3


def test_a_unit_name_that_looks_like_a_formula_stays_text_in_the_workbook(dues_world, make_web, dbsession):
    dues_world["far"].unit.name = "=HYPERLINK(\"http://evil.example\",\"点此\")"
    dbsession.commit()
    export = signed_in(make_web, dues_world["datong"]).app.get(f"/review/missing.xlsx?item={ONDUTY}")
    ws = openpyxl.load_workbook(io.BytesIO(export.body)).active
    assert ws["A2"].value == "'=HYPERLINK(\"http://evil.example\",\"点此\")" and ws["A2"].data_type == "s"


def test_the_json_twin_is_paged_and_documented(dues_world, make_web):
    web = signed_in(make_web, dues_world["taiyuan"])
    res = web.api("get", f"/api/review/missing?item={ONDUTY}&per_page=1", status=200)
    assert_matches_spec(res)
    body = res.json
    assert (body["item"], body["month"], body["due_on"], body["overdue_days"]) == (ONDUTY, "2026-03", "2026-04-10", 5)
    assert (body["total"], body["pages"], body["per_page"], body["counts"]) == (2, 2, 1, {"missing": 1, "partly": 1})
    (first,) = body["items"]
    assert first["unit"]["name"] == "太原晋阳科技有限公司" and first["region"] == "太原市 小店区"
    assert (first["trainees"], first["reported"], first["status"], first["label"]) == (3, 0, "missing", "缺报，已逾期5天")
    second = web.api("get", f"/api/review/missing?item={ONDUTY}&per_page=1&page=2", status=200).json["items"]
    assert [r["status"] for r in second] == ["partly"]
    for query, field in (("item=match_report", "item"), ("month=2026-13", "month"), ("page=0", "page")):
        refused = web.api("get", f"/api/review/missing?{query}", status=422)
        assert_matches_spec(refused)
        assert [e["field"] for e in refused.json["errors"]] == [field]
