"""审核工作台 over HTTP: the jurisdiction-scoped queue, actions from the workflow with confirmation, conflicts,
claims, bulk approval, files, the JSON twin, and the unit's side of the story."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine import clock
from engine.cases.lifecycle import submit, transition
from engine.models import Case, CaseEvent
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import check_and_submit, soup, fresh, form_to


def queue_ids(page):
    return [int(tr["data-case"]) for tr in soup(page).select("[data-testid=queue] tbody tr")]


def flash(page):
    return " ".join(n.get_text(" ", strip=True) for n in soup(page).select(".notice"))


def submitted_post(session, catalogue, unit, **over):
    return submit(session, catalogue, catalogue.item("post_application"), unit, f.post_data(**over))


@pytest.fixture
def cases(world, dbsession, catalogue, storage):
    """A post application waiting in 太原市 and a unit application waiting in 大同市."""
    ty = submitted_post(dbsession, catalogue, world["unit"], position_name="数据分析见习生")
    dt = f.submitted_unit_application(dbsession, catalogue, storage, world["other"], city="140200",
                                      county="140213", address="大同市平城区御河西路1号")
    dbsession.commit()
    return {"taiyuan": ty, "datong": dt}


def staff(make_web, login):
    web = make_web()
    web.login(login, tab="staff")
    return web


def test_queue_lists_only_cases_inside_the_jurisdiction_oldest_first(make_web, world, cases):
    ty, dt = cases["taiyuan"], cases["datong"]
    page = staff(make_web, "taiyuan").app.get("/review")
    assert queue_ids(page) == [ty.id]
    s = soup(page)
    assert s.select_one("[data-testid=count-queue]").get_text() == "1"
    # The unit application and the published position of the same unit, both approved earlier.
    assert s.select_one("[data-testid=count-approved]").get_text() == "2"
    row = s.select_one(f"tr[data-case='{ty.id}']").get_text(" ", strip=True)
    assert "就业见习岗位申请" in row and "山西晋阳智能科技有限公司" in row and "太原市 小店区" in row and "0天" in row

    assert queue_ids(staff(make_web, "datong").app.get("/review")) == [dt.id]
    assert queue_ids(staff(make_web, "sheng").app.get("/review")) == [ty.id, dt.id]
    newest = staff(make_web, "sheng").app.get("/review?order=newest")
    assert queue_ids(newest) == [dt.id, ty.id]


def test_reviewer_outside_the_jurisdiction_gets_404_on_every_case_url(make_web, world, cases, dbsession):
    case, app_case = cases["taiyuan"], world["unit_case"]
    web = staff(make_web, "datong")
    web.app.get(f"/review/cases/{case.id}", status=404)
    web.app.get(f"/review/cases/{case.id}/transitions/approve?version={case.version}", status=404)
    web.post(f"/review/cases/{case.id}/transitions/approve", {"version": case.version, "confirm": "1"}, status=404)
    web.post(f"/review/cases/{case.id}/claim", {"action": "claim"}, status=404)
    web.app.get(f"/review/cases/{app_case.id}/files/{app_case.attachments[0].id}", status=404)
    res = web.api("POST", f"/api/cases/{case.id}/transitions/approve", json={}, status=404)
    assert_matches_spec(res)
    # Bulk with a foreign id: nothing happens to it, and the answer does not say it exists.
    res = web.api("POST", "/api/review/cases", json={"trigger": "approve", "cases": [case.id]})
    assert_matches_spec(res)
    assert res.json["results"] == [{"id": case.id, "reference": None, "ok": False, "state": None,
                                    "state_label": None, "message": "申请不存在或不在您的管辖范围内"}]
    fresh(dbsession)
    assert dbsession.get(Case, case.id).state == "submitted"


def test_units_and_individuals_get_403_on_every_reviewer_url(make_web, world, cases):
    case, app_case = cases["taiyuan"], world["unit_case"]
    gets = ["/review", f"/review/cases/{case.id}", f"/review/cases/{case.id}/transitions/approve",
            f"/review/cases/{app_case.id}/files/{app_case.attachments[0].id}", "/review/bulk?trigger=approve&ids=1"]
    posts = [f"/review/cases/{case.id}/transitions/approve", f"/review/cases/{case.id}/claim", "/review/bulk"]
    for login, tab in ((world["unit"].login_name, "unit"), (world["other"].login_name, "unit"),
                       (world["person"].login_name, "individual")):
        web = make_web()
        web.login(login, tab=tab)
        for url in gets:
            assert "无权访问" in web.app.get(url, status=403).text, url
        for url in posts:
            web.post(url, {"version": case.version, "confirm": "1", "trigger": "approve",
                           "case": str(case.id)}, status=403)
        for method in ("GET", "POST"):
            res = web.api(method, "/api/review/cases", json={"trigger": "approve", "cases": [case.id]}
                          if method == "POST" else None, status=403)
            assert_matches_spec(res)
    # Administrators run the system; they do not review.
    admin = staff(make_web, "admin")
    admin.app.get("/review", status=403)
    anonymous = make_web()
    res = anonymous.app.get(f"/review/cases/{case.id}", status=303)
    assert res.location.endswith(f"/staff/login?came_from=%2Freview%2Fcases%2F{case.id}")
    assert anonymous.app.get("/review", status=303).location.endswith("/staff/login?came_from=%2Freview")
    assert_matches_spec(anonymous.app.get("/api/review/cases", status=401))


def test_approve_asks_for_confirmation_and_the_unit_sees_the_result(make_web, web, world, cases, dbsession):
    case = cases["taiyuan"]
    reviewer = staff(make_web, "taiyuan")
    page = reviewer.app.get("/review").click(href=f"/review/cases/{case.id}")
    s = soup(page)
    assert [a.get_text() for a in s.select(".review-actions a[data-trigger]")] == ["审核通过", "审核不通过", "退回修改"]
    assert s.select_one("[data-field=position_name]").get_text() == "数据分析见习生"
    assert "该单位的其他申请" in page.text and world["unit_case"].reference in page.text

    confirm = page.click(href=f"/transitions/approve")
    assert "确认审核通过" in confirm.text
    form = form_to(confirm, "/transitions/approve")
    form["comment"] = "岗位信息完整，同意发布。"
    again = form.submit()
    assert again.status_int == 200 and "请勾选“确认”后再提交" in again.text
    assert soup(again).select_one("#f-comment").get_text() == "岗位信息完整，同意发布。"
    form = form_to(again, "/transitions/approve")
    form["confirm"] = True
    done = form.submit()
    assert done.status_int == 303 and done.location.endswith("/review")
    page = done.follow()
    assert f"已审核通过：{case.reference}" in flash(page)
    assert queue_ids(page) == []

    fresh(dbsession)
    event = dbsession.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()[-1]
    assert (event.trigger, event.from_state, event.to_state, event.actor_id, event.comment) == (
        "approve", "submitted", "approved", world["taiyuan"].id, "岗位信息完整，同意发布。")
    # The unit reads the result and the comment under 个人中心.
    web.login(world["unit"].login_name)
    center = web.app.get("/me/cases?state=approved")
    assert case.reference in center.text
    detail = web.app.get(f"/cases/{case.id}")
    assert soup(detail).select_one("[data-testid=state]").get_text() == "审核通过"
    assert "岗位信息完整，同意发布。" in soup(detail).select_one("[data-testid=timeline]").text


def test_reject_needs_a_comment_and_offers_the_definitions_reasons(make_web, web, world, cases, dbsession):
    case = cases["taiyuan"]
    reviewer = staff(make_web, "taiyuan")
    page = reviewer.app.get(f"/review/cases/{case.id}/transitions/reject?version={case.version}")
    reasons = [i["value"] for i in soup(page).select("input[name=reason]")]
    assert reasons == ["申报材料不真实", "不符合见习单位条件", "重复申报", "其他"]
    form = form_to(page, "/transitions/reject")
    form["confirm"] = True
    page = form.submit()
    assert "“审核不通过”须填写意见" in soup(page).select_one("#err-comment").get_text()
    form = form_to(page, "/transitions/reject")
    form["reason"] = "其他"
    form["confirm"] = True
    page = form.submit()
    assert soup(page).select_one("#err-comment").get_text() == "选择“其他”时，请在意见中写明具体原因"
    fresh(dbsession)
    assert dbsession.get(Case, case.id).state == "submitted"

    form = form_to(page, "/transitions/reject")
    form["reason"] = "重复申报"
    form["comment"] = "与3月的岗位申请相同"
    form["confirm"] = True
    res = form.submit()
    assert res.status_int == 303
    fresh(dbsession)
    stored = dbsession.get(Case, case.id)
    assert stored.state == "rejected" and stored.events[-1].comment == "重复申报：与3月的岗位申请相同"
    web.login(world["unit"].login_name)
    detail = web.app.get(f"/cases/{case.id}")
    assert soup(detail).select_one("[data-testid=state]").get_text() == "审核不通过"
    assert "重复申报：与3月的岗位申请相同" in detail.text


def test_return_resubmit_and_the_reviewer_sees_what_changed(make_web, web, world, dbsession, catalogue, storage):
    unit = f.unit_account(dbsession, name="太原汾河物流有限公司", mobile="13612345678")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit, county="140106",
                                        address="太原市迎泽区迎泽大街1号")
    dbsession.commit()
    reviewer = staff(make_web, "taiyuan")
    page = reviewer.app.get(f"/review/cases/{case.id}")
    assert soup(page).select_one("[data-testid=diff]") is None  # first round: nothing to compare
    url = f"/review/cases/{case.id}/transitions/return_for_correction"
    form = form_to(reviewer.app.get(f"{url}?version={case.version}"), url)
    form["reason"] = "申请表未加盖公章"
    form["comment"] = "请上传盖章后的申请表"
    form["confirm"] = True
    assert form.submit().status_int == 303

    # The unit sees the comment in 个人中心, fixes the form and the file, and submits again.
    web.login(unit.login_name)
    center = web.app.get("/me/cases?state=returned")
    assert case.reference in center.text
    detail = web.app.get(f"/cases/{case.id}")
    assert "申请表未加盖公章：请上传盖章后的申请表" in soup(detail).select_one("[data-testid=timeline]").text
    edit = detail.click("修改后重新提交")
    form = next(fm for fm in edit.forms.values() if "action" in fm.fields)
    form["file_application_form"] = ("盖章申请表.png", f.PNG)
    form["planned_posts"] = "12"
    page = form.submit("action", value="upload:application_form").follow()
    form = next(fm for fm in page.forms.values() if "action" in fm.fields)
    assert check_and_submit(form.submit("action", value="submit")).status_int == 303

    page = reviewer.app.get("/review")
    assert queue_ids(page) == [case.id]
    page = reviewer.app.get(f"/review/cases/{case.id}")
    diff = soup(page).select_one("[data-testid=diff]")
    changed = {tr["data-field"]: [td.get_text() for td in tr.select("td")] for tr in diff.select("tr[data-field]")}
    assert changed == {"planned_posts": ["10", "12"]}
    files = diff.select_one("li[data-slot=application_form]").get_text(" ", strip=True)
    assert "已更换附件" in files and "application_form.pdf" in files and "盖章申请表.png" in files
    assert [li.get_text(" ", strip=True).split()[0] for li in soup(page).select("[data-testid=history] li")] == [
        "提交", "退回修改", "提交"]

    fresh(dbsession)
    form = form_to(reviewer.app.get(f"/review/cases/{case.id}/transitions/approve?version="
                                    f"{dbsession.get(Case, case.id).version}"), "/transitions/approve")
    form["confirm"] = True
    assert form.submit().status_int == 303
    detail = web.app.get(f"/cases/{case.id}")
    assert [li["data-to"] for li in soup(detail).select("[data-testid=timeline] li")] == [
        "submitted", "returned", "submitted", "approved"]


def test_a_stale_page_cannot_act_twice(make_web, world, cases, dbsession, catalogue):
    case = cases["taiyuan"]
    reviewer = staff(make_web, "taiyuan")
    page = reviewer.app.get(f"/review/cases/{case.id}/transitions/approve?version={case.version}")
    # Meanwhile the province reviewer rejects it.
    transition(dbsession, catalogue, case, "reject", world["province"], comment="重复申报")
    dbsession.commit()
    form = form_to(page, "/transitions/approve")
    form["confirm"] = True
    res = form.submit()
    assert res.status_int == 303
    page = res.follow()
    assert "该申请已被他人处理，当前状态：审核不通过" in flash(page)
    assert soup(page).select_one("[data-testid=case-state]").get_text() == "审核不通过"
    assert soup(page).select(".review-actions") == []
    fresh(dbsession)
    assert [e.trigger for e in dbsession.get(Case, case.id).events] == ["submit", "reject"]


def test_two_reviewers_at_once_exactly_one_wins(make_web, world, cases, dbsession, is_postgres):
    """Two real sessions, two DB connections, submitting at the same moment (PostgreSQL; on SQLite the
    stale-version test above covers the same rule)."""
    if not is_postgres:
        pytest.skip("needs concurrent writers: PostgreSQL only")
    case = cases["taiyuan"]
    webs = [staff(make_web, "taiyuan"), staff(make_web, "sheng")]
    forms = []
    for web, trigger in zip(webs, ("approve", "return_for_correction")):
        form = form_to(web.app.get(f"/review/cases/{case.id}/transitions/{trigger}?version={case.version}"),
                       f"/transitions/{trigger}")
        form["confirm"] = True
        if trigger != "approve":
            form["comment"] = "请补充岗位描述"
        forms.append(form)
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(i):
        barrier.wait()
        try:
            results[i] = forms[i].submit()
        except Exception as e:  # noqa: BLE001 - reported below, in the test's own thread
            results[i] = e

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(getattr(r, "status_int", None) == 303 for r in results), results
    pages = [r.follow() for r in results]
    won = [p for p in pages if "该申请已被他人处理" not in flash(p)]
    lost = [p for p in pages if "该申请已被他人处理" in flash(p)]
    assert len(won) == 1 and len(lost) == 1
    fresh(dbsession)
    stored = dbsession.get(Case, case.id)
    assert [e.trigger for e in stored.events][:1] == ["submit"] and len(stored.events) == 2
    assert soup(lost[0]).select_one("[data-testid=case-state]").get_text() == \
        {"approved": "审核通过", "returned": "退回修改"}[stored.state]


def test_claim_shows_who_holds_the_case_and_keeps_others_off(make_web, world, cases, dbsession):
    case = cases["taiyuan"]
    ty, sheng = staff(make_web, "taiyuan"), staff(make_web, "sheng")
    page = ty.app.get(f"/review/cases/{case.id}")
    page = form_to(page, "/claim").submit("action", value="claim").follow()
    assert "已认领" in flash(page) and "由我认领" in soup(page).select_one("[data-testid=claim]").text

    queue = sheng.app.get("/review")
    row = soup(queue).select_one(f"tr[data-case='{case.id}']")
    assert "太原市审核员" in row.get_text() and row.select_one("input[name=case]") is None
    other = sheng.app.get(f"/review/cases/{case.id}")
    assert "由太原市审核员认领" in soup(other).select_one("[data-testid=claim]").text
    fresh(dbsession)
    form = form_to(sheng.app.get(f"/review/cases/{case.id}/transitions/approve?version="
                                 f"{dbsession.get(Case, case.id).version}"), "/transitions/approve")
    form["confirm"] = True
    refused = form.submit().follow()
    assert "该申请已由太原市审核员于" in flash(refused) and "认领，请勿重复处理" in flash(refused)
    fresh(dbsession)
    assert dbsession.get(Case, case.id).state == "submitted"

    page = form_to(ty.app.get(f"/review/cases/{case.id}"), "/claim").submit("action", value="release").follow()
    assert "已释放认领" in flash(page) and "未认领" in soup(page).select_one("[data-testid=claim]").text


def test_bulk_approve_goes_case_by_case_with_a_result_for_each(make_web, world, dbsession, catalogue):
    unit = world["unit"]
    made = [submitted_post(dbsession, catalogue, unit, position_name=f"见习岗位{i}") for i in range(3)]
    dbsession.commit()
    reviewer = staff(make_web, "taiyuan")
    queue = reviewer.app.get("/review")
    form = form_to(queue, "/review/bulk")
    for box in form.fields["case"]:
        box.checked = True
    # After the page was drawn, the province reviewer returns the middle one.
    transition(dbsession, catalogue, made[1], "return_for_correction", world["province"], comment="请修改岗位名称")
    dbsession.commit()
    confirm = form.submit("trigger", value="approve")
    assert confirm.status_int == 200 and "确认批量审核通过（3件）" in confirm.text
    result = form_to(confirm, "/review/bulk").submit().follow()
    rows = {int(tr["data-case"]): tr.get_text(" ", strip=True) for tr in
            soup(result).select("[data-testid=bulk-results] tbody tr")}
    assert "已审核通过" in rows[made[0].id] and "已审核通过" in rows[made[2].id]
    assert "未处理" in rows[made[1].id] and "退回修改" in rows[made[1].id]
    assert "成功2件，未处理1件" in flash(result)
    fresh(dbsession)
    assert [dbsession.get(Case, c.id).state for c in made] == ["approved", "returned", "approved"]
    positions = [dbsession.get(Case, c.id) for c in made]
    assert all(e.actor_id == world["taiyuan"].id for c in (positions[0], positions[2]) for e in c.events[-1:])


def test_queue_filters_by_item_month_unit_and_county(make_web, world, cases, dbsession, catalogue, storage):
    ty = cases["taiyuan"]
    neighbour = f.unit_account(dbsession, name="太原迎泽文化传媒有限公司", mobile="13612345670")
    app = f.submitted_unit_application(dbsession, catalogue, storage, neighbour, county="140106",
                                       address="太原市迎泽区柳巷1号")
    dbsession.commit()
    web = staff(make_web, "taiyuan")
    month = clock.this_month()
    assert queue_ids(web.app.get("/review")) == [ty.id, app.id]
    assert queue_ids(web.app.get("/review", {"item": "unit_application"})) == [app.id]
    assert queue_ids(web.app.get("/review", {"month": month})) == [ty.id, app.id]
    assert queue_ids(web.app.get("/review", {"month": "2020-01"})) == []
    assert queue_ids(web.app.get("/review", {"q": "迎泽文化"})) == [app.id]
    assert queue_ids(web.app.get("/review", {"q": world["unit"].unit.credit_code.lower()})) == [ty.id]
    assert queue_ids(web.app.get("/review", {"county": "140106"})) == [app.id]
    # A county outside the jurisdiction matches nothing rather than leaking another city's cases.
    assert queue_ids(web.app.get("/review", {"county": "140213"})) == []
    bad = web.app.get("/review", {"month": "三月"})
    assert soup(bad).select_one("#err-month").get_text() == "申办月份应为“年-月”，如2025-03"
    approved = web.app.get("/review", {"state": "approved"})
    assert sorted(queue_ids(approved)) == sorted([world["unit_case"].id, world["position"].case_id])
    assert [o.get_text() for o in soup(web.app.get("/review")).select("#f-county option")][:3] == [
        "全部县区", "小店区", "迎泽区"]


def test_queue_pages(make_web, world, dbsession, catalogue):
    for i in range(23):
        submitted_post(dbsession, catalogue, world["unit"], position_name=f"岗位{i:02d}")
    dbsession.commit()
    web = staff(make_web, "taiyuan")
    first = web.app.get("/review")
    assert len(queue_ids(first)) == 20 and soup(first).select_one("[data-testid=total]").get_text() == "共 23 件，第1/2页"
    second = first.click("下一页")
    assert len(queue_ids(second)) == 3
    assert set(queue_ids(first)).isdisjoint(queue_ids(second))


def test_reviewer_views_attachments_inline(make_web, world, dbsession, catalogue, storage):
    unit = f.unit_account(dbsession, name="太原晋祠旅游有限公司", mobile="13612345671")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    dbsession.commit()
    web = staff(make_web, "taiyuan")
    page = web.app.get(f"/review/cases/{case.id}")
    links = soup(page).select("li[data-slot=license] a")
    res = web.app.get(links[0]["href"])
    assert res.body == f.PDF and res.content_type == "application/pdf"
    assert res.headers["Content-Disposition"].startswith("inline;")
    assert "frame-ancestors 'self'" in res.headers["Content-Security-Policy"]
    assert soup(page).select_one("li[data-slot=license] iframe")["src"] == links[0]["href"]
    download = web.app.get(links[0]["href"] + "?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # A file of another case, reached through this case's URL, does not exist.
    other = world["unit_case"].attachments[0]
    web.app.get(f"/review/cases/{case.id}/files/{other.id}", status=404)


def test_api_lists_the_queue_with_filters_and_approves_in_bulk(make_web, world, cases, dbsession):
    web = staff(make_web, "sheng")
    res = web.api("GET", "/api/review/cases")
    assert_matches_spec(res)
    assert [c["id"] for c in res.json["items"]] == [cases["taiyuan"].id, cases["datong"].id]
    assert res.json["queue_count"] == 2 and res.json["total"] == 2
    assert {"state": "submitted", "label": "未审核", "count": 2} in res.json["counts"]
    res = web.api("GET", "/api/review/cases?city=140200")
    assert [c["id"] for c in res.json["items"]] == [cases["datong"].id]
    assert res.json["items"][0]["unit"]["name"] == "大同云冈文旅发展有限公司"
    bad = web.api("GET", "/api/review/cases?month=2025-13", status=422)
    assert_matches_spec(bad)
    assert bad.json["errors"] == [{"field": "month", "message": "申办月份应为“年-月”，如2025-03"}]
    stale = {"id": cases["datong"].id, "version": cases["datong"].version - 1}
    res = web.api("POST", "/api/review/cases", json={"trigger": "approve", "cases": [cases["taiyuan"].id, stale]})
    assert_matches_spec(res)
    assert (res.json["succeeded"], res.json["failed"]) == (1, 1)
    assert res.json["results"][1]["message"] == "该申请已被他人处理，当前状态：未审核"
    refused = web.api("POST", "/api/review/cases", json={"trigger": "reject", "cases": [cases["datong"].id]},
                      status=422)
    assert_matches_spec(refused)
    fresh(dbsession)
    assert dbsession.get(Case, cases["taiyuan"].id).state == "approved"
    assert dbsession.get(Case, cases["datong"].id).state == "submitted"
