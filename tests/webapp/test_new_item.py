"""A seventh item by configuration alone: 带教经费申领, one attachment, reviewed first by the county and then by
the city. Two JSON files in a copy of the definition folders, a restarted app, and no Python at all."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from engine.loader import default_dirs, load_catalogue
from tests import factories as f
from tests.webapp.pages import check_and_submit, confirm, soup, the_form

SUBSIDY = {
    "key": "mentor_claim",
    "title": "带教经费申领",
    "description": "见习期满后申领带教经费：填写申领月份、人数和金额，上传经费申领表；县级审核后报市级审核。",
    "version": 1,
    "kind": "form",
    "menu": ["法人办事", "就业创业"],
    "order": 60,
    "roles": ["unit"],
    "workflow": "two_level_review",
    "reference_prefix": "BT",
    "requires": [{"item": "unit_application", "state": "approved",
                  "message": "您的单位尚未通过就业见习单位申请，审核通过后才能申领带教经费。"}],
    "schema": {
        "type": "object",
        "required": ["claim_month", "trainees", "amount", "contact_name", "contact_mobile"],
        "properties": {
            "claim_month": {"type": "string", "title": "申领月份", "format": "month"},
            "trainees": {"type": "integer", "title": "申领人数", "minimum": 1, "maximum": 999},
            "amount": {"type": "integer", "title": "申领金额(元)", "minimum": 1, "maximum": 10000000},
            "note": {"type": "string", "title": "情况说明", "maxLength": 500},
            "contact_name": {"type": "string", "title": "联系人", "maxLength": 30},
            "contact_mobile": {"type": "string", "title": "联系电话", "format": "mobile"},
        },
    },
    "ui": {
        "sections": [{"title": "申领信息", "fields": ["claim_month", "trainees", "amount", "note"]},
                     {"title": "联系方式", "fields": ["contact_name", "contact_mobile"]},
                     {"title": "附件", "attachments": ["claim_form"]}],
        "widgets": {"note": "textarea"},
        "help": {"amount": "按见习人数和月数核算的经费总额"},
    },
    "attachments": [{"slot": "claim_form", "title": "带教经费申领表", "required": True,
                     "types": ["pdf", "jpeg", "png"], "max_mb": 10}],
    "rules": [{"rule": "month_not_future", "field": "claim_month"}],
}

TWO_LEVEL = {
    "key": "two_level_review",
    "title": "两级审核（县级初审、市级复审）",
    "initial": "draft",
    "states": [
        {"name": "draft", "label": "草稿", "editable": True},
        {"name": "submitted", "label": "待县级审核", "queue": True, "reviewer_level": "county", "time_limit": 5},
        {"name": "county_approved", "label": "待市级审核", "queue": True, "reviewer_level": "city", "time_limit": 5},
        {"name": "approved", "label": "审核通过", "final": True},
        {"name": "rejected", "label": "审核不通过", "final": True},
        {"name": "returned", "label": "退回修改", "editable": True},
    ],
    "transitions": [
        {"trigger": "submit", "source": ["draft", "returned"], "dest": "submitted", "roles": ["unit"],
         "label": "提交", "style": "primary", "validates": True,
         "conditions": ["attachments_complete", "requires_met"], "effects": ["assign_reference"]},
        {"trigger": "county_approve", "source": "submitted", "dest": "county_approved", "roles": ["reviewer"],
         "label": "县级审核通过", "comment": "optional", "style": "primary"},
        {"trigger": "approve", "source": "county_approved", "dest": "approved", "roles": ["reviewer"],
         "label": "市级审核通过", "comment": "optional", "style": "primary"},
        {"trigger": "reject", "source": "county_approved", "dest": "rejected", "roles": ["reviewer"],
         "label": "审核不通过", "comment": "required", "style": "danger"},
        {"trigger": "return_for_correction", "source": ["submitted", "county_approved"], "dest": "returned",
         "roles": ["reviewer"], "label": "退回修改", "comment": "required",
         "reasons": ["申领表未盖章", "人数与花名册不符", "其他"]},
    ],
}


def test_the_docs_worked_example_is_exactly_these_files():
    """docs/definitions.md shows the two files this module drives; a change to either must reach both."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "definitions.md").read_text("utf-8")
    example = docs[docs.index("## Worked example"):]
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", example, re.S)]
    assert blocks[:2] == [TWO_LEVEL, SUBSIDY]


def definitions(tmp_path, name, item=SUBSIDY, workflow=TWO_LEVEL):
    """A copy of forms/ and workflows/ plus the new files: exactly what an operator would drop in."""
    forms, workflows = default_dirs()
    target_forms, target_workflows = tmp_path / name / "forms", tmp_path / name / "workflows"
    shutil.copytree(forms, target_forms)
    shutil.copytree(workflows, target_workflows)
    (target_forms / f"{item['key']}.json").write_text(json.dumps(item, ensure_ascii=False, indent=2), "utf-8")
    if workflow is not None:  # None: the item uses a shipped workflow
        (target_workflows / f"{workflow['key']}.json").write_text(json.dumps(workflow, ensure_ascii=False), "utf-8")
    return load_catalogue(target_forms, target_workflows)


def queue_rows(page):
    return {int(tr["data-case"]): tr.get_text(" ", strip=True)
            for tr in soup(page).select("[data-testid=queue] tbody tr")}


def test_a_new_item_from_json_alone_is_listed_rendered_validated_and_reviewed_twice(
        tmp_path, apps, world, dbsession):
    catalogue = definitions(tmp_path, "v1")
    new_web = apps(catalogue)
    f.reviewer(dbsession, "xiaodian", "140105", "小店区审核员")
    dbsession.commit()

    # The unit finds it in the menu, generated from the catalogue.
    unit = new_web()
    unit.login(world["unit"].login_name)
    home = unit.app.get("/")
    assert [a.get_text() for a in soup(home).select("[data-item=mentor_claim]")] == ["带教经费申领"]
    page = home.click("带教经费申领", index=0)
    s = soup(page)
    assert [l.get_text(strip=True) for l in s.select("legend")] == ["1. 申领信息", "2. 联系方式", "3. 附件"]
    assert "带教经费申领表" in page.text and "按见习人数和月数核算的经费总额" in page.text

    # Validated from its schema and rules, with every message at once.
    form = the_form(page)
    form["claim_month"] = "2999-01"
    form["trainees"] = "0"
    form["amount"] = "12000"
    form["contact_name"] = "李红"
    form["contact_mobile"] = "12345"
    bad = form.submit("action", value="submit", status=422)
    text = soup(bad).select_one("[data-testid=error-summary]").get_text(" ", strip=True)
    assert "申领月份不能晚于本月" in text and "申领人数" in text and "联系电话" in text
    assert "请上传“带教经费申领表”" in bad.text

    form = the_form(bad)
    form["claim_month"] = "2026-01"
    form["trainees"] = "3"
    form["contact_mobile"] = "13912345678"
    form["file_claim_form"] = ("经费申领表.pdf", f.PDF)
    page = form.submit("action", value="upload:claim_form").follow()
    done = check_and_submit(the_form(page).submit("action", value="submit")).follow()
    reference = soup(done).select_one("[data-testid=reference]").get_text()
    assert re.fullmatch(r"BT-140100-\d{6}-\d{6}", reference)
    case_id = int(re.search(r"/cases/(\d+)/done", done.request.path).group(1))

    # First the county: it is in 小店区's queue, not yet in the city's default queue.
    county, city = new_web(), new_web()
    county.login("xiaodian", tab="staff")
    city.login("taiyuan", tab="staff")
    rows = queue_rows(county.app.get("/review"))
    assert list(rows) == [case_id] and "带教经费申领" in rows[case_id] and "待县级审核" in rows[case_id]
    city_queue = city.app.get("/review")
    assert case_id not in queue_rows(city_queue)
    # `submitted` is 未审核 in `review` and 待县级审核 here: two tabs, each with its own label.
    waiting = soup(city_queue).select_one("[data-testid='count-two_level_review-submitted']")
    assert waiting.get_text() == "1" and waiting.parent.get_text(strip=True) == "待县级审核1"
    page = county.app.get(f"/review/cases/{case_id}")
    assert [a.get_text() for a in soup(page).select(".review-actions a[data-trigger]")] == ["县级审核通过", "退回修改"]
    assert soup(page).select_one("[data-field=trainees]").get_text() == "3"
    assert county.app.get(soup(page).select_one("li[data-slot=claim_form] a")["href"]).body == f.PDF
    assert confirm(county, case_id, "county_approve", comment="人数与花名册一致").status_int == 303
    assert case_id not in queue_rows(county.app.get("/review"))

    # Then the city, which alone may approve or reject at this stage.
    rows = queue_rows(city.app.get("/review"))
    assert "待市级审核" in rows[case_id]
    page = city.app.get(f"/review/cases/{case_id}")
    assert [a.get_text() for a in soup(page).select(".review-actions a[data-trigger]")] == [
        "市级审核通过", "审核不通过", "退回修改"]
    county.app.get(f"/review/cases/{case_id}/transitions/approve", status=303)  # not the county's to approve
    assert confirm(city, case_id, "approve").status_int == 303

    # The unit sees the result and both steps in its timeline.
    detail = unit.app.get(f"/cases/{case_id}")
    assert soup(detail).select_one("[data-testid=state]").get_text() == "审核通过"
    steps = [li["data-to"] for li in soup(detail).select("[data-testid=timeline] li")]
    assert steps == ["submitted", "county_approved", "approved"]
    assert "人数与花名册一致" in detail.text

    # The administrator's catalogue lists it with its workflow drawn.
    admin = new_web()
    admin.login("admin", tab="staff")
    items = soup(admin.app.get("/admin/items"))
    assert "mentor_claim" in [tr["data-item"] for tr in items.select("[data-testid=items] tbody tr")]
    page = soup(admin.app.get("/admin/items/mentor_claim"))
    assert [g["data-state"] for g in page.select("[data-testid=diagram] g.state")] == [
        "draft", "submitted", "county_approved", "approved", "rejected", "returned"]
    assert "县级审核通过：审核人员（县级）" in page.select_one("[data-testid=diagram]").get_text()
    assert page.select_one("[data-testid=counts] td[data-state=approved]").get_text() == "1"


def test_a_changed_definition_bumps_its_version_and_old_cases_keep_theirs(tmp_path, apps, world, dbsession,
                                                                          storage):
    from engine.attachments import attach
    from engine.cases.lifecycle import save_draft, submit

    v1 = definitions(tmp_path, "v1")
    item = v1.item("mentor_claim")
    data = {"claim_month": "2026-01", "trainees": 2, "amount": 8000, "contact_name": "李红",
            "contact_mobile": "13912345678"}
    case = save_draft(dbsession, v1, item, world["unit"], data)
    attach(dbsession, storage, v1, case, "claim_form", "申领表.png", f.PNG, world["unit"])
    submit(dbsession, v1, item, world["unit"], data, case=case)
    dbsession.commit()

    changed = json.loads(json.dumps(SUBSIDY))
    changed["version"] = 2
    changed["schema"]["properties"]["trainees"]["title"] = "申领人数（人）"
    changed["schema"]["properties"]["bank_note"] = {"type": "string", "title": "收款说明", "maxLength": 100}
    changed["ui"]["sections"][0]["fields"].append("bank_note")
    v2 = definitions(tmp_path, "v2", item=changed)
    f.reviewer(dbsession, "xiaodian", "140105", "小店区审核员")
    dbsession.commit()
    reviewer = apps(v2)()
    reviewer.login("xiaodian", tab="staff")
    page = soup(reviewer.app.get(f"/review/cases/{case.id}"))
    assert "第1版" in page.select_one("[data-testid=definition-version]").get_text()
    assert "当前定义为第2版" in page.select_one("[data-testid=definition-version]").get_text()
    labels = [dt.get_text() for dt in page.select("dl.data dt")]
    assert "申领人数" in labels and "申领人数（人）" not in labels and "收款说明" not in labels
    admin = apps(v2)()
    admin.login("admin", tab="staff")
    versions = soup(admin.app.get("/admin/items/mentor_claim")).select("[data-testid=versions] tbody tr")
    assert [tr.get_text(" ", strip=True) for tr in versions] == ["第2版（当前） 0", "第1版 1"]
