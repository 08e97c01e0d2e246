"""One clock: a case submitted at 23:30 UTC on the last day of a month is a case of the next month in
Beijing, and every page, the print view and the API say the same time (engine.clock)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.models import Case
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs
from tests.openapi import assert_matches_spec
from tests.webapp.pages import check_and_submit, fresh, soup

LAST_EVENING_UTC = datetime(2026, 11, 30, 23, 30)   # stored as naive UTC
SHOWN = "2026-12-01 07:30"                           # the same instant in Beijing, as pages show it
ISO = "2026-12-01T07:30:00+08:00"                    # and as the API gives it
UTC_SHOWN = "2026-11-30 23:30"


@pytest.fixture
def last_evening(clock_at):
    """Listed before `world`, so the whole story happens on that evening."""
    clock_at(LAST_EVENING_UTC)


def _form(page):
    return next(fm for fm in page.forms.values() if "action" in fm.fields)


def _submit_post_application(web):
    form = _form(web.app.get("/items/post_application"))
    for key, value in f.post_data(position_name="夜班见习生").items():
        if key in form.fields:
            form[key] = str(value)
    done = check_and_submit(form.submit("action", value="submit")).follow()
    assert "申报成功" in done.text
    return int(re.search(r"/cases/(\d+)/done", done.request.path).group(1))


def _import_match_report(web, catalogue, position_name):
    item = catalogue.item("match_report")
    body = wbs.workbook(item, batch_rows.match_rows(2, [position_name]))
    result = web.post("/items/match_report/import", upload_files=[("file", "匹配.xlsx", body)], status=303)
    return int(re.search(r"imported=(\d+)", result.location).group(1))


def test_a_case_submitted_late_on_the_last_evening_of_a_month_is_of_the_next_month_everywhere(
        last_evening, world, make_web, catalogue, dbsession):
    unit = make_web()
    unit.login(world["unit"].login_name)
    form_id = _submit_post_application(unit)
    imported = _import_match_report(unit, catalogue, world["position"].name)
    fresh(dbsession)
    form_case = dbsession.get(Case, form_id)
    batch_case = dbsession.scalar(select(Case).where(Case.item_key == "match_report"))
    assert imported == batch_case.id
    for case in (form_case, batch_case):
        assert case.submitted_at == LAST_EVENING_UTC          # stored in UTC
        assert case.submitted_month == "2026-12"              # 申办月份 by the Beijing calendar
        assert "-202612-" in case.reference
    assert form_case.reference.startswith("JX-140100-202612-")
    assert batch_case.reference.startswith("JXPP-140100-202612-")

    # 个人中心: 申办月份 and 提交时间 of both; the December filter finds both, November neither.
    center = soup(unit.app.get("/me/cases"))
    for case in (form_case, batch_case):
        cells = [td.get_text(strip=True) for td in center.select_one(f'tr[data-case="{case.id}"]').select("td")]
        assert cells[1] == case.reference and cells[2] == "2026-12" and cells[3] == SHOWN
    december = soup(unit.app.get("/me/cases", params={"month": "2026-12"}))
    assert {int(tr["data-case"]) for tr in december.select("tbody tr")} >= {form_case.id, batch_case.id}
    november = soup(unit.app.get("/me/cases", params={"month": "2026-11"}))
    assert not {int(tr["data-case"]) for tr in november.select("tbody tr")} & {form_case.id, batch_case.id}

    # The case page's 办理记录, the print view.
    for case in (form_case, batch_case):
        detail = unit.app.get(f"/cases/{case.id}")
        history = soup(detail).select_one("[data-testid=timeline]").get_text(" ", strip=True)
        assert SHOWN in history and UTC_SHOWN not in detail.text
        assert "<dt>申办月份</dt><dd>2026-12</dd>" in detail.text
    printed = soup(unit.app.get(f"/cases/{form_case.id}/print"))
    assert printed.select_one("[data-testid=submitted-at]").get_text() == SHOWN
    assert "申办月份：2026-12" in printed.get_text()

    # The unit's API.
    listed = unit.api("GET", "/api/cases")
    assert_matches_spec(listed)
    for c in listed.json["cases"]:
        if c["id"] in (form_case.id, batch_case.id):
            assert (c["submitted_at"], c["created_at"], c["submitted_month"]) == (ISO, ISO, "2026-12")
    one = unit.api("GET", f"/api/cases/{form_case.id}")
    assert_matches_spec(one)
    assert one.json["submitted_at"] == ISO and {e["at"] for e in one.json["events"]} == {ISO}

    # The reviewer's queue (the day shown, the time in its title and datetime) and case page.
    reviewer = make_web()
    reviewer.login("taiyuan", tab="staff")
    queue = soup(reviewer.app.get("/review", params={"month": "2026-12"}))
    cell = queue.select_one(f'tr[data-case="{form_case.id}"] time')
    assert (cell.get_text(), cell["title"], cell["datetime"]) == ("2026-12-01", SHOWN, ISO)
    assert queue.select_one(f'tr[data-case="{form_case.id}"]') is not None
    assert soup(reviewer.app.get("/review", params={"month": "2026-11"})).select_one(
        f'tr[data-case="{form_case.id}"]') is None
    approved = soup(reviewer.app.get("/review", params={"state": "approved", "month": "2026-12"}))
    assert approved.select_one(f'tr[data-case="{batch_case.id}"] time')["title"] == SHOWN
    for case in (form_case, batch_case):
        page = reviewer.app.get(f"/review/cases/{case.id}")
        facts = {dt.get_text(strip=True): dt.find_next("dd").get_text(" ", strip=True)
                 for dt in soup(page).select("dl.case-facts dt")}
        assert facts["提交时间"].startswith(SHOWN)
        assert SHOWN in soup(page).select_one("[data-testid=history]").get_text(" ", strip=True)
        assert UTC_SHOWN not in page.text
    api_queue = reviewer.api("GET", "/api/review/cases", params={"month": "2026-12"})
    assert_matches_spec(api_queue)
    row = next(r for r in api_queue.json["items"] if r["id"] == form_case.id)
    assert (row["submitted_at"], row["month"]) == (ISO, "2026-12")


def test_a_claim_is_shown_and_refused_in_beijing_time(last_evening, world, make_web, catalogue, dbsession):
    from engine import review
    from engine.cases.lifecycle import submit
    case = submit(dbsession, catalogue, catalogue.item("post_application"), world["unit"], f.post_data())
    review.claims.claim(dbsession, case, world["taiyuan"])
    dbsession.commit()
    other = make_web()
    other.login("sheng", tab="staff")
    page = other.app.get(f"/review/cases/{case.id}")
    assert f"（{SHOWN}）" in soup(page).select_one("[data-testid=claim]").get_text()
    assert review.actions.why_not(dbsession, catalogue, case, "approve", world["province"]) == \
        "该申请已由太原市审核员于12-01 07:30认领，请勿重复处理"
    row = next(r for r in other.api("GET", "/api/review/cases").json["items"] if r["id"] == case.id)
    assert row["claimed_by"]["at"] == ISO
