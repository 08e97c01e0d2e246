"""办理时限 over HTTP: a case submitted before the 2026 Spring Festival (调休 Saturdays), a year the package does
not know entered on the admin page, the clock stopped on return and restarted on resubmission, the queue by
deadline with 即将超期/已超期, and the supervisors' 超期督办."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine import clock
from engine.models import AuditEntry, CalendarDay, Case
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import check_and_submit, confirm, fresh, soup, the_form


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


@pytest.fixture
def staff(dbsession):
    s = dbsession
    out = {"province": f.reviewer(s, "sheng", "140000", "省级审核员"),
           "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
           "xiaodian": f.reviewer(s, "xiaodian", "140105", "小店区审核员"),
           "admin": f.admin(s)}
    s.commit()
    return out


def apply_on_page(make_web, dbsession, catalogue, name, county="140105", city="140100"):
    """A unit registers and submits its unit application on the form page, files attached; returns (web, case id)."""
    fresh(dbsession)   # after reading what the app committed, a write must start a new transaction
    account = f.unit_account(dbsession, name=name, mobile="13612345601")
    dbsession.commit()
    web = make_web()
    web.login(account.login_name)
    form = the_form(web.app.get("/items/unit_application"))
    for key, value in f.unit_application_data(name, city=city, county=county).items():
        form[key] = str(value)
    for spec in catalogue.item("unit_application").attachments:
        form[f"file_{spec['slot']}"] = (f"{spec['slot']}.pdf", f.PDF)
    done = check_and_submit(form.submit("action", value="submit")).follow()
    return web, int(re.search(r"/cases/(\d+)/done", done.request.path).group(1))


def signed_in(make_web, login, tab="staff"):
    web = make_web()
    web.login(login, tab=tab)
    return web


def deadline_text(page) -> str:
    return soup(page).select_one("[data-testid=deadline]").get_text(" ", strip=True)


def test_a_case_submitted_before_the_spring_festival_shows_its_deadline_everywhere(make_web, dbsession, catalogue,
                                                                                  staff, clock_at):
    clock_at(bj(2026, 2, 13))   # Friday before 春节 2026: 15-23 February off, Saturdays 14 and 28 worked
    unit, case_id = apply_on_page(make_web, dbsession, catalogue, "晋阳智能科技有限公司")
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "剩余10个工作日 期限 2026-03-05"
    row = soup(unit.app.get("/me/cases")).select_one(f"tr[data-case='{case_id}'] [data-testid=deadline]")
    assert row.get_text(" ", strip=True) == "剩余10个工作日 期限 2026-03-05"
    api = unit.api("get", f"/api/cases/{case_id}")
    assert_matches_spec(api)
    assert api.json["deadline"] == {"clock": "running", "level": "normal", "deadline_on": "2026-03-05",
                                    "remaining_workdays": 10, "overdue_workdays": None, "label": "剩余10个工作日"}
    listing = unit.api("get", "/api/cases")
    assert_matches_spec(listing)
    assert listing.json["cases"][0]["deadline"]["deadline_on"] == "2026-03-05"
    # Mid-holiday only the 调休 Saturday has been used; in the last two working days it turns yellow.
    clock_at(bj(2026, 2, 20))
    reviewer = signed_in(make_web, "xiaodian")
    assert deadline_text(reviewer.app.get(f"/review/cases/{case_id}")) == "剩余9个工作日 期限 2026-03-05"
    clock_at(bj(2026, 3, 4))
    badge = soup(reviewer.app.get(f"/review/cases/{case_id}")).select_one("[data-testid=deadline] .deadline")
    assert (badge.get_text(), badge["class"]) == ("即将超期：剩余1个工作日", ["deadline", "deadline-warning"])
    clock_at(bj(2026, 3, 6))
    badge = soup(unit.app.get(f"/cases/{case_id}")).select_one("[data-testid=deadline] .deadline")
    assert (badge.get_text(), badge["class"]) == ("已超期1个工作日", ["deadline", "deadline-overdue"])


def test_a_year_the_package_does_not_know_is_entered_on_the_admin_page(make_web, dbsession, catalogue, staff,
                                                                       clock_at):
    clock_at(bj(2026, 11, 20))
    admin = signed_in(make_web, "admin")
    home = admin.app.get("/admin")
    assert "工作日历尚无2027年的节假日安排" in soup(home).select_one("[data-testid=calendar-missing]").get_text()
    page = admin.app.get("/admin/calendar?year=2027&month=2")
    assert "2027年的节假日安排尚未内置" in page.text
    assert not soup(page).select("[data-testid=special] tbody tr")

    def post(**fields):
        return admin.post("/admin/calendar", {"action": "set", "year": "2027", "month": "2", **fields}, status="*")

    # Bad input: every problem by its field, and nothing saved.
    bad = post(start="2027-02-30", end="", kind="", note="春" * 41)
    assert bad.status_int == 422
    errors = {p["id"]: p.get_text() for p in soup(bad).select("p.field-error")}
    assert errors == {"err-start": "日期格式应为“年-月-日”，如2027-02-06", "err-kind": "请选择该日放假还是上班",
                      "err-note": "备注不能超过40个字"}
    assert post(start="2027-02-13", end="2027-02-05", kind="holiday").status_int == 422
    too_long = post(start="2027-01-01", end="2027-03-01", kind="holiday")
    assert "一次最多设置31天，请分段录入" in soup(too_long).select_one("#err-end").get_text()
    fresh(dbsession)
    assert dbsession.scalars(select(CalendarDay)).all() == []
    # An arrangement as an administrator types it: 5-13 February off, Saturday 20 February worked.
    done = post(start="2027-02-05", end="2027-02-13", kind="holiday", note="春节")
    assert done.status_int == 303
    assert "已将2027-02-05至2027-02-13（9天）设为放假" in done.follow().text
    assert post(start="2027-02-20", kind="workday", note="调休（春节）").status_int == 303
    page = admin.app.get("/admin/calendar?year=2027&month=2")
    rows = [(r["data-day"], r["data-source"], [td.get_text(strip=True) for td in r.select("td")][2:5])
            for r in soup(page).select("[data-testid=special] tbody tr")]
    assert rows[0] == ("2027-02-05", "admin", ["放假", "春节", "管理员设置"])
    assert rows[-1] == ("2027-02-20", "admin", ["上班", "调休（春节）", "管理员设置"])
    assert len(rows) == 10
    cell = soup(page).select_one("td[data-day='2027-02-20']").get_text(" ", strip=True)
    assert cell == "20 班 调休（春节） 管理员设置"
    # 2026 comes from the package: 春节 and its 调休 Saturdays, marked 内置.
    builtin = soup(admin.app.get("/admin/calendar?year=2026&month=2")).select_one(
        "[data-testid=special] tr[data-day='2026-02-14']")
    assert [td.get_text(strip=True) for td in builtin.select("td")][2:5] == ["上班", "调休上班（春节）", "内置"]

    # A unit submits on Thursday 4 February 2027: the ten working days skip the holiday and use the Saturday.
    clock_at(bj(2027, 2, 4))
    unit, case_id = apply_on_page(make_web, dbsession, catalogue, "晋中文旅有限公司")
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "剩余10个工作日 期限 2027-02-25"
    # Removing a row puts the day back (a Saturday again: the deadline of a new case moves a day).
    page = admin.app.get("/admin/calendar?year=2027&month=2")
    remove = next(fm for fm in page.forms.values() if fm.fields.get("day") and fm["day"].value == "2027-02-20")
    assert "已删除2027-02-20的管理员设置" in remove.submit().follow().text
    assert admin.post("/admin/calendar", {"action": "remove", "day": "2027-02-20"}, status=422)
    _, later = apply_on_page(make_web, dbsession, catalogue, "太谷农业有限公司")
    fresh(dbsession)
    assert str(dbsession.get(Case, later).deadline_on) == "2027-02-26"
    audit = admin.app.get("/admin/audit?kind=admin")
    text = soup(audit).get_text(" ", strip=True)
    assert "设置工作日历" in text and "删除工作日历设置" in text and "放假（春节），共9天" in text
    assert [e.action for e in dbsession.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.action.startswith("calendar")] == ["calendar_set", "calendar_set", "calendar_remove"]


def test_a_return_stops_the_clock_and_the_resubmission_starts_a_new_one(make_web, dbsession, catalogue, staff,
                                                                        clock_at):
    clock_at(bj(2026, 3, 2))
    unit, case_id = apply_on_page(make_web, dbsession, catalogue, "晋阳智能科技有限公司")
    reviewer = signed_in(make_web, "xiaodian")
    clock_at(bj(2026, 3, 4))
    assert confirm(reviewer, case_id, "return_for_correction", reason="信息填写有误").status_int == 303
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "已退回，暂停计时"
    row = soup(unit.app.get("/me/cases")).select_one(f"tr[data-case='{case_id}'] [data-testid=deadline]")
    assert row.get_text(strip=True) == "已退回，暂停计时"
    assert deadline_text(reviewer.app.get(f"/review/cases/{case_id}")) == "已退回，暂停计时"
    returned = reviewer.api("get", "/api/review/cases?state=returned").json["items"][0]["deadline"]
    assert (returned["clock"], returned["deadline_on"], returned["label"]) == ("paused", None, "已退回，暂停计时")
    # Resubmitted on Monday 9 March: a new clock of ten working days.
    clock_at(bj(2026, 3, 9))
    form = the_form(unit.app.get(f"/cases/{case_id}/edit"))
    form["bank_account_confirm"] = form["bank_account"].value
    check_and_submit(form.submit("action", value="submit")).follow()
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "剩余10个工作日 期限 2026-03-23"
    fresh(dbsession)
    assert dbsession.get(Case, case_id).clock_round == 2


@pytest.fixture
def waiting(make_web, dbsession, catalogue, staff, clock_at):
    """Three 太原 cases due 16, 23 and 25 March 2026 and one of 大同 due 23 March, seen on 19 March."""
    out = {}
    for key, day, county, city in (("first", 2, "140105", "140100"), ("second", 9, "140106", "140100"),
                                   ("third", 11, "140105", "140100"), ("datong", 9, "140213", "140200")):
        clock_at(bj(2026, 3, day))
        out[key] = apply_on_page(make_web, dbsession, catalogue, f"{key}科技有限公司", county, city)[1]
    clock_at(bj(2026, 3, 19))
    return out


def queue_rows(page):
    return [(int(tr["data-case"]), tr.select_one("[data-testid=deadline] .deadline").get_text())
            for tr in soup(page).select("table.queue tbody tr")]


def test_the_queue_sorts_by_deadline_and_filters_the_warning_and_overdue_ones(make_web, waiting):
    w = waiting
    taiyuan = signed_in(make_web, "taiyuan")
    page = taiyuan.app.get("/review?order=deadline")
    assert queue_rows(page) == [(w["first"], "已超期3个工作日"), (w["second"], "即将超期：剩余2个工作日"),
                                (w["third"], "剩余4个工作日")]
    chips = {a["data-testid"]: a.get_text(strip=True) for a in soup(page).select(".deadline-chips a[data-testid]")}
    assert chips == {"deadline-warning": "即将超期 1", "deadline-overdue": "已超期 1"}
    assert queue_rows(taiyuan.app.get("/review?deadline=overdue")) == [(w["first"], "已超期3个工作日")]
    assert queue_rows(taiyuan.app.get("/review?deadline=warning")) == [(w["second"], "即将超期：剩余2个工作日")]
    newest = taiyuan.app.get("/review?order=newest")
    assert [r[0] for r in queue_rows(newest)] == [w["third"], w["second"], w["first"]]
    bad = taiyuan.app.get("/review?deadline=tomorrow")
    assert soup(bad).select_one("#err-deadline").get_text() == "办理期限只能按“即将超期”或“已超期”筛选"
    api = taiyuan.api("get", "/api/review/cases?order=deadline&deadline=overdue")
    assert_matches_spec(api)
    assert [(i["id"], i["deadline"]["level"]) for i in api.json["items"]] == [(w["first"], "overdue")]
    assert api.json["deadline_counts"] == {"warning": 1, "overdue": 1}
    refused = taiyuan.api("get", "/api/review/cases?deadline=soon", status=422)
    assert_matches_spec(refused)
    assert refused.json["errors"] == [{"field": "deadline", "message": "deadline 的可选值：、warning、overdue"}]


def test_a_supervisor_sees_the_overdue_cases_of_the_jurisdictions_below(make_web, waiting):
    w = waiting
    province = signed_in(make_web, "sheng")
    queue = province.app.get("/review")
    tab = soup(queue).select_one("[data-testid=tab-supervise]")
    assert tab.get_text(strip=True) == "超期督办"
    page = province.app.get(tab["href"])
    assert "超期督办：下级地区已超期的申请" in soup(page).select_one("[data-testid=supervise-note]").get_text()
    assert queue_rows(page) == [(w["first"], "已超期3个工作日")]
    # The county has nobody below it: no tab, and the view is empty.
    county = signed_in(make_web, "xiaodian")
    assert not soup(county.app.get("/review")).select("[data-testid=tab-supervise]")
    assert queue_rows(county.app.get("/review?scope=below&deadline=overdue")) == []
    # The city's view of its counties, through the API too.
    taiyuan = signed_in(make_web, "taiyuan")
    below = taiyuan.api("get", "/api/review/cases?scope=below&order=deadline")
    assert_matches_spec(below)
    assert [i["id"] for i in below.json["items"]] == [w["first"], w["second"], w["third"]]
