"""Check your answers, over HTTP: the task list of a long form and its section pages (保存并继续), the check page
with its 修改 links that go to the field and come back, its 提交, and the 申报成功 page that follows."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from engine.models import Case
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import form_to, fresh, soup, the_form
from tests.webapp.test_new_item import definitions

NAME = "山西晋阳智能科技有限公司"


@pytest.fixture
def unit(web, dbsession):
    account = f.unit_account(dbsession, name=NAME)
    dbsession.commit()
    web.login(account.login_name)
    return account


def statuses(page) -> list[str]:
    return [li.select_one(".task-status").get_text() for li in soup(page).select("[data-testid=task-list] li")]


def fill(form, data: dict, keys=None):
    for key, value in data.items():
        if (keys is None or key in keys) and key in form.fields:
            form[key] = str(value)
    return form


def complete_draft(web, *, attachments=True):
    """The whole form filled and kept as a draft (暂存), with every file; returns the case's edit page."""
    form = fill(the_form(web.app.get("/items/unit_application")), f.unit_application_data(NAME))
    if attachments:
        for slot in ("license", "application_form", "management_plan"):
            form[f"file_{slot}"] = (f"{slot}.pdf", f.PDF)
    return form.submit("action", value="save").follow()


def rows_of(page) -> dict[str, str]:
    return {div["data-field"]: div.select_one(".check-value").get_text(" ", strip=True)
            for div in soup(page).select(".check-row[data-field]")}


def test_change_an_answer_from_the_summary_and_come_back_then_submit(web, unit, dbsession):
    edit = complete_draft(web)
    check = the_form(edit).submit("action", value="submit")
    assert check.status_int == 303 and urlsplit(check.location).path.endswith("/check")
    case_id = int(re.search(r"/cases/(\d+)/check", check.location).group(1))
    check = check.follow()
    s = soup(check)
    assert s.select_one("h1").get_text() == "核对申请内容"
    assert [h.get_text() for h in s.select(".check-section h2")] == [
        "1. 单位基本信息", "2. 见习单位详细信息", "3. 银行账户信息", "4. 档案资料上传"]
    rows = rows_of(check)
    # As the form shows them: regions by name, the prefilled name; the typed-twice copy is never shown.
    assert (rows["unit_name"], rows["city"], rows["county"], rows["unit_type"]) == (NAME, "太原市", "小店区", "企业")
    assert rows["bank_account"] == "050212345678901234" and "bank_account_confirm" not in rows
    assert s.select_one("[data-field=unit_name] [data-testid^=change-]") is None   # from the account: no 修改
    files = s.select("[data-testid=check-files-4] .check-row")
    assert [d["data-slot"] for d in files] == ["license", "application_form", "management_plan"]
    assert "license.pdf" in files[0].get_text() and f"{len(f.PDF) / 1024:.1f} KB" in files[0].get_text()
    assert s.select_one("[data-testid=check-problems]") is None

    # 修改 goes to the field on its own section's page, and says it will come back.
    change = s.select_one("[data-testid=change-contact_mobile]")["href"]
    parts = urlsplit(change)
    assert parts.path == f"/cases/{case_id}/edit" and parts.fragment == "f-contact_mobile"
    assert parse_qs(parts.query) == {"section": ["2"], "return": ["check"]}
    section = web.app.get(change)
    assert [lg.get_text() for lg in soup(section).select("legend")] == ["2. 见习单位详细信息"]
    assert soup(section).select_one("#f-bank_account") is None            # only this section's fields
    form = the_form(section)
    assert form["return"].value == "check"
    form["contact_mobile"] = "13612345678"
    back = form.submit("action", value="continue")
    assert back.status_int == 303 and urlsplit(back.location).path == f"/cases/{case_id}/check"
    check = back.follow()
    assert rows_of(check)["contact_mobile"] == "13612345678"
    fresh(dbsession)
    stored = dbsession.get(Case, case_id)
    # The other sections were left as they were (a section page posts its own fields only).
    assert (stored.state, stored.data["bank_account"], stored.data["address"]) == (
        "draft", "050212345678901234", "太原市小店区长治路123号")

    done = form_to(check, f"/cases/{case_id}/check").submit()
    assert done.status_int == 303 and done.location.endswith(f"/cases/{case_id}/done")
    fresh(dbsession)
    stored = dbsession.get(Case, case_id)
    assert stored.state == "submitted" and "bank_account_confirm" not in stored.data
    page = done.follow()
    s = soup(page)
    assert s.select_one("h1").get_text() == "申报成功"
    assert s.select_one("[data-testid=reference]").get_text() == stored.reference
    assert s.select_one("[data-testid=next-reviewer]").get_text() == "审核：由太原市 小店区的就业见习审核人员审核。"
    deadline = s.select_one("[data-testid=next-deadline]").get_text(" ", strip=True)
    assert deadline.startswith("办理时限： 10个工作日，应于 " + stored.deadline_on.isoformat()) and "剩余10个工作日" in deadline
    assert s.select_one("[data-testid=next-result] a")["href"] == "/me/notices"
    links = {a.get_text(): a["href"] for a in s.select(".actions a")}
    assert links["前往个人中心"] == "/me/cases?state=submitted"
    # Once submitted there is nothing to check: the page and its 提交 lead to the case.
    assert web.app.get(f"/cases/{case_id}/check").location.endswith(f"/cases/{case_id}")
    assert web.post(f"/cases/{case_id}/check", {"version": stored.version}).location.endswith(f"/cases/{case_id}")


def test_the_check_page_says_what_is_missing_and_refuses_to_submit(web, unit, dbsession):
    edit = complete_draft(web, attachments=False)
    case_id = int(re.search(r"/cases/(\d+)/edit", edit.request.path).group(1))
    # 核对并提交 with files missing: the form says so by each slot, and nothing moves.
    bad = the_form(edit).submit("action", value="submit", status=422)
    assert "请上传“营业执照或法人登记证书”" in soup(bad).select_one("#slot-license").get_text()
    # The check page itself (reached from the task list) lists them as problems linking to each slot.
    check = web.app.get(f"/cases/{case_id}/check")
    problems = soup(check).select("[data-testid=check-problems] a")
    assert [a.get_text() for a in problems] == [
        "请上传“营业执照或法人登记证书”", "请上传“就业见习单位申请表”", "请上传“见习管理制度及带教计划”"]
    assert problems[0]["href"] == f"/cases/{case_id}/edit?section=4&return=check#slot-license"
    assert soup(check).select_one("[data-testid=check-submit]") is None
    assert soup(check).select_one("[data-testid=check-status-4]").get_text() == "未开始"
    # Posting 提交 anyway changes nothing and says why.
    refused = web.post(f"/cases/{case_id}/check", status=422)
    assert "请先上传以下附件" in soup(refused).select_one("[data-testid=check-message]").get_text()
    fresh(dbsession)
    assert dbsession.get(Case, case_id).state == "draft"

    # An upload from the slot's link comes back to the check page once the section is saved.
    section = web.app.get(problems[0]["href"].split("#")[0])
    form = the_form(section)
    for slot in ("license", "application_form", "management_plan"):
        form[f"file_{slot}"] = (f"{slot}.pdf", f.PDF)
    back = form.submit("action", value="continue")
    assert urlsplit(back.location).path == f"/cases/{case_id}/check"
    assert soup(back.follow()).select_one("[data-testid=check-submit]") is not None


def test_return_takes_the_owner_back_to_the_check_page_only(web, unit, dbsession):
    edit = complete_draft(web)
    case_id = int(re.search(r"/cases/(\d+)/edit", edit.request.path).group(1))
    for bad in ("https://evil.example/", "//evil.example", f"/cases/{case_id}/done", "CHECK"):
        page = web.app.get(f"/cases/{case_id}/edit", {"section": 2, "return": bad})
        form = the_form(page)
        assert "return" not in form.fields
        assert soup(page).select_one("[data-testid=section-back]")["href"] == f"/cases/{case_id}/edit"
        assert soup(page).select_one("[data-testid=section-continue]").get_text() == "保存并继续"
        posted = {k: v for k, v in form.submit_fields() if k != "action"}
        moved = web.post(f"/cases/{case_id}/edit", {**posted, "return": bad, "action": "continue"})
        assert urlsplit(moved.location).path == f"/cases/{case_id}/edit"
        assert parse_qs(urlsplit(moved.location).query) == {"section": ["3"]}


def test_the_task_list_shows_each_sections_status_as_it_is_filled(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    assert statuses(page) == ["已完成", "未开始", "未开始", "未开始"]
    assert soup(page).select_one("[data-testid=task-list] li a")["href"] == "/items/unit_application?section=1"
    # A section at a time: the first 保存并继续 makes the draft and goes on to the next section.
    section = web.app.get("/items/unit_application?section=2")
    assert [lg.get_text() for lg in soup(section).select("legend")] == ["2. 见习单位详细信息"]
    data = f.unit_application_data(NAME)
    form = fill(the_form(section), data, keys={"unit_type", "industry", "city", "county", "address"})
    nxt = form.submit("action", value="continue")
    case_id = int(re.search(r"/cases/(\d+)/edit", nxt.location).group(1))
    assert parse_qs(urlsplit(nxt.location).query) == {"section": ["3"]}
    assert statuses(web.app.get(f"/cases/{case_id}/edit")) == ["已完成", "未完成", "未开始", "未开始"]

    # A wrong answer is kept, but the page stays on its section and says what is wrong: 有错误.
    section = web.app.get(f"/cases/{case_id}/edit?section=2")
    form = fill(the_form(section), {**data, "contact_mobile": "123"}, keys=set(data) - {"bank_name"})
    stay = form.submit("action", value="continue")
    assert parse_qs(urlsplit(stay.location).query) == {"section": ["2"]}
    again = stay.follow()
    assert soup(again).select_one("#err-contact_mobile").get_text().startswith("联系电话应为11位手机号码")
    assert soup(again).select_one("#f-address")["value"] == "太原市小店区长治路123号"
    assert statuses(web.app.get(f"/cases/{case_id}/edit")) == ["已完成", "有错误", "未开始", "未开始"]

    form = the_form(again)
    form["contact_mobile"] = data["contact_mobile"]
    assert parse_qs(urlsplit(form.submit("action", value="continue").location).query) == {"section": ["3"]}
    form = fill(the_form(web.app.get(f"/cases/{case_id}/edit?section=3")), data)
    last = form.submit("action", value="continue")
    assert parse_qs(urlsplit(last.location).query) == {"section": ["4"]}
    form = the_form(last.follow())
    form["file_license"] = ("营业执照.pdf", f.PDF)
    # After the last section: the check page (two files still missing, so 未完成 there).
    check = form.submit("action", value="continue")
    assert urlsplit(check.location).path == f"/cases/{case_id}/check"
    assert soup(check.follow()).select_one("[data-testid=check-status-4]").get_text() == "未完成"
    assert statuses(web.app.get(f"/cases/{case_id}/edit")) == ["已完成", "已完成", "已完成", "未完成"]


def test_conditional_fields_count_as_required_in_the_task_list_only_while_they_apply(tmp_path, apps, world):
    from tests.webapp.test_conditional_required import CONDITIONAL
    three = {**CONDITIONAL, "ui": {"sections": [
        {"title": "申领类型", "fields": ["claim_kind", "previous_reference"]},
        {"title": "说明", "fields": ["note"]}, {"title": "联系方式", "fields": ["contact_mobile"]}]}}
    web = apps(definitions(tmp_path, "three", item=three, workflow=None))()
    web.login(world["unit"].login_name)
    form = the_form(web.app.get("/items/claim_change?section=1"))
    form["claim_kind"] = "补充申领"
    case_id = int(re.search(r"/cases/(\d+)/edit", form.submit("action", value="continue").location).group(1))
    # 补充申领: 原申领编号 is required (section 1 未完成), 申领说明 is not (section 2 已完成: nothing required).
    assert statuses(web.app.get(f"/cases/{case_id}/edit")) == ["未完成", "已完成", "未开始"]
    form = the_form(web.app.get(f"/cases/{case_id}/edit?section=1"))
    form["claim_kind"] = "首次申领"
    form.submit("action", value="continue")
    # 首次申领: the `else` applies: 申领说明 is required now, 原申领编号 no longer.
    assert statuses(web.app.get(f"/cases/{case_id}/edit")) == ["已完成", "未开始", "未开始"]


def test_a_short_form_has_no_task_list(tmp_path, apps, world):
    from tests.webapp.test_conditional_required import CONDITIONAL
    web = apps(definitions(tmp_path, "short", item=CONDITIONAL, workflow=None))()
    web.login(world["unit"].login_name)
    assert soup(web.app.get("/items/claim_change")).select_one("[data-testid=task-list]") is None


def test_the_check_page_and_its_json_twin_are_the_owners_alone_on_a_case_still_to_send(
        make_web, web, unit, world, dbsession):
    edit = complete_draft(web)
    case_id = int(re.search(r"/cases/(\d+)/edit", edit.request.path).group(1))
    body = web.api("get", f"/api/cases/{case_id}/check")
    assert_matches_spec(body)
    assert body.json["ready"] and body.json["complete_sections"] == 4
    assert [s["status"] for s in body.json["sections"]] == ["complete"] * 4
    answers = {a["field"]: a for a in body.json["sections"][1]["answers"]}
    assert (answers["county"]["value"], answers["county"]["shown"]) == ("140105", "小店区")
    other = make_web()
    other.login(world["other"].login_name)
    assert other.app.get(f"/cases/{case_id}/check", status=403).status_int == 403
    assert other.api("get", f"/api/cases/{case_id}/check", status=403).status_int == 403
    # The JSON API's own submission is unchanged: submit through the transition, then nothing to check.
    version = web.api("get", f"/api/cases/{case_id}").json["version"]
    sent = web.api("post", f"/api/cases/{case_id}/transitions/submit", {"version": version})
    assert sent.json["state"] == "submitted"
    gone = web.api("get", f"/api/cases/{case_id}/check", status=409)
    assert_matches_spec(gone)
    assert gone.json["state"] == "submitted"


def test_a_draft_is_kept_when_a_section_is_saved_by_two_tabs_at_once(web, unit, dbsession):
    page = web.app.get("/items/unit_application?section=2")
    form = fill(the_form(page), {"address": "甲"})
    first = form.submit("action", value="continue")
    case_id = int(re.search(r"/cases/(\d+)/edit", first.location).group(1))
    tab1 = the_form(web.app.get(f"/cases/{case_id}/edit?section=3"))
    tab2 = the_form(web.app.get(f"/cases/{case_id}/edit?section=2"))
    tab1["bank_name"] = "工行"
    tab1.submit("action", value="continue")
    tab2["address"] = "乙"
    stale = tab2.submit("action", value="continue", status=409)
    assert "请刷新后重试" in stale.text
    fresh(dbsession)
    case = dbsession.scalar(select(Case).where(Case.id == case_id))
    assert (case.data["address"], case.data["bank_name"]) == ("甲", "工行")
