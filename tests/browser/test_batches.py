"""The manual's batch path in a real browser: 模板下载 → 填写 → 选择文件 → 导入 → 错误信息 → 修改后再次导入."""
from pathlib import Path

import openpyxl
import pytest

from tests import factories as f
from tests.data import batch_rows
from playwright.sync_api import expect


@pytest.fixture
def approved_unit(dbsession, catalogue, storage, session_factory):
    unit = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, unit, province)
    position = f.published_position(dbsession, catalogue, unit, province, position_name="软件开发见习生")
    dbsession.commit()
    return unit, position


def _fill(path, rows, item):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, fl in enumerate(item.fields, start=1):
            ws.cell(row=r, column=c, value=row.get(fl.key))
    wb.save(path)


def test_download_fill_import_see_errors_fix_and_import_again(page, live_server, shot, check, tmp_path, catalogue,
                                                              approved_unit):
    unit, position = approved_unit
    page.goto(live_server + "/login")
    page.get_by_label("统一社会信用代码").fill(unit.login_name)
    page.locator("#f-password").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("aside").get_by_role("link", name="见习匹配结果批量上报").click()
    assert page.locator("main h1").inner_text() == "见习匹配结果批量上报"
    assert "软件开发见习生" in page.locator("section[aria-labelledby=step-template]").inner_text()
    shot("batch-page")

    with page.expect_download() as info:
        page.get_by_test_id("template-download").click()
    template = tmp_path / "模板.xlsx"
    info.value.save_as(template)
    assert info.value.suggested_filename == "见习匹配结果批量上报-模板-第1版.xlsx"

    item = catalogue.item("match_report")
    rows = batch_rows.match_rows(4, [position.name])
    rows[2]["mobile"] = "138123"            # one mistake ...
    rows[3]["position"] = "不存在的岗位"      # ... and another
    _fill(template, rows, item)
    page.get_by_label("选择文件", exact=True).set_input_files(str(template))
    shot("file-chosen")
    page.get_by_role("button", name="导入").click()
    assert "导入失败：共2处错误（涉及2行），未写入任何数据" in page.locator("#error-summary h2").inner_text()
    table = page.get_by_test_id("error-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    assert table.locator("tbody tr").nth(0).inner_text().split("\t")[:2] == ["4", "手机号"]
    check("errors")

    with page.expect_download() as info:
        page.get_by_test_id("errors-download").click()
    marked = tmp_path / "标注.xlsx"
    info.value.save_as(marked)
    ws = openpyxl.load_workbook(marked).worksheets[0]
    assert ws.cell(row=4, column=3).comment.text == "手机号应为11位手机号码，如13812345678"

    rows[2]["mobile"] = "13812345678"
    rows[3]["position"] = position.name
    _fill(template, rows, item)
    page.get_by_label("选择文件", exact=True).set_input_files(str(template))
    page.get_by_role("button", name="导入").click()
    assert "导入成功：共4行" in page.locator("[role=status]").first.inner_text()
    shot("imported")

    page.get_by_role("link", name="查看导入明细").click()
    assert page.locator("main h1").inner_text() == "见习匹配结果批量上报 · 导入明细"
    expect(page.get_by_test_id("batch-rows").locator("tbody tr")).to_have_count(4)
    assert rows[0]["id_number"] not in page.content()
    check("rows")
    with page.expect_download() as info:
        page.get_by_test_id("source-file").click()
    assert Path(info.value.path()).read_bytes() == template.read_bytes()  # the file as imported

    page.get_by_role("link", name="返回个人中心").click()
    expect(page.locator("[data-tab=approved][aria-current=page]")).to_have_count(1)
    assert "共4行" in page.locator("main table").inner_text()
    shot("my-cases-approved")


def test_bad_file_message_in_the_browser(page, live_server, shot, tmp_path, approved_unit):
    unit, _ = approved_unit
    page.goto(live_server + "/login")
    page.get_by_label("统一社会信用代码").fill(unit.login_name)
    page.locator("#f-password").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server + "/items/attendance_report")
    csv = tmp_path / "考勤.xlsx"
    csv.write_text("姓名,身份证号\n张三,140105200305170014\n", "utf-8")
    page.get_by_label("选择文件", exact=True).set_input_files(str(csv))
    page.get_by_role("button", name="导入").click()
    assert "这是CSV或文本文件" in page.get_by_test_id("file-error").inner_text()
    shot("csv-refused")
