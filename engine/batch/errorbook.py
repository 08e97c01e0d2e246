"""The user's own workbook back, with every bad cell filled red, a comment saying why, and a 错误原因 column.

The copy is rebuilt from the values of the uploaded file (same columns in the same order, same row
numbers, the user's extra columns kept) on the item's template layout, so the user can fix it in place
and import it again: the hidden template sheet comes along, and the 错误原因 column is ignored on import.
Every text cell written is neutralised against formula injection by the template writer.
"""
from __future__ import annotations

from datetime import date, datetime

from engine.batch.importer import RowError
from engine.batch.reader import LOST_DIGITS, open_sheet
from engine.batch.template import Column, write_workbook
from engine.definitions.model import ItemDefinition


def _cell(raw):
    if raw is None or raw == "":
        return None
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < LOST_DIGITS:
        return int(raw)
    if isinstance(raw, (str, int, float, bool, date, datetime)):
        return raw
    return str(raw)


def build_error_workbook(data: bytes, item: ItemDefinition, errors: list[RowError], *,
                         choices: dict[str, list[str]], version: int | None = None) -> bytes:
    sheet = open_sheet(data, item, max_rows=10**7, max_bytes=len(data) + 1, version=version)
    try:
        width = max(c.index for c in sheet.columns) + 1
        by_index = {c.index: c for c in sheet.columns}
        columns = [Column(by_index[i].header, by_index[i].field) if i in by_index else Column("", None)
                   for i in range(width)]
        first_data_row = sheet.header_row + 1

        marks: dict[tuple[int, int], str] = {}
        reasons: dict[int, str] = {}
        for e in errors:
            if e.row is None:
                continue
            r = e.row - first_data_row
            if e.col is not None and e.col < width:
                marks[(r, e.col)] = marks[(r, e.col)] + "；" + e.message if (r, e.col) in marks else e.message
            text = e.message if not e.column or e.message.startswith(e.column) else f"{e.column}：{e.message}"
            reasons[r] = reasons[r] + "；" + text if r in reasons else text

        def rows():
            expected = first_data_row
            for n, raw in sheet.rows():
                while expected < n:  # keep the row numbers the error list speaks of
                    expected += 1
                    yield []
                expected = n + 1
                yield [_cell(raw[i]) if i < len(raw) else None for i in range(width)]

        return write_workbook(item, choices=choices, columns=columns, rows=rows(), marks=marks, reasons=reasons,
                              version=sheet.version)
    finally:
        sheet.close()
