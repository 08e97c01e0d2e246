"""Reading filled workbooks: Excel's ways of storing values, header tolerance, and every kind of bad file."""
from datetime import date, datetime

import pytest

from engine.batch import reader
from engine.batch.reader import BadFile, CellProblem, converter, open_sheet
from engine.validation import normalize
from tests import factories as f
from tests.data import workbooks as wbs

MB = 1024 * 1024


@pytest.fixture
def match(catalogue):
    return catalogue.item("match_report")


def _read(item, data, max_rows=100_000, max_bytes=20 * MB, catalogue=None):
    sheet = open_sheet(data, item, max_rows=max_rows, max_bytes=max_bytes, catalogue=catalogue)
    try:
        convs = {c.field.key: converter(c.field) for c in sheet.columns if c.field is not None}
        index = {c.field.key: c.index for c in sheet.columns if c.field is not None}
        out = []
        for n, raw in sheet.rows():
            out.append((n, {k: conv(raw[index[k]]) for k, conv in convs.items() if index[k] < len(raw)}))
        return sheet, out
    finally:
        sheet.close()


def test_excel_values_come_out_as_the_web_form_would_have_them(match):
    id_no = f.new_id_number()
    row = ["  张 三 ", id_no[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + id_no[17].lower(),
           13812345678.0, "本科 ", " 山西大学", "会计学", datetime(2026, 6, 30), "离校2年内未就业高校毕业生",
           "'=软件开发", "2026/9/1", "2027年2月28日", "２６００", "PICC-1"]
    _, rows = _read(match, wbs.raw_workbook(wbs.headers(match), [row]))
    assert rows == [(2, {
        "name": "张 三", "id_number": id_no, "mobile": "13812345678", "education": "本科", "school": "山西大学",
        "major": "会计学", "graduated_on": "2026-06-30", "category": "离校2年内未就业高校毕业生",
        "position": "=软件开发", "start_date": "2026-09-01", "end_date": "2027-02-28", "allowance": 2600,
        "insurance_no": "PICC-1"})]


@pytest.mark.parametrize("raw, expected", [
    (date(2025, 3, 1), "2025-03-01"),
    (datetime(2025, 3, 1, 0, 0), "2025-03-01"),
    (45717.0, "2025-03-01"),            # an Excel serial number in a cell without a date format
    (20250301.0, "2025-03-01"),         # typed as digits
    ("2025-3-1", "2025-03-01"),
    ("2025.03.01", "2025-03-01"),
    ("２０２５年３月１日", "2025-03-01"),
    (3.0, "3"),                         # too small to be a plausible serial date
    ("", None),
])
def test_date_cells(match, raw, expected):
    assert converter(match.field_map["start_date"])(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("2025-03", "2025-03"), ("2025/3", "2025-03"), ("2025年3月", "2025-03"), (202503.0, "2025-03"),
    (datetime(2025, 3, 1), "2025-03"), (45717.0, "2025-03"), ("2025-13", "2025-13"),
])
def test_month_cells(catalogue, raw, expected):
    assert converter(catalogue.item("attendance_report").field_map["month"])(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (2025.03, "2025-03"), (2025.12, "2025-12"), (2025.11, "2025-11"), (2025.09, "2025-09"),
    (2025.2, "2025-02"),    # 2025.20 is no month: only February
    (2025.9, "2025-09"),
])
def test_a_month_typed_as_a_number_is_read_as_that_month(catalogue, raw, expected):
    problems = []
    assert converter(catalogue.item("attendance_report").field_map["month"], problems)(raw) == expected
    assert problems == []


def test_a_month_typed_as_2025_point_1_could_be_january_or_october_and_is_refused(catalogue):
    """Excel keeps 2025.10 typed in a number cell as the float 2025.1: the same as 2025.1 for January."""
    problems = []
    value = converter(catalogue.item("attendance_report").field_map["month"], problems)(2025.1)
    assert isinstance(value, CellProblem) and problems == [value]
    assert value.message == ("考勤月份“2025.1”既可能是2025年1月，也可能是2025年10月（在数字格式的单元格中输入2025.10，Excel会存成"
                             "2025.1）。请改为2025-01或2025-10后重新导入")
    other = converter(catalogue.item("attendance_report").field_map["month"])(2025.13)
    assert isinstance(other, CellProblem) and other.message == "考勤月份“2025.13”不是有效月份，月份应在1至12之间，如2025-03"
    assert converter(catalogue.item("attendance_report").field_map["month"])(2025.123) == "2025.123"  # no month at all


@pytest.mark.parametrize("text, why", [
    ("2025/2/30", "2025/2/30不是有效日期（2月没有30日）"),
    ("2025-02-30", "2025-02-30不是有效日期（2月没有30日）"),
    ("2025年4月31日", "2025年4月31日不是有效日期（4月没有31日）"),
    ("2025/2/29", "2025/2/29不是有效日期（2025年不是闰年，2月没有29日）"),
    ("2025/13/1", "2025/13/1不是有效日期（月份应在1至12之间）"),
    (20250230.0, "20250230不是有效日期（2月没有30日）"),
])
def test_a_date_that_does_not_exist_says_why(match, text, why):
    problems = []
    value = converter(match.field_map["start_date"], problems)(text)
    assert isinstance(value, CellProblem) and value.message == why and problems == [value]
    assert converter(match.field_map["start_date"])("2024/2/29") == "2024-02-29"   # a leap year


def test_an_impossible_date_is_reported_at_its_row_with_the_reason(match, catalogue):
    from engine.batch.importer import check_sheet
    from engine.rules import RuleContext
    row = ["张三", f.new_id_number(), "13812345678", "本科", "山西大学", "会计学", "2026/6/30", "离校2年内未就业高校毕业生",
           "软件开发见习生", "2026/2/30", "2026/8/31", 2600, "PICC-1"]
    sheet = open_sheet(wbs.raw_workbook(wbs.headers(match), [row]), match, max_rows=10, max_bytes=MB)
    result = check_sheet(match, sheet, RuleContext(today=date(2026, 11, 28), catalogue=catalogue))
    assert [(e.row, e.column, e.value, e.message) for e in result.errors if e.field == "start_date"] == [
        (2, "协议开始日期", "2026/2/30", "2026/2/30不是有效日期（2月没有30日）")]


def _with_date_system(item, cells: str, date1904: bool) -> bytes:
    from tests.data.hostile.sheets import header_row, sheet_xml, xlsx
    styles = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf/>'
              b'<xf numFmtId="14"/></cellXfs></styleSheet>')
    return xlsx(sheet_xml(header_row(wbs.headers(item)) + f'<row r="2">{cells}</row>'), item_key=item.key,
                styles=styles, workbook_pr='<workbookPr date1904="1"/>' if date1904 else "")


@pytest.mark.parametrize("date1904, expected", [(False, "2025-03-01"), (True, "2029-03-02")])
def test_bare_serial_dates_follow_the_workbooks_date_system(match, catalogue, date1904, expected):
    """45717 is 2025-03-01 counted from 1900, and 2029-03-02 counted from 1904 (Excel for Mac's old default).

    calamine converts a cell formatted as a date itself; a bare number in a General cell is ours to read."""
    item = match
    cells = '<c r="J2"><v>45717</v></c><c r="K2" s="1"><v>45717</v></c>'
    sheet = open_sheet(_with_date_system(item, cells, date1904), item, max_rows=10, max_bytes=MB, catalogue=catalogue)
    try:
        assert sheet.date1904 is date1904
        [(n, raw)] = list(sheet.rows())
        start, end = (converter(item.field_map[k], date1904=sheet.date1904) for k in ("start_date", "end_date"))
        assert (start(raw[9]), end(raw[10])) == (expected, expected)   # the bare serial and the date cell agree
    finally:
        sheet.close()


def test_a_month_serial_follows_the_date_system_too(catalogue):
    month = catalogue.item("attendance_report").field_map["month"]
    assert (converter(month)(45717), converter(month, date1904=True)(45717)) == ("2025-03", "2029-03")


def test_an_id_number_excel_turned_into_a_number_is_refused_with_the_reason(match):
    value = converter(match.field_map["id_number"])(1.4010520030517002e17)
    assert isinstance(value, CellProblem)
    assert "被Excel存成了数字" in value.message and "文本" in value.message


@pytest.mark.parametrize("key", ["name", "id_number", "mobile", "education", "allowance", "position", "insurance_no"])
@pytest.mark.parametrize("raw", ["  本科 ", "\u3000本科\u200b", "１３８１２３４５６７８", "+86 138-1234-5678",
                                 "14010520030517001x", " 2600 ", "2,600", "２６００", "abc", 2600.0, 2600.5, 12.0,
                                 "'+1", "- 5", "\xa0x\xa0"])
def test_the_fast_converters_agree_with_engine_normalize(match, key, raw):
    """The reader's fast paths must give exactly what the web form's normaliser gives for the same text."""
    fast = converter(match.field_map[key])(raw)
    text = raw[1:] if isinstance(raw, str) and raw[:1] == "'" and raw[1:2] in "=+-@" else raw
    slow = normalize(match, {key: text}).get(key)
    if isinstance(raw, float) and match.field_map[key].type in ("integer", "number") and raw.is_integer():
        slow = int(slow)
    assert fast == slow


@pytest.mark.parametrize("cap", [3, 50_000])
def test_a_column_converts_as_its_cells_would_one_by_one(match, cap):
    """Whole columns are converted by distinct value; every cell must still get what converter() gives it."""
    from engine.batch.reader import column_converter
    cells = {
        "graduated_on": [datetime(2026, 6, 30), 46203, "2026/6/30", "2026年6月30日", "", None, 46203.0, True, 1],
        "allowance": [2600.0, 2600, "２６００", " 2600 ", "", True, 1, 1.0, False, 0, "abc"],
        "education": ["本科", " 本科", "本科 ", "", "本科", "硕士", 1, 1.0],
        "id_number": [1.40105200305170e17, "14010520030517001x", "", "140105200305170017"],
        "name": [f"姓名{i % 7}" for i in range(20)] + [12, 12.0, ""],
    }
    for key, values in cells.items():
        field = match.field_map[key]
        one_by_one, whole = converter(field), column_converter(field, cap=cap)
        for _ in range(2):  # the second pass is served from what the first one learnt
            got = whole(tuple(values))
            expected = [one_by_one(v) for v in values]
            assert [(g.__class__, g.message if isinstance(g, CellProblem) else g) for g in got] == \
                [(e.__class__, e.message if isinstance(e, CellProblem) else e) for e in expected], key


def test_headers_are_matched_by_label_in_any_order_and_with_marks(match):
    labels = [fl.label for fl in match.fields]
    header = [f"{labels[1]}*", f"＊{labels[0]}", f" {labels[2]} （必填）", "我的备注"] + labels[3:]
    sheet = open_sheet(wbs.raw_workbook(header, [["x"] * len(header)]), match, max_rows=10, max_bytes=MB)
    sheet.close()
    assert [c.field.key if c.field else c.header for c in sheet.columns][:4] == \
        ["id_number", "name", "mobile", "我的备注"]


def test_a_missing_required_column_is_named(match):
    header = [h for h in wbs.headers(match) if "手机号" not in h and "学历" not in h]
    with pytest.raises(BadFile) as e:
        open_sheet(wbs.raw_workbook(header, [["x"] * len(header)]), match, max_rows=10, max_bytes=MB)
    assert e.value.message.startswith("表头缺少必填列：手机号、学历")


def test_a_column_twice_is_refused(match):
    header = wbs.headers(match) + ["身份证号"]
    with pytest.raises(BadFile) as e:
        open_sheet(wbs.raw_workbook(header, [["x"] * len(header)]), match, max_rows=10, max_bytes=MB)
    assert "“身份证号”出现了不止一次" in e.value.message


def test_empty_rows_are_skipped_and_row_numbers_kept(match):
    width = len(match.fields)
    rows = [["甲"] + [None] * (width - 1), [], [None] * width, ["  "] + [None] * (width - 1), ["乙"]]
    _, out = _read(match, wbs.raw_workbook(wbs.headers(match), rows))
    # A row of spaces may reach the importer, which drops it once trimmed: nothing of it is a value.
    assert [(n, d.get("name")) for n, d in out if any(v is not None for v in d.values())] == [(2, "甲"), (6, "乙")]


@pytest.mark.parametrize("make, kind, text", [
    (lambda: b"", "invalid", "所选文件是空的"),
    (wbs.xls_bytes, "unsupported", "旧版Excel 97-2003（.xls）"),
    (wbs.encrypted_xlsx_bytes, "unsupported", "设置了打开密码"),
    (wbs.csv_bytes, "unsupported", "这是CSV或文本文件"),
    (wbs.html_bytes, "unsupported", "网页（HTML/XML）格式"),
    (wbs.docx_bytes, "unsupported", "这是Word文档"),
    (lambda: b"PK\x03\x04" + b"\x00" * 100, "invalid", "文件已损坏"),
    (lambda: bytes(range(256)) * 4, "unsupported", "不是Excel工作簿"),
])
def test_files_that_are_not_xlsx(match, make, kind, text):
    with pytest.raises(BadFile) as e:
        open_sheet(make(), match, max_rows=10, max_bytes=MB)
    assert e.value.kind == kind and text in e.value.message


def test_size_limit(match):
    data = wbs.raw_workbook(wbs.headers(match), [["x"] * 13] * 50)
    with pytest.raises(BadFile) as e:
        open_sheet(data, match, max_rows=1000, max_bytes=len(data) - 1)
    assert e.value.kind == "too_large" and "超过" in e.value.message and "MB的限制" in e.value.message


def test_zip_bomb_is_refused_before_reading(match, monkeypatch):
    monkeypatch.setattr(reader, "MIN_UNCOMPRESSED_LIMIT", 4 * MB)
    with pytest.raises(BadFile) as e:
        open_sheet(wbs.zip_bomb(8), match, max_rows=10, max_bytes=MB)
    assert e.value.kind == "too_large" and "解压后" in e.value.message


def test_row_limit_counts_real_rows(match):
    rows = [["x"] * 13] * 6
    with pytest.raises(BadFile) as e:
        open_sheet(wbs.raw_workbook(wbs.headers(match), rows), match, max_rows=5, max_bytes=MB)
    assert e.value.kind == "too_large" and "共有6行数据，超过每次最多导入5行" in e.value.message
    sheet = open_sheet(wbs.raw_workbook(wbs.headers(match), rows[:5] + [[]] * 3), match, max_rows=5, max_bytes=MB)
    sheet.close()


@pytest.mark.parametrize("key, version, text", [
    (None, 1, "不是从本系统下载的“见习匹配结果批量上报”模板"),
    ("attendance_report", 1, "这是“见习考勤批量上报”的模板，不能在“见习匹配结果批量上报”中导入"),
    ("match_report", 0, "模板已过期：所用模板为第0版，当前为第1版"),
])
def test_foreign_and_old_templates(match, catalogue, key, version, text):
    data = wbs.raw_workbook(wbs.headers(match), [["x"] * 13], key=key, version=version)
    with pytest.raises(BadFile) as e:
        open_sheet(data, match, max_rows=10, max_bytes=MB, catalogue=catalogue)
    assert e.value.kind == "invalid" and text in e.value.message


def test_empty_sheet(match):
    with pytest.raises(BadFile) as e:
        open_sheet(wbs.raw_workbook([], []), match, max_rows=10, max_bytes=MB)
    assert "是空的，连表头也没有" in e.value.message


# A cell of spaces reaches calamine as Excel writes it (xml:space="preserve"; openpyxl does so with lxml):
# a row of them is no data.
def test_header_only(match):
    with pytest.raises(BadFile) as e:
        open_sheet(wbs.raw_workbook(wbs.headers(match), [[], [None, "  "]]), match, max_rows=10, max_bytes=MB)
    assert e.value.message == "模板中只有表头，没有数据。请从第2行起填写后再导入"


def test_a_title_row_instead_of_the_header(match):
    data = wbs.raw_workbook(["见习人员花名册"], [wbs.headers(match)])
    with pytest.raises(BadFile) as e:
        open_sheet(data, match, max_rows=10, max_bytes=MB)
    assert e.value.message.startswith("第1行不是本事项模板的表头")
