"""A unit's 业务办理归属地 changes only with a reviewer's approval, and an item held once is changed, not
repeated: over HTTP, as the unit, the reviewers of its city and of another city, and the JSON API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import clock
from engine.models import Case, CaseEvent, Position, Unit
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import check_and_submit, confirm, form_to, fresh, soup, the_form

TAIYUAN, XIAODIAN, DATONG, PINGCHENG = "140100", "140105", "140200", "140213"
ITEM = "/items/unit_application"


def signed_in(make_web, login, tab="unit"):
    web = make_web()
    assert web.login(login, tab=tab).status_int == 303
    return web


def text_of(page, testid) -> str:
    node = soup(page).select_one(f"[data-testid={testid}]")
    return node.get_text(" ", strip=True) if node is not None else ""


def queue_ids(web, query="") -> set[int]:
    return {int(tr["data-case"]) for tr in soup(web.app.get("/review" + query)).select("[data-testid=queue] tbody tr")}


def api_post(web, **over) -> Case:
    """A post application submitted through the JSON API; its case id."""
    made = web.api("POST", "/api/items/post_application/cases", json={"data": f.post_data(**over), "submit": True},
                   status=201)
    return made.json["id"]


def approval_date(session, case_id) -> str:
    at = session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case_id, CaseEvent.to_state == "approved"))
    return clock.format_beijing(at, "%Y-%m-%d")


def choose_region(form, city, county):
    """The form with another city and county chosen, as without JavaScript (the county list after a round trip)."""
    form["city"] = city
    form = the_form(form.submit("action", value="refresh"))
    form["county"] = county
    return form


def start_change(unit_web):
    """申请变更 on the item page: the change draft's edit page."""
    page = unit_web.app.get(ITEM)
    return form_to(page, f"{ITEM}/change").submit().follow()


def test_a_relocation_waits_for_the_current_city_and_shows_nothing_to_the_other(make_web, world, dbsession):
    s, unit_case = dbsession, world["unit_case"]
    unit = signed_in(make_web, world["unit"].login_name)

    # 1. The approved unit opening the item is told so and offered 申请变更, not a blank form.
    page = unit.app.get(ITEM)
    assert text_of(page, "in-force") == (f"贵单位已通过就业见习单位认定（编号{unit_case.reference}，"
                                         f"认定日期{approval_date(s, unit_case.id)}）")
    assert text_of(page, "start-change") == "申请变更"
    assert not any("action" in fm.fields for fm in page.forms.values())   # no form to fill in afresh
    assert soup(page).select_one("[data-testid=existing-case]")["href"] == f"/cases/{unit_case.id}"

    # 2. 申请变更: the form comes prefilled from the approved application, its files too.
    page = start_change(unit)
    change_id = int(re.search(r"/cases/(\d+)/edit", page.request.path).group(1))
    assert unit_case.reference in text_of(page, "change-of")
    assert "修改所在市、所在县（市、区）将变更贵单位的业务办理归属地，同样在审核通过后生效" in text_of(page, "change-of")
    form = the_form(page)
    assert (form["address"].value, form["county"].value, form["bank_account_confirm"].value) == (
        "太原市小店区长治路123号", XIAODIAN, "050212345678901234")
    assert len(soup(page).select(".slot.stored")) == 3
    form = choose_region(form, DATONG, PINGCHENG)
    form["address"] = "大同市平城区御河西路1号"
    assert check_and_submit(form.submit("action", value="submit")).status_int == 303

    # 3. Submitted, nothing moved: the unit and all its cases are still 太原's.
    fresh(s)
    change = s.get(Case, change_id)
    assert (change.state, change.change_of, change.county_code) == ("submitted", unit_case.id, XIAODIAN)
    assert s.get(Unit, world["unit"].unit_id).county_code == XIAODIAN
    pending_post = api_post(unit, position_name="归属地变更期间的岗位")

    taiyuan = signed_in(make_web, "taiyuan", "staff")
    assert {change_id, pending_post} <= queue_ids(taiyuan)
    assert taiyuan.app.get(f"/review/cases/{unit_case.id}").status_int == 200
    review = taiyuan.app.get(f"/review/cases/{change_id}")
    assert (text_of(review, "relocation-from"), text_of(review, "relocation-to")) == ("太原市 小店区", "大同市 平城区")
    assert "此前的申请（含本申请）仍由原归属地办理" in text_of(review, "relocation")
    changed = {tr["data-field"]: [td.get_text(strip=True) for td in tr.select("td")]
               for tr in soup(review).select("[data-testid=change] tbody tr")}
    assert changed == {"city": ["太原市", "大同市"], "county": ["太原市 小店区", "大同市 平城区"],
                       "address": ["太原市小店区长治路123号", "大同市平城区御河西路1号"]}

    # 4. 大同's reviewer sees none of it: not the change, not the earlier cases, not the ones made meanwhile.
    datong = signed_in(make_web, "datong", "staff")
    for case_id in (change_id, unit_case.id, pending_post):
        datong.app.get(f"/review/cases/{case_id}", status=404)
        datong.app.get(f"/api/cases/{case_id}", status=404)
    assert queue_ids(datong) == set() and queue_ids(datong, "?state=approved") == set()
    listing = datong.app.get("/api/review/cases").json   # the queue and the count of every other tab
    assert listing["total"] == 0 and sum(c["count"] for c in listing["counts"]) == 0

    # 5. 太原 approves, told first what it does; then the unit is 大同's.
    ask = taiyuan.app.get(f"/review/cases/{change_id}").click(href="/transitions/approve")
    assert text_of(ask, "relocation").startswith("审核通过后，该单位的业务办理归属地将由太原市 小店区变更为大同市 平城区")
    assert confirm(taiyuan, change_id, "approve").status_int == 303
    fresh(s)
    moved = s.get(Unit, world["unit"].unit_id)
    assert (moved.city_code, moved.county_code) == (DATONG, PINGCHENG)

    # 6. Later cases go to 大同; earlier ones stay with 太原, and 大同's page of a later case lists none of them.
    later = api_post(unit, position_name="迁入大同后的岗位", work_city=DATONG, work_county=PINGCHENG,
                     work_address="大同市平城区御河西路1号")
    assert later in queue_ids(datong) and later not in queue_ids(taiyuan)
    taiyuan.app.get(f"/review/cases/{later}", status=404)
    page = datong.app.get(f"/review/cases/{later}")
    others = soup(page).select_one("#h-others").find_parent("section").get_text()
    assert "没有其他已提交的申请" in others
    for case_id in (change_id, unit_case.id, pending_post):
        assert s.get(Case, case_id).reference not in page.text
        assert taiyuan.app.get(f"/review/cases/{case_id}").status_int == 200
        datong.app.get(f"/review/cases/{case_id}", status=404)

    # 7. The change is the unit's profile now: positions approved later show its address.
    assert confirm(datong, later, "approve").status_int == 303
    fresh(s)
    position = s.scalar(select(Position).where(Position.case_id == later))
    shown = unit.app.get(f"/api/positions/{position.id}").json["unit"]
    assert shown["address"] == "大同市 平城区 大同市平城区御河西路1号"
    assert change.reference in text_of(unit.app.get(ITEM), "in-force")


def test_a_rejected_relocation_leaves_the_unit_with_its_city(make_web, world, dbsession):
    unit = signed_in(make_web, world["unit"].login_name)
    done = check_and_submit(choose_region(the_form(start_change(unit)), DATONG, PINGCHENG).submit("action", value="submit"))
    change_id = int(re.search(r"/cases/(\d+)/done", done.location).group(1))
    taiyuan = signed_in(make_web, "taiyuan", "staff")
    assert confirm(taiyuan, change_id, "reject", reason="不符合见习单位条件").status_int == 303
    fresh(dbsession)
    assert dbsession.get(Unit, world["unit"].unit_id).county_code == XIAODIAN
    page = unit.app.get(ITEM)   # the approval is still in force; a new change may be started
    assert world["unit_case"].reference in text_of(page, "in-force") and text_of(page, "start-change") == "申请变更"


def test_a_case_in_review_is_linked_to_instead_of_started_again(make_web, world, dbsession, catalogue, storage):
    from engine.cases.lifecycle import save_draft
    account = world["other"]
    old = save_draft(dbsession, catalogue, catalogue.item("unit_application"), account, {"address": "早先的草稿"})
    first = f.submitted_unit_application(dbsession, catalogue, storage, account, city=DATONG, county=PINGCHENG,
                                         address="大同市平城区御河西路1号")
    dbsession.commit()
    web = signed_in(make_web, account.login_name)
    page = web.app.get(ITEM)
    assert text_of(page, "in-progress") == (f"贵单位已有一件就业见习单位申请正在办理（编号{first.reference}，未审核），"
                                            "请勿重复申请。")
    assert soup(page).select_one("[data-testid=existing-case]")["href"] == f"/cases/{first.id}"
    assert not any("action" in fm.fields for fm in page.forms.values())
    # A form posted anyway (an old tab) is refused, and nothing is kept.
    refused = web.post(ITEM, {"action": "save", "address": "第二份"}, status=409)
    assert "请勿重复申请" in text_of(refused, "in-progress")
    fresh(dbsession)
    assert dbsession.scalar(select(Case.id).where(Case.unit_id == account.unit_id,
                                                  Case.id.not_in((first.id, old.id)))) is None
    # The draft left from before says at once why it cannot be submitted.
    assert "此申请暂不能提交： 贵单位已有一件就业见习单位申请正在办理" in text_of(
        web.app.get(f"/cases/{old.id}/edit"), "refusal")

    # Returned for correction: the way is to correct that one.
    datong = signed_in(make_web, "datong", "staff")
    assert confirm(datong, first.id, "return_for_correction", reason="信息填写有误").status_int == 303
    page = web.app.get(ITEM)
    assert "退回修改" in text_of(page, "in-progress")
    assert page.click("修改后重新提交").request.path == f"/cases/{first.id}/edit"


def test_the_api_refuses_a_duplicate_and_offers_the_change(make_web, world, dbsession):
    unit_case = world["unit_case"]
    web = signed_in(make_web, world["unit"].login_name)
    data = f.unit_application_data(world["unit"].unit.name, county="140106", address="太原市迎泽区迎泽大街1号")
    refused = web.api("POST", "/api/items/unit_application/cases", json={"data": data, "submit": True}, status=409)
    assert_matches_spec(refused)
    assert refused.json["error"] == (f"贵单位已通过就业见习单位认定（编号{unit_case.reference}，认定日期"
                                     f"{approval_date(dbsession, unit_case.id)}），如需修改，请申请变更")
    assert refused.json["existing"] == {"id": unit_case.id, "reference": unit_case.reference, "state": "approved",
                                        "href": f"/api/cases/{unit_case.id}", "change": True}

    # "change": true starts from the approved data and files; only what differs need be sent.
    made = web.api("POST", "/api/items/unit_application/cases", json={
        "change": True, "submit": True, "data": {"county": "140106", "address": "太原市迎泽区迎泽大街1号"}}, status=201)
    assert_matches_spec(made)
    body = made.json
    assert (body["change_of"], body["state"], body["data"]["county"], body["data"]["unit_type"]) == (
        unit_case.id, "submitted", "140106", "企业")
    assert len(body["attachments"]) == 3

    again = web.api("POST", "/api/items/unit_application/cases", json={"change": True, "data": {}}, status=409)
    assert_matches_spec(again)
    assert again.json["existing"]["id"] == body["id"] and again.json["existing"]["change"] is False
    bad = web.api("POST", "/api/items/unit_application/cases", json={"change": "yes"}, status=400)
    assert bad.json["error"] == "change 须为 true 或 false"


@pytest.mark.parametrize("who", ["other", "person"])
def test_nothing_to_change_is_said_plainly(make_web, world, who):
    """A unit with no approval pressing 申请变更 (an old page) is sent back to the form; an individual may not."""
    login, tab = (world["other"].login_name, "unit") if who == "other" else (world["person"].login_name, "individual")
    web = signed_in(make_web, login, tab)
    if who == "person":
        web.post(f"{ITEM}/change", status=403)
        return
    page = web.post(f"{ITEM}/change").follow()
    assert "没有可以变更的就业见习单位申请，请直接填写申请" in page.text
    assert "action" in the_form(page).fields


def test_a_bulk_approval_says_which_unit_it_would_move(make_web, world, dbsession, catalogue):
    from engine.cases.lifecycle import start_change, submit
    account, item = world["unit"], catalogue.item("unit_application")
    change = start_change(dbsession, catalogue, item, account)
    submit(dbsession, catalogue, item, account, {**change.data, "county": "140106"}, case=change)
    post = submit(dbsession, catalogue, catalogue.item("post_application"), account, f.post_data())
    dbsession.commit()
    taiyuan = signed_in(make_web, "taiyuan", "staff")
    form = form_to(taiyuan.app.get("/review"), "/review/bulk")
    for box in form.fields["case"]:
        box.checked = True
    page = form.submit("trigger", value="approve")
    rows = {tr.select_one("td").get_text(strip=True): tr for tr in soup(page).select("[data-testid=bulk-confirm] tbody tr")}
    moving = rows[change.reference].select_one("[data-testid=bulk-relocation]")
    assert moving.get_text(strip=True) == "业务办理归属地将由太原市 小店区变更为太原市 迎泽区"
    assert rows[post.reference].select_one("[data-testid=bulk-relocation]") is None
