"""Excel workbooks generated from a batch item's schema: the blank template, and the same layout filled with rows.

One writer serves the template download, the marked error workbook and test fixtures, so they can never
disagree about headers, text columns, dropdowns or the hidden sheet that says which item and version a
file belongs to. Workbooks are written in openpyxl's write-only mode: memory stays flat for 100k rows.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from engine import clock
from engine.definitions.model import Field, ItemDefinition
from engine.formats import BANK_ACCOUNT, BANK_CODE, CREDIT_CODE, DATE, ID_NUMBER, LANDLINE, MOBILE, MONTH
from engine.spreadsheet import FORMULA_STARTS, neutralise
from engine.rules import column_notes

GUIDE_SHEET = "填写说明"
LISTS_SHEET = "_lists"
META_SHEET = "_jianxi"
META_MARK = "jianxi-template"
REASON_LABEL = "错误原因"
REQUIRED_MARK = "*"

# Formats whose values are codes, not quantities: Excel must keep them as typed text.
TEXT_FORMATS = frozenset({ID_NUMBER, MOBILE, BANK_ACCOUNT, BANK_CODE, CREDIT_CODE, MONTH, LANDLINE})
# What the 填写说明 says of a format, besides 必填/选填 and the schema's own limits.
FORMAT_RULE_TEXT = {
    ID_NUMBER: "18位居民身份证号码，末位可为X",
    MOBILE: "11位手机号码",
    MONTH: "年-月，如2025-03",
    DATE: "日期，如2025-03-01（也可填2025/3/1或2025年3月1日）",
    BANK_ACCOUNT: "6至32位数字",
}
DATE_FORMAT = "yyyy-mm-dd"

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FILL = PatternFill("solid", fgColor="FF9999")
REASON_FILL = PatternFill("solid", fgColor="FFC7CE")
THIN = Side(style="thin", color="9BAFC7")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def is_text_field(f: Field) -> bool:
    return f.text or f.format in TEXT_FORMATS


def is_date_field(f: Field) -> bool:
    return f.format == DATE


def header_label(f: Field) -> str:
    return (REQUIRED_MARK if f.required else "") + f.label


def position_fields(item: ItemDefinition) -> list[str]:
    return [r["field"] for r in (item.batch or {}).get("rules", []) if r.get("rule") == "position_of_unit"]


def choices_for(item: ItemDefinition, position_names: Iterable[str] = ()) -> dict[str, list[str]]:
    """Dropdown values per field: every enum, and the unit's own open positions for the position column."""
    out = {f.key: list(f.enum) for f in item.fields if f.enum}
    names = list(position_names)
    for key in position_fields(item):
        out[key] = names
    return out


def open_position_names(session, unit_id: int | None) -> list[str]:
    """The unit's open positions by name; a name shared by two positions is written as "编号 名称"."""
    from sqlalchemy import select

    from engine.models import Position
    if session is None or unit_id is None:
        return []
    positions = session.scalars(select(Position).where(Position.unit_id == unit_id, Position.status == "open")
                                .order_by(Position.id)).all()
    seen: dict[str, int] = {}
    for p in positions:
        seen[p.name] = seen.get(p.name, 0) + 1
    return [p.name if seen[p.name] == 1 else f"{p.id} {p.name}" for p in positions]


def field_rule(item: ItemDefinition, f: Field, choices: dict[str, list[str]]) -> str:
    """One column's rule in words, for the 填写说明 sheet and the header comment."""
    spec = f.spec
    parts = ["必填" if f.required else "选填"]
    if f.format in FORMAT_RULE_TEXT:
        parts.append(FORMAT_RULE_TEXT[f.format])
    if f.key in choices:
        values = choices[f.key]
        if f.enum:
            parts.append("从下拉列表选择：" + "、".join(values))
        elif values:
            parts.append("从下拉列表选择本单位的岗位：" + "、".join(values[:20]) + ("等" if len(values) > 20 else ""))
        else:
            parts.append("本单位暂无审核通过且在招募的见习岗位，请先办理就业见习岗位申请")
    if f.type == "integer":
        parts.append("整数")
    elif f.type == "number":
        parts.append("数字")
    lo, hi = spec.get("minimum"), spec.get("maximum")
    if lo is not None and hi is not None:
        parts.append(f"{lo}至{hi}")
    elif lo is not None:
        parts.append(f"不小于{lo}")
    elif hi is not None:
        parts.append(f"不大于{hi}")
    if spec.get("maxLength"):
        parts.append(f"不超过{spec['maxLength']}个字")
    if is_text_field(f):
        parts.append("本列为文本格式")
    parts.extend(column_notes(item, f.key))
    if f.help:
        parts.append(f.help)
    return "；".join(parts)


def general_notes(item: ItemDefinition, data_sheet: str, max_rows: int, max_mb: float) -> list[str]:
    key_labels = "、".join(item.label(k) for k in (item.batch or {}).get("row_key", []))
    notes = [
        f"请在“{data_sheet}”工作表从第2行起逐行填写，每行一条记录；不要修改或删除第1行表头，不要调整工作表顺序。",
        "表头带“*”的列为必填项；带下拉箭头的列请从列表中选择。",
        "身份证号、手机号、月份等列已设为文本格式，请直接输入，不要改为数字格式（否则18位身份证号会变成1.4E+17）。",
        "日期可填写为2025-03-01、2025/3/1或2025年3月1日；月份填写为2025-03。",
        f"每个文件最多{max_rows}行、不超过{max_mb:g}MB，请保存为Excel工作簿（.xlsx）格式后导入。",
        "导入前系统会检查全部数据；只要有一处错误就不会写入任何数据，可下载标注了错误的工作簿，修改后重新导入。",
    ]
    if key_labels:
        notes.append(f"{key_labels}相同的记录再次导入时，将替换此前上报的记录，并记入办理记录。")
    return notes


def sheet_title(item: ItemDefinition) -> str:
    bad = set('[]:*?/\\')
    return "".join("_" if c in bad else c for c in item.title)[:31] or "数据"


@dataclass(frozen=True)
class Column:
    """A column of a written workbook: the header as written and the field it holds (None: not ours)."""
    header: str
    field: Field | None


def template_columns(item: ItemDefinition) -> list[Column]:
    return [Column(header_label(f), f) for f in item.fields]


def _width(f: Field | None, header: str, choices: dict[str, list[str]]) -> float:
    content = 12
    if f is not None:
        if f.format == ID_NUMBER:
            content = 20
        elif f.format in (MOBILE, DATE):
            content = 13
        elif f.key in choices and choices[f.key]:
            content = max(display_width(v) for v in choices[f.key]) + 3
        elif f.spec.get("maxLength", 0) > 60:
            content = 30
    return min(max(display_width(header) + 4, content), 48)


def _text_cell(ws, value: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=neutralise(value))
    cell.data_type = "s"  # never a formula, whatever the text
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def _data_cell(ws, value, f: Field | None):
    """A value as the user would have typed it: text stays text, dates stay dates with a date format.

    Plain values are handed to openpyxl as they are (it writes a str as text and a date as yyyy-mm-dd,
    and the column's own format covers the rest); a styled cell is made only where a value needs one,
    which keeps a 100k-row workbook to seconds.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            cell = _text_cell(ws, value)
            if f is not None and is_text_field(f):
                cell.number_format = "@"
            return cell
        return value
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date()
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT + " hh:mm"
        return cell
    return value


def write_workbook(item: ItemDefinition, *, choices: dict[str, list[str]] | None = None,
                   columns: list[Column] | None = None, rows: Iterable[list] | None = None,
                   marks: dict[tuple[int, int], str] | None = None, reasons: dict[int, str] | None = None,
                   version: int | None = None, max_rows: int = 100_000, max_mb: float = 20) -> bytes:
    """The item's workbook: data sheet (header, formats, dropdowns, frozen header), 填写说明, hidden lists and meta.

    rows: values per row, aligned with columns; marks: {(row index, column index): reason} cells to fill red
    with a comment; reasons: {row index: text} for a 错误原因 column added at the end.
    """
    choices = choices if choices is not None else choices_for(item)
    columns = columns or template_columns(item)
    wb = Workbook(write_only=True)
    data_name = sheet_title(item)
    ws = wb.create_sheet(data_name)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    # Dropdown values live on a hidden sheet: a list formula is limited to 255 characters and breaks on commas.
    list_cols: dict[str, str] = {}
    list_rows: list[list] = []
    for i, (key, values) in enumerate(sorted((k, v) for k, v in choices.items() if v)):
        letter = get_column_letter(i + 1)
        list_cols[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"
        for r, v in enumerate(values):
            while len(list_rows) <= r:
                list_rows.append([])
            row = list_rows[r]
            row.extend([None] * (i - len(row)))
            row.append(_text_cell(lists, v))
    for row in list_rows:
        lists.append(row)

    last_row = max_rows + 1
    for c, col in enumerate(columns):
        letter = get_column_letter(c + 1)
        dim = ws.column_dimensions[letter]
        dim.width = _width(col.field, col.header, choices)
        f = col.field
        if f is None:
            continue
        if is_text_field(f):
            dim.number_format = "@"
        elif is_date_field(f):
            dim.number_format = DATE_FORMAT
        rng = f"{letter}2:{letter}{last_row}"
        if f.key in list_cols:
            dv = DataValidation(type="list", formula1=f"={list_cols[f.key]}", allow_blank=True,
                                showErrorMessage=True, errorTitle="请从列表中选择",
                                error=f"{f.label}请从下拉列表中选择", promptTitle=f.label,
                                prompt="请从下拉列表中选择", showInputMessage=True)
            dv.add(rng)
            ws.data_validations.append(dv)
        elif f.type == "integer" and f.spec.get("minimum") is not None and f.spec.get("maximum") is not None:
            dv = DataValidation(type="whole", operator="between", formula1=str(f.spec["minimum"]),
                                formula2=str(f.spec["maximum"]), allow_blank=True, showErrorMessage=True,
                                errorTitle="数值超出范围",
                                error=f"{f.label}须为{f.spec['minimum']}至{f.spec['maximum']}之间的整数")
            dv.add(rng)
            ws.data_validations.append(dv)
    if reasons is not None:
        ws.column_dimensions[get_column_letter(len(columns) + 1)].width = 60
    ws.freeze_panes = "A2"

    header = []
    for col in columns:
        f = col.field
        if not col.header:
            header.append(None)
            continue
        cell = _text_cell(ws, col.header, font=Font(bold=True, color="C00000" if f and f.required else "1F2933"),
                          fill=REQUIRED_FILL if f and f.required else HEADER_FILL, border=HEADER_BORDER,
                          alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        if f is not None and rows is None:
            cell.comment = Comment(neutralise(field_rule(item, f, choices)), "就业见习", width=260, height=140)
        header.append(cell)
    if reasons is not None:
        header.append(_text_cell(ws, REASON_LABEL, font=Font(bold=True, color="C00000"), fill=REASON_FILL,
                                 border=HEADER_BORDER))
    ws.append(header)

    marks = marks or {}
    for r, values in enumerate(rows or ()):
        out = []
        for c, col in enumerate(columns):
            value = values[c] if c < len(values) else None
            reason = marks.get((r, c))
            cell = _data_cell(ws, value, col.field)
            if reason is not None:
                if not isinstance(cell, Cell):
                    cell = WriteOnlyCell(ws, value=cell)
                cell.fill = ERROR_FILL
                cell.comment = Comment(neutralise(reason), "就业见习", width=300, height=100)
            out.append(cell)
        if reasons is not None and reasons.get(r):
            out.extend([None] * (len(columns) - len(out)))
            out.append(_text_cell(ws, reasons[r], font=Font(color="C00000")))
        ws.append(out)

    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 100
    guide.append([_text_cell(guide, f"{item.title} · 填写说明", font=Font(bold=True, size=14))])
    for i, note in enumerate(general_notes(item, data_name, max_rows, max_mb), start=1):
        guide.append([_text_cell(guide, f"{i}."), None, _text_cell(guide, note,
                                                                  alignment=Alignment(wrap_text=True))])
    guide.append([])
    bold = Font(bold=True)
    guide.append([_text_cell(guide, t, font=bold, fill=HEADER_FILL) for t in ("列名", "是否必填", "填写要求")])
    for f in item.fields:
        guide.append([_text_cell(guide, f.label), _text_cell(guide, "必填" if f.required else "选填"),
                      _text_cell(guide, field_rule(item, f, choices), alignment=Alignment(wrap_text=True))])

    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    for k, v in ((META_MARK, "此工作表由系统使用，请勿修改"), ("item", item.key),
                 ("version", str(version if version is not None else item.version)), ("title", item.title),
                 ("generated", clock.format_beijing(clock.utcnow(), "%Y-%m-%d %H:%M:%S"))):
        meta.append([_text_cell(meta, k), _text_cell(meta, v)])

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_bytes(item: ItemDefinition, position_names: Iterable[str] = (), max_rows: int = 100_000,
                   max_mb: float = 20) -> bytes:
    return write_workbook(item, choices=choices_for(item, position_names), max_rows=max_rows, max_mb=max_mb)


def unit_template(session, item: ItemDefinition, unit_id: int | None, *, max_rows: int, max_mb: float) -> bytes:
    """The item's template with this unit's open positions offered in its lists."""
    return template_bytes(item, open_position_names(session, unit_id), max_rows=max_rows, max_mb=max_mb)


def filled_workbook(item: ItemDefinition, rows: Iterable[dict], position_names: Iterable[str] = (),
                    version: int | None = None) -> bytes:
    """The template with rows of {field key: value} filled in (for fixtures, benchmarks and examples)."""
    columns = template_columns(item)
    keys = [c.field.key for c in columns]
    return write_workbook(item, choices=choices_for(item, position_names), columns=columns,
                          rows=([r.get(k) for k in keys] for r in rows), version=version)
