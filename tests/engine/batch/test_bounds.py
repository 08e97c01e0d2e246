"""Bounding what a workbook makes calamine allocate: every hostile shape refused before calamine opens it,
real workbooks let through, and the bounds checked against calamine itself on generated sheets."""
import io
import random
import zipfile
from functools import lru_cache

import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.batch import bounds
from engine.batch.bounds import OutOfBounds, SheetLimits, column_letters, inspect
from engine.batch.reader import SKIPPED_SHEETS, BadFile, open_sheet
from engine.batch.template import META_SHEET, filled_workbook
from tests.data import batch_rows
from tests.data.hostile.sheets import MAIN, ROW, bombs, data_row, header_row, sheet_xml, text_cell, xlsx

MB = 1024 * 1024


@lru_cache(maxsize=1)
def _bombs():
    return bombs()


def _open(catalogue, data, key="attendance_report", max_rows=100_000):
    return open_sheet(data, catalogue.item(key), max_rows=max_rows, max_bytes=20 * MB, catalogue=catalogue)


@pytest.mark.parametrize("index", range(len(_bombs())), ids=[b[0] for b in _bombs()])
def test_each_hostile_workbook_is_refused_with_its_reason_before_calamine_reads_it(index, catalogue, monkeypatch):
    name, body, reason = _bombs()[index]

    def no_calamine(*_, **__):
        raise AssertionError("calamine was asked to open a workbook outside the bounds")
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_calamine)
    with pytest.raises(BadFile) as e:
        _open(catalogue, body)
    assert reason in e.value.message, e.value.message
    assert e.value.kind in ("too_large", "invalid")


def test_a_cell_beyond_the_template_says_where_it_is_and_what_to_do(catalogue):
    body = xlsx(sheet_xml(header_row(["*姓名", "*身份证号"]) + data_row(2, ROW)
                          + '<row r="5"><c r="AB5"><v>1</v></c></row>'))
    with pytest.raises(BadFile) as e:
        _open(catalogue, body)
    assert e.value.message == ("列数超过模板范围：模板只有8列（A至H列），文件中的单元格位于第5行第28列（AB列）。"
                               "请删除H列右侧多余的列和单元格后再导入")
    assert e.value.kind == "too_large"


def test_the_rows_allowed_follow_the_import_limit(catalogue):
    rows = "".join(data_row(r, ROW) for r in range(2, 9))
    body = xlsx(sheet_xml(header_row(["*姓名"]) + rows + '<row r="1010"><c r="A1010"><v>1</v></c></row>'))
    with pytest.raises(BadFile) as e:
        _open(catalogue, body, max_rows=5)
    assert "每次最多导入5行数据，文件中的单元格位于第1010行第1列（A列）" in e.value.message


@pytest.mark.parametrize("key", ["match_report", "attendance_report", "onduty_report"])
def test_real_workbooks_pass_the_bounds(key, catalogue):
    item = catalogue.item(key)
    rnd = random.Random(1)
    people = [batch_rows.person(i, rnd) for i in range(30)]
    rows = {"match_report": lambda: batch_rows.match_rows(30, ["软件开发见习生"]),
            "attendance_report": lambda: batch_rows.attendance_rows(people, "2026-09"),
            "onduty_report": lambda: batch_rows.onduty_rows(people, "2026-09")}[key]()
    sheet = _open(catalogue, filled_workbook(item, rows, ["软件开发见习生"]), key)
    try:
        assert sum(len(c) for c in sheet.chunks(100)) == 30
    finally:
        sheet.close()


def test_the_users_own_columns_and_the_error_column_fit_after_the_template(catalogue):
    item = catalogue.item("attendance_report")
    last = len(item.fields) + bounds.EXTRA_COLUMNS
    header = [f"*{f.label}" if f.required else f.label for f in item.fields] + ["错误原因"] + ["自己的列"] * (last - 9)

    def book(col):
        return xlsx(sheet_xml(header_row(header) + data_row(2, ROW)
                              + f'<row r="3"><c r="{column_letters(col)}3"><v>1</v></c></row>'))
    _open(catalogue, book(last)).close()
    with pytest.raises(BadFile) as e:
        _open(catalogue, book(last + 1))
    assert e.value.message.startswith("列数超过模板范围：模板只有8列（A至H列），文件中的单元格位于第3行第25列（Y列）")


def test_a_prefixed_workbook_as_the_open_xml_sdk_writes_it_is_read(catalogue):
    x = "x:"
    cells = "".join(f'<{x}c r="{column_letters(i)}1" t="inlineStr"><{x}is><{x}t>{h}</{x}t></{x}is></{x}c>'
                    for i, h in enumerate(["*姓名", "*身份证号", "*考勤月份", "*应出勤天数", "*实际出勤天数", "*请假天数",
                                           "*旷工天数"], start=1))
    row = "".join(f'<{x}c r="{column_letters(i)}2"><{x}v>{v}</{x}v></{x}c>' for i, v in enumerate([1, 2, 3], start=1))
    body = xlsx(f'<{x}worksheet xmlns:x="{MAIN}"><{x}sheetData><{x}row r="1">{cells}</{x}row><{x}row r="2">{row}'
                f'</{x}row></{x}sheetData></{x}worksheet>'.encode())
    sheet = _open(catalogue, body)
    try:
        assert [n for n, _ in sheet.rows()] == [2]
    finally:
        sheet.close()


def test_the_1904_date_system_is_read_from_the_workbook(catalogue):
    plain = inspect(*_zip(xlsx(sheet_xml(header_row(["*姓名"])))), **_LIMITS)
    mac = inspect(*_zip(xlsx(sheet_xml(header_row(["*姓名"])), workbook_pr='<workbookPr date1904="1"/>')), **_LIMITS)
    assert (plain.date1904, mac.date1904) == (False, True)


def test_numbers_up_to_n_are_what_the_pattern_accepts():
    import re
    for n in (1, 7, 10, 64, 99, 100, 101, 1004, 101001, 1048576):
        pattern = re.compile(bounds._up_to(n) + b"$")
        assert [i for i in range(0, n + 200) if pattern.match(str(i).encode())] == list(range(1, n + 1)), n
        assert not pattern.match(b"0" + str(n).encode())


# ---- against calamine itself ------------------------------------------------------------------------

_LIMITS = dict(template_columns=2, max_rows=3, meta_sheet=META_SHEET, skip=SKIPPED_SHEETS)
LIMITS = SheetLimits.for_item(2, 3)   # 18 columns, 1004 rows


def _zip(body):
    return body, zipfile.ZipFile(io.BytesIO(body))


def _cell(draw, x, ref):
    """One cell in one of the ways writers (and attackers) write it."""
    kind = draw(st.sampled_from(["number", "inline", "shared", "empty", "empty-open", "formula", "inline-empty"]))
    attrs = draw(st.sampled_from(["r-first", "r-last", "no-r", "single-quotes"])) if ref else "no-r"
    if ref and draw(st.booleans()) and attrs != "no-r":
        ref = ref.lower()
    t = {"inline": "inlineStr", "shared": "s", "inline-empty": "inlineStr"}.get(kind)
    parts = [("s", "1")] + ([("t", t)] if t else [])
    if attrs == "r-first":
        parts.insert(0, ("r", ref))
    elif attrs in ("r-last", "single-quotes"):
        parts.append(("r", ref))
    q = "'" if attrs == "single-quotes" else '"'
    tag = f"<{x}c" + "".join(f" {k}={q}{v}{q}" for k, v in parts)
    ws = draw(st.sampled_from(["", "", "\n  "]))
    body = {"number": f"<{x}v>1</{x}v>", "inline": f"<{x}is><{x}t>文字</{x}t></{x}is>", "shared": f"<{x}v>0</{x}v>",
            "formula": f"<{x}f>1+1</{x}f><{x}v>2</{x}v>", "inline-empty": f"<{x}is><{x}t></{x}t></{x}is>",
            "empty-open": "", "empty": None}[kind]
    return tag + "/>" if body is None else f"{tag}>{ws}{body}{ws}</{x}c>"


@st.composite
def sheets(draw):
    x = draw(st.sampled_from(["", "", "x:"]))
    rows_at = st.sampled_from([2, 3, 500, 1003, 1004, 1004, 1005, 1048576])
    cols_at = st.sampled_from([1, 2, 3, 17, 18, 18, 19, 16384])
    out = []
    for _ in range(draw(st.integers(0, 6))):
        r = draw(st.one_of(st.none(), rows_at))
        cells = []
        for _ in range(draw(st.integers(0, 5))):
            ref = None if draw(st.integers(0, 4)) == 0 else f"{column_letters(draw(cols_at))}{r or draw(rows_at)}"
            cells.append(_cell(draw, x, ref))
            if draw(st.integers(0, 9)) == 0:
                cells.append("<!-- </row><row r='1'> -->")
        if draw(st.integers(0, 9)) == 0:   # a run of empty cells without r=, moving the column on
            cells.append(f'<{x}c s="1"/>' * draw(st.sampled_from([16, 17, 18])))
        head = f'<{x}row r="{r}">' if r else f"<{x}row>"
        out.append(head + "".join(cells) + f"</{x}row>")
    header = "".join(f'<{x}c r="{column_letters(i)}1" t="inlineStr"><{x}is><{x}t>{h}</{x}t></{x}is></{x}c>'
                     for i, h in enumerate(["*姓名", "*身份证号"], start=1))
    dimension = draw(st.sampled_from(["", f'<{x}dimension ref="A1:R1004"/>', f'<{x}dimension ref="A1:S1004"/>']))
    return (f'<{x}worksheet xmlns:x="{MAIN}">{dimension}<{x}sheetData><{x}row r="1">{header}</{x}row>'
            + "".join(out) + f"</{x}sheetData></{x}worksheet>").encode()


def _verdict(body, fast, chunk, monkeypatch):
    monkeypatch.setattr(bounds._Sheet, "fast", fast)
    monkeypatch.setattr(bounds._SharedStrings, "fast", fast)
    monkeypatch.setattr(bounds, "CHUNK", chunk)
    try:
        inspect(*_zip(body), **_LIMITS)
        return "accepted"
    except OutOfBounds as e:
        return e.kind


def _calamine_end(body):
    """Where calamine's rectangle ends (1-based row, column), or None if it reads nothing or fails."""
    try:
        sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_name("数据")
    except Exception:  # noqa: BLE001 - calamine refusing the file allocates nothing
        return None
    return (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=sheets())
def test_whatever_the_bounds_let_through_calamine_reads_within_them(sheet, monkeypatch):
    body = xlsx(sheet, shared_strings=f'<sst xmlns="{MAIN}"><si><t>共享</t></si><si><r><t>富</t></r><r><t>文本</t></r></si>'
                                      '<si/></sst>'.encode())
    verdicts = {_verdict(body, fast, chunk, monkeypatch) for fast in (True, False) for chunk in (bounds.CHUNK, 7, 64)}
    assert len(verdicts) == 1, verdicts   # the plain-run path and expat agree, wherever the stream is cut
    if verdicts == {"accepted"}:          # (only then: calamine on a refused sheet may take the process down)
        end = _calamine_end(body)
        assert end is None or (end[0] <= LIMITS.rows and end[1] <= LIMITS.columns), end


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(2, LIMITS.rows), st.integers(1, LIMITS.columns)), max_size=20))
def test_plain_data_within_the_bounds_is_accepted(cells, monkeypatch):
    rows = "".join(f'<row r="{r}"><c r="{column_letters(c)}{r}" s="1"><v>{r}</v></c>'
                   f'<c r="A{r}" t="s"><v>0</v></c></row>' for r, c in cells)
    body = xlsx(sheet_xml(header_row(["*姓名", "*身份证号"]) + rows),
                shared_strings=f'<sst xmlns="{MAIN}" uniqueCount="1"><si><t>共享</t></si></sst>'.encode())
    for fast in (True, False):
        assert _verdict(body, fast, 7, monkeypatch) == "accepted"


def test_the_meta_sheet_is_bounded_as_our_own_template_writes_it(catalogue):
    meta = sheet_xml(f'<row r="1">{text_cell("A1", "jianxi-template")}{text_cell("B1", "x")}</row>'
                     f'<row r="2">{text_cell("A2", "item")}{text_cell("B2", "attendance_report")}</row>'
                     f'<row r="3">{text_cell("A3", "version")}{text_cell("B3", "1")}</row>'
                     '<row r="70"><c r="A70"><v>1</v></c></row>')
    with pytest.raises(BadFile) as e:
        _open(catalogue, xlsx(sheet_xml(header_row(["*姓名"]) + data_row(2, ROW)), meta_sheet=meta))
    assert e.value.message == "模板的隐藏信息已损坏，请重新下载“见习考勤批量上报”模板后填写"
