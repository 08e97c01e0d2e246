"""The marked copy of the user's workbook: same rows and columns, red cells with comments, a 错误原因 column."""
import io
from datetime import date

import openpyxl
from openpyxl.utils import get_column_letter

from engine.batch.errorbook import build_error_workbook
from engine.batch.importer import RowError
from engine.batch.reader import open_sheet
from engine.batch.template import META_SHEET, choices_for
from tests.data import workbooks as wbs


def test_marks_comments_reasons_and_the_users_own_layout(catalogue):
    item = catalogue.item("attendance_report")
    header = ["我的序号", "*身份证号", "*姓名", "*考勤月份", "*应出勤天数", "*实际出勤天数", "*请假天数", "*旷工天数"]
    rows = [
        [1, "140105200305170014", "张三", "2026-10", 21, 20, 1, 0],
        [],                                                            # an empty row in the middle
        [2, "140105200305170022", wbs.Text("=1+1"), date(2026, 10, 1), 21, 30, 0, 0],
    ]
    data = wbs.raw_workbook(header, rows, key=item.key)
    errors = [
        RowError(4, "姓名", "=1+1", "姓名与见习匹配名单中的姓名不一致", "name", 2),
        RowError(4, "实际出勤天数", 30, "实际出勤天数+请假天数+旷工天数须等于应出勤天数（21天）", "attended_days", 5),
        RowError(4, "实际出勤天数", 30, "实际出勤天数不能大于31", "attended_days", 5),
    ]
    body = build_error_workbook(data, item, errors, choices=choices_for(item))
    wb = openpyxl.load_workbook(io.BytesIO(body))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == header + ["错误原因"]
    assert [c.value for c in ws[2]][:3] == [1, "140105200305170014", "张三"]
    assert all(c.value is None for c in ws[3])                         # row numbers are the ones the list names
    assert ws["A4"].value == 2
    name = ws["C4"]
    assert name.value == "'=1+1" and name.data_type == "s"              # text, never a formula
    assert name.fill.fgColor.rgb.endswith("FF9999") and name.comment.text == "姓名与见习匹配名单中的姓名不一致"
    attended = ws["F4"]
    assert attended.value == 30 and attended.comment.text == (
        "实际出勤天数+请假天数+旷工天数须等于应出勤天数（21天）；实际出勤天数不能大于31")
    assert ws["D4"].value.date() == date(2026, 10, 1) and ws["D4"].number_format == "yyyy-mm-dd"
    reason = ws.cell(row=4, column=len(header) + 1).value
    assert reason == ("姓名与见习匹配名单中的姓名不一致；实际出勤天数+请假天数+旷工天数须等于应出勤天数（21天）；"
                      "实际出勤天数不能大于31")
    assert ws["B2"].fill.fill_type is None and ws.cell(row=2, column=len(header) + 1).value is None
    assert {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows()}["item"] == item.key
    assert ws.column_dimensions[get_column_letter(2)].number_format == "@"


def test_the_marked_workbook_reads_back_as_the_same_data(catalogue):
    """The user fixes cells in the marked copy and imports it: our reader sees their data, not our marks."""
    item = catalogue.item("attendance_report")
    header = wbs.headers(item)
    rows = [["张三", "140105200305170014", "2026-10", 21, 20, 1, 0, "-请假1天"]]
    body = build_error_workbook(wbs.raw_workbook(header, rows, key=item.key), item,
                                [RowError(2, "备注", "-请假1天", "某个原因", "remark", 7)], choices=choices_for(item))
    sheet = open_sheet(body, item, max_rows=10, max_bytes=10**7)
    try:
        assert [c.field.key if c.field else c.header for c in sheet.columns] == \
            [fl.key for fl in item.fields] + ["错误原因"]
        (n, raw), = list(sheet.rows())
    finally:
        sheet.close()
    assert n == 2 and raw[:8] == ["张三", "140105200305170014", "2026-10", 21.0, 20.0, 1.0, 0.0, "'-请假1天"]
