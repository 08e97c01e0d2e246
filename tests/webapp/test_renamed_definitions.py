"""No item key or field name in Python: the five items with other keys and every field renamed, in a copy of the
definition folders, still make the whole programme work over HTTP. A unit applies and is approved, changes
its application to another county (申请变更, prefilled; the unit moves when the change is approved), posts a
position that is approved and found in the public search with its fields, a person says 我有意向, the unit
reports the match from the pre-filled template, then attendance and on-duty reports for that person, and the
overlap rule refuses a second agreement."""
from __future__ import annotations

import copy
import io
import json
import re
import shutil
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from engine import clock, formats
from engine.loader import default_dirs, load_catalogue
from engine.models import BatchRow, Case, Position
from engine.rules import BATCH_RULES, ROW_RULES
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import check_and_submit, confirm, form_to, fresh, say_interest, soup, the_form

KEYS = {"unit_application": "danwei_rending", "post_application": "gangwei_fabu", "match_report": "xieyi_mingdan",
        "attendance_report": "yuedu_kaoqin", "onduty_report": "zaigang_qingkuang", "subsidy_claim": "butie_shenling"}
SCHEMES = {"jianxi_subsidy": "butie_fangan"}


def F(key: str) -> str:
    """A field's new name."""
    return f"q_{key}"


def renamed(data: dict) -> dict:
    return {F(k): v for k, v in data.items()}


def _rename_rules(rules: list[dict], registry) -> None:
    for spec in rules:
        rule = registry[spec["rule"]]
        for p in rule.fields:
            spec[p] = F(spec[p])
        for p in rule.field_lists:
            spec[p] = [F(k) for k in spec[p]]


def rename_item(raw: dict) -> dict:
    """The item with its key, the keys it requires and every field name changed, wherever a field is named."""
    r = copy.deepcopy(raw)
    r["key"] = KEYS[r["key"]]
    for req in r.get("requires", []):
        req["item"] = KEYS[req["item"]]
    schema = r["schema"]
    schema["properties"] = {F(k): v for k, v in schema["properties"].items()}
    schema["required"] = [F(k) for k in schema.get("required", [])]
    ui = r["ui"]
    for section in ui["sections"]:
        if "fields" in section:
            section["fields"] = [F(k) for k in section["fields"]]
    for part in ("widgets", "prefill", "help"):
        if part in ui:
            ui[part] = {F(k): v for k, v in ui[part].items()}
    if "list_columns" in ui:
        ui["list_columns"] = [F(k) for k in ui["list_columns"]]
    _rename_rules(r.get("rules", []), ROW_RULES)
    for part in ("locates_unit",):
        if part in r:
            r[part] = {slot: F(k) for slot, k in r[part].items()}
    if "due" in r:
        r["due"]["month_field"] = F(r["due"]["month_field"])
    for part in (r.get("publish"), r.get("role")):
        if part and "fields" in part:
            part["fields"] = {slot: F(k) for slot, k in part["fields"].items()}
    if "claim" in r:
        r["claim"] = {"scheme": SCHEMES[r["claim"]["scheme"]],
                      "period": {slot: F(k) for slot, k in r["claim"]["period"].items()}}
        if "payee" in raw["claim"]:
            payee = raw["claim"]["payee"]
            r["claim"]["payee"] = {"item": KEYS[payee["item"]],
                                   **{slot: F(k) for slot, k in payee.items() if slot != "item"}}
    batch = r.get("batch")
    if batch:
        batch["row_key"] = [F(k) for k in batch["row_key"]]
        if "index" in batch:
            batch["index"] = {column: F(k) for column, k in batch["index"].items()}
        _rename_rules(batch.get("rules", []), BATCH_RULES)
    return r


def rename_scheme(raw: dict) -> dict:
    """A subsidy scheme with its key, the items its reports read and their fields renamed."""
    r = copy.deepcopy(raw)
    r["key"] = SCHEMES[r["key"]]
    for report in r["reports"].values():
        report["item"] = KEYS[report["item"]]
        report["fields"] = {slot: F(k) for slot, k in report["fields"].items()}
    return r


@pytest.fixture(scope="module")
def renamed_catalogue(tmp_path_factory):
    forms, workflows = default_dirs()
    target = tmp_path_factory.mktemp("renamed")
    shutil.copytree(workflows, target / "workflows")
    (target / "forms").mkdir()
    for path in forms.glob("*.json"):
        item = rename_item(json.loads(path.read_text("utf-8")))
        (target / "forms" / f"{item['key']}.json").write_text(json.dumps(item, ensure_ascii=False, indent=2), "utf-8")
    (target / "forms" / "schemes").mkdir()
    for path in (forms / "schemes").glob("*.json"):
        scheme = rename_scheme(json.loads(path.read_text("utf-8")))
        (target / "forms" / "schemes" / f"{scheme['key']}.json").write_text(json.dumps(scheme, ensure_ascii=False), "utf-8")
    catalogue = load_catalogue(target / "forms", target / "workflows")
    assert set(catalogue.schemes) == set(SCHEMES.values())
    # Nothing of the shipped names is left: every reference was renamed (the loader refuses dangling ones).
    assert set(catalogue.items) == set(KEYS.values())
    old_fields = {k for p in forms.glob("*.json") for k in json.loads(p.read_text("utf-8"))["schema"]["properties"]}
    assert all(not set(i.schema["properties"]) & old_fields for i in catalogue.items.values())
    return catalogue


def fill(template: bytes, item, rows: list[dict]) -> bytes:
    """Rows typed into the downloaded template (every value as text, as a person would type it)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, fl in enumerate(item.fields, start=1):
            if row.get(fl.key) is not None:
                ws.cell(row=r, column=c, value=row[fl.key]).data_type = "s" if isinstance(row[fl.key], str) else "n"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def complete(workbook: bytes, item, values: dict) -> bytes:
    """The pre-filled template with the unit's own columns added to its first row."""
    wb = openpyxl.load_workbook(io.BytesIO(workbook))
    ws = wb.worksheets[0]
    for c, fl in enumerate(item.fields, start=1):
        if fl.key in values:
            assert ws.cell(row=2, column=c).value in (None, ""), fl.key
            ws.cell(row=2, column=c, value=values[fl.key]).data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(web, key, data, status):
    return web.post(f"/items/{key}/import", upload_files=[("file", "上报.xlsx", data)], status=status)


def errors_of(page) -> list[str]:
    return [tr.find_all("td")[-1].get_text(strip=True)
            for tr in soup(page).find(attrs={"data-testid": "error-table"}).tbody.find_all("tr")]


def test_renamed_items_and_fields_run_the_whole_programme(renamed_catalogue, apps, dbsession):
    cat = renamed_catalogue
    unit_key, post_key, match_key = KEYS["unit_application"], KEYS["post_application"], KEYS["match_report"]
    s = dbsession
    f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    account = f.unit_account(s, name="山西晋阳智能科技有限公司")
    person = f.individual_account(s)
    s.commit()
    client = apps(cat)

    # 1. The unit applies on the form page, prefilled and validated under the new field names.
    unit = client()
    unit.login(account.login_name)
    page = unit.app.get(f"/items/{unit_key}")
    form = the_form(page)
    assert form[F("unit_name")].value == "山西晋阳智能科技有限公司"
    application = f.unit_application_data("山西晋阳智能科技有限公司", insured_count=999)
    for key, value in application.items():
        form[F(key)] = str(value)
    bad = form.submit("action", value="submit", status=422)  # the renamed lte_field rule still applies
    assert "参保人数不能大于职工人数" in soup(bad).select_one("[data-testid=error-summary]").get_text()
    form = the_form(bad)
    for key, value in {**application, "insured_count": 110}.items():
        form[F(key)] = str(value)
    for spec in cat.item(unit_key).attachments:
        form[f"file_{spec['slot']}"] = (f"{spec['slot']}.pdf", f.PDF)
    done = check_and_submit(form.submit("action", value="submit")).follow()
    unit_case = int(re.search(r"/cases/(\d+)/done", done.request.path).group(1))

    # 2. A reviewer approves it on the review page; the unit is now located by the renamed locates_unit.
    reviewer = client()
    reviewer.login("sheng", tab="staff")
    assert confirm(reviewer, unit_case, "approve").status_int == 303
    fresh(s)
    assert s.get(Case, unit_case).state == "approved" and account.unit.county_code == "140105"
    # Held once (`change`): opening it again offers 申请变更, prefilled under the new field names.
    page = unit.app.get(f"/items/{unit_key}")
    assert "贵单位已通过就业见习单位认定" in soup(page).select_one("[data-testid=in-force]").get_text()
    change = the_form(form_to(page, f"/items/{unit_key}/change").submit().follow())
    assert change[F("address")].value == "太原市小店区长治路123号"
    assert change[F("bank_account_confirm")].value == application["bank_account"]
    change[F("county")] = "140106"   # another county of 太原市: the unit moves there once approved
    moved = int(re.search(r"/cases/(\d+)/done", check_and_submit(change.submit("action", value="submit")).location).group(1))
    fresh(s)
    assert account.unit.county_code == "140105"
    assert confirm(reviewer, moved, "approve").status_int == 303
    fresh(s)
    assert account.unit.county_code == "140106"

    # 3. A post application, through the API (only possible now that the unit is approved), then approved.
    login = unit.app.post_json("/api/session", {"kind": "unit", "login": account.login_name, "password": f.PASSWORD})
    headers = {"X-CSRF-Token": login.json["csrf_token"]}
    post = renamed(f.post_data(position_name="数据分析见习生", major="统计学", allowance=2800,
                               description="参与数据清洗与报表", age_min=18, age_max=30))
    made = unit.app.post_json(f"/api/items/{post_key}/cases", {"data": post, "submit": True}, headers=headers,
                              status=201)
    assert_matches_spec(made)
    staff = reviewer.app.post_json("/api/session", {"kind": "staff", "login": "sheng", "password": f.PASSWORD})
    approved = reviewer.app.post_json(f"/api/cases/{made.json['id']}/transitions/approve",
                                      {"version": made.json["version"]},
                                      headers={"X-CSRF-Token": staff.json["csrf_token"]})
    assert approved.json["state"] == "approved"
    fresh(s)
    position = s.scalar(select(Position).where(Position.case_id == made.json["id"]))
    assert (position.name, position.openings, position.county_code, position.allowance, position.period_months,
            position.education, position.major, position.address) == (
        "数据分析见习生", 5, "140105", 2800, 6, "本科", "统计学", "太原市小店区长治路123号")
    assert position.industry == "信息传输、软件和信息技术服务业"  # from the unit_approval role's profile
    assert position.deadline == clock.today() + timedelta(days=60)  # the factory's Beijing date

    # 4. The public finds it by its fields, with the choices the renamed definitions declare.
    public = client()
    listing = public.app.get("/positions?county=140105&education=%E6%9C%AC%E7%A7%91&min_allowance=2700")
    cards = soup(listing).select("li.position-card")
    assert [int(c["data-position"]) for c in cards] == [position.id]
    assert "数据分析见习生" in cards[0].get_text() and "信息传输、软件和信息技术服务业" in cards[0].get_text()
    options = [o["value"] for o in soup(listing).select("#f-education option") if o["value"]]
    assert options == ["不限", "中专", "大专", "本科", "硕士", "博士"]
    assert len([o for o in soup(listing).select("#f-industry option") if o["value"]]) == 20
    api = public.app.get("/api/positions?q=%E6%95%B0%E6%8D%AE%E5%88%86%E6%9E%90")
    assert_matches_spec(api)
    assert [(i["id"], i["industry"], i["region"]) for i in api.json["items"]] == [
        (position.id, "信息传输、软件和信息技术服务业", "太原市 小店区")]
    bad = public.app.get("/api/positions?education=%E5%B0%8F%E5%AD%A6", status=422)  # 小学: not offered
    assert bad.json["errors"] == [{"field": "education", "message": "education 的可选值：、不限、中专、大专、本科、硕士、博士"}]
    detail = public.app.get(f"/api/positions/{position.id}")
    assert_matches_spec(detail)
    d = detail.json
    assert (d["description"], d["age_min"], d["age_max"], d["contact_name"], d["contact_mobile"]) == (
        "参与数据清洗与报表", 18, 30, "李红", "139****5678")
    # The profile is the approved change's (its county), read through the renamed role fields.
    assert d["unit"] == {"name": "山西晋阳智能科技有限公司", "industry": "信息传输、软件和信息技术服务业",
                         "unit_type": "企业", "address": "太原市 迎泽区 太原市小店区长治路123号", "intro": "软件企业"}
    assert "参与数据清洗与报表" in public.app.get(f"/positions/{position.id}").text
    assert "办理就业见习岗位申请" in unit.app.get("/unit/positions?status=full").text  # the publishing item's link
    assert f'href="/items/{post_key}"' in unit.app.get("/unit/positions?status=full").text

    # 5. A person says 我有意向; the unit sees them and gets the match template filled in for them.
    individual = client()
    individual.login(person.login_name, tab="individual")
    assert "已登记意向" in say_interest(individual, position.id).follow().text
    page = unit.app.get(f"/unit/positions/{position.id}")
    rows = page.html.select("[data-testid=people] tbody tr")
    assert [r.select("td")[1].text for r in rows] == ["张晓明"]
    assert [o["value"] for o in page.html.select("#f-education option") if o["value"]] == [
        "中专", "大专", "本科", "硕士", "博士", "其他"]  # the agreements item's 学历
    form = form_to(page, "/match-template.xlsx")
    for box in form.fields["intent"]:
        box.checked = True
    prefilled = form.submit().body
    match_item = cat.item(match_key)
    first = clock.today().replace(day=1)
    start = formats.add_months(first, -1)
    end = formats.add_months(start, 6) - timedelta(days=1)
    agreement = renamed({"graduated_on": "2026-06-30", "category": "离校2年内未就业高校毕业生",
                         "start_date": start.isoformat(), "end_date": end.isoformat(), "insurance_no": "PICC2026001"})
    done = upload(unit, match_key, complete(prefilled, match_item, agreement), status=303).follow()
    assert "导入成功：共1行" in done.text
    fresh(s)
    row = s.scalar(select(BatchRow).where(BatchRow.item_key == match_key))
    assert (row.id_number, row.start_date, row.end_date, row.position_id) == (person.id_number, start, end,
                                                                              position.id)
    assert row.data[F("name")] == "张晓明" and row.data[F("school")] == "山西大学"
    assert s.get(Position, position.id).matched == 1

    # 6. Monthly reports: the roster is the agreements item's rows, found by its role.
    month = start.strftime("%Y-%m")
    stranger_id = f.new_id_number("20020202")
    for key, data in ((KEYS["attendance_report"], {"month": month, "required_days": 20, "attended_days": 19,
                                                    "leave_days": 1, "absent_days": 0}),
                      (KEYS["onduty_report"], {"month": month, "status": "在岗", "days": 30, "allowance_paid": 2800})):
        item = cat.item(key)
        # Its `due` (renamed month field): the unit owes the month's report until it makes it (缺报名单).
        owed = reviewer.api("get", f"/api/review/missing?item={key}&month={month}", status=200).json["items"]
        assert [(r["unit"]["name"], r["trainees"], r["status"]) for r in owed] == [("山西晋阳智能科技有限公司", 1, "missing")]
        template = unit.app.get(f"/items/{key}/template.xlsx").body
        people = [renamed({"name": "张晓明", "id_number": person.id_number, **data}),
                  renamed({"name": "路人甲", "id_number": stranger_id, **data})]
        refused = upload(unit, key, fill(template, item, people), status=422)
        assert errors_of(refused) == ["该人员不在本单位已上报的见习匹配名单中，请先上报见习匹配结果"]
        wrong_name = [{**people[0], F("name"): "张小明"}]
        assert errors_of(upload(unit, key, fill(template, item, wrong_name), status=422)) == [
            "姓名与见习匹配名单中的姓名不一致"]
        ok = upload(unit, key, fill(template, item, people[:1]), status=303).follow()
        assert "导入成功：共1行" in ok.text
        fresh(s)
        stored = s.scalar(select(BatchRow).where(BatchRow.item_key == key))
        assert (stored.id_number, stored.month) == (person.id_number, month)
        assert reviewer.api("get", f"/api/review/missing?item={key}&month={month}").json["items"] == []

    # 7. A second agreement for the same person overlapping the first is refused.
    later = formats.add_months(start, 1)
    overlap = complete(prefilled, match_item, {**agreement, F("start_date"): later.isoformat(),
                                                 F("end_date"): (formats.add_months(later, 4)).isoformat()})
    refused = upload(unit, match_key, overlap, status=422)
    assert errors_of(refused) == [f"该人员已有{start:%Y-%m-%d}至{end:%Y-%m-%d}的见习协议，协议期间不能重叠"]

    # 8. The subsidy claim reads the renamed reports through the renamed scheme, and is submitted.
    claim_key = KEYS["subsidy_claim"]
    form = form_to(unit.app.get(f"/items/{claim_key}"), f"/items/{claim_key}")
    form[F("period_from")] = form[F("period_to")] = month
    lines = form.submit().follow()
    row = soup(lines).select_one(f"[data-testid=claim-lines] tr[data-month='{month}']")
    assert row["data-flag"] == "" and "在岗30天，实发2800元，按最低工资2150元" in row.get_text()
    submit = form_to(lines, "/subsidy", has="confirm")
    submit["confirm"] = True
    assert soup(submit.submit("action", value="submit").follow()).select_one("[data-testid=state]").get_text() == "待县级审核"

    # 9. 数据统计 finds the same items by their declarations (role, publish, the scheme's reports, kind claim).
    def totals(query=""):
        return {x["key"]: x["total"] for x in reviewer.api("get", f"/api/review/statistics{query}").json["figures"]}
    this_year = totals()
    assert this_year["units"] == {"applied": 1, "approved": 1} and this_year["positions"] == {"published": 1}
    assert this_year["claims"] == {"claimed": 1, "approved": 0, "paid": 0}    # by the month it was submitted
    assert totals(f"?from={month}&to={month}")["trainees"] == {"matched": 1, "on_duty": 1}


STATES = {"draft": "cao_gao", "submitted": "dai_shen", "approved": "tong_guo", "rejected": "bu_tong_guo",
          "returned": "tui_hui"}


@pytest.fixture(scope="module")
def renamed_states(tmp_path_factory):
    """The shipped definitions with every state of the review workflow renamed (and the items' references to
    them), its waiting state given 3 working days instead of 10."""
    forms, workflows = default_dirs()
    target = tmp_path_factory.mktemp("renamed-states")
    shutil.copytree(forms, target / "forms")
    shutil.copytree(workflows, target / "workflows")
    path = target / "workflows" / "review.json"
    wf = json.loads(path.read_text("utf-8"))
    wf["initial"] = STATES[wf["initial"]]
    for s in wf["states"]:
        s["name"] = STATES[s["name"]]
        if "time_limit" in s:
            s["time_limit"] = 3
    for t in wf["transitions"]:
        t["source"] = [STATES[x] for x in t["source"]] if isinstance(t["source"], list) else STATES[t["source"]]
        t["dest"] = STATES[t["dest"]]
    path.write_text(json.dumps(wf, ensure_ascii=False), "utf-8")
    for item_path in (target / "forms").glob("*.json"):
        item = json.loads(item_path.read_text("utf-8"))
        for req in item.get("requires", []):
            req["state"] = STATES.get(req["state"], req["state"])
        for part in ("publish", "role", "change"):
            if item.get(part) and "when" in item[part]:
                item[part]["when"] = STATES.get(item[part]["when"], item[part]["when"])
        item_path.write_text(json.dumps(item, ensure_ascii=False), "utf-8")
    return load_catalogue(target / "forms", target / "workflows")


def test_renamed_states_keep_their_time_limit_stop_and_restart(renamed_states, apps, dbsession, clock_at):
    """Deadlines follow the limit the renamed waiting state declares: no state name in the Python."""
    from tests.webapp.test_deadlines import bj, deadline_text
    cat = renamed_states
    s = dbsession
    f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    account = f.unit_account(s, name="山西晋阳智能科技有限公司")
    s.commit()
    client = apps(cat)
    clock_at(bj(2026, 2, 13))                       # three working days: 14 February (调休), 24 and 25
    unit = client()
    unit.login(account.login_name)
    form = the_form(unit.app.get("/items/unit_application"))
    for key, value in f.unit_application_data("山西晋阳智能科技有限公司").items():
        form[key] = str(value)
    for spec in cat.item("unit_application").attachments:
        form[f"file_{spec['slot']}"] = (f"{spec['slot']}.pdf", f.PDF)
    done = check_and_submit(form.submit("action", value="submit")).follow()
    case_id = int(re.search(r"/cases/(\d+)/done", done.request.path).group(1))
    fresh(s)
    assert s.get(Case, case_id).state == "dai_shen"
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "剩余3个工作日 期限 2026-02-25"
    reviewer = client()
    reviewer.login("sheng", tab="staff")
    clock_at(bj(2026, 2, 26))
    overdue = reviewer.api("get", "/api/review/cases?deadline=overdue").json["items"]
    assert [(i["id"], i["deadline"]["label"]) for i in overdue] == [(case_id, "已超期1个工作日")]
    assert confirm(reviewer, case_id, "return_for_correction", reason="信息填写有误").status_int == 303
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "已退回，暂停计时"
    form = the_form(unit.app.get(f"/cases/{case_id}/edit"))
    form["bank_account_confirm"] = form["bank_account"].value
    check_and_submit(form.submit("action", value="submit")).follow()
    # Resubmitted on Thursday 26 February: 27th, Saturday 28th (调休) and 2 March.
    assert deadline_text(unit.app.get(f"/cases/{case_id}")) == "剩余3个工作日 期限 2026-03-02"
