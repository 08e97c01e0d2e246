"""What every workbook the programme writes has in common: its content type and formula neutralising; and
the copy of a workbook someone uploaded that staff are given instead of the file itself.

Used by the batch templates and error workbooks, the audit log export, the positions' workbooks and the
reviewers' copy of a batch's original file.
"""
from __future__ import annotations

import datetime
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from engine.errors import EngineError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet would run if the cell were ever re-typed or exported as CSV (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The copy is made of a file the importer already accepted (within its size and row limits); these bound
# the copy whatever its other sheets hold, or a sheet whose rows are numbered far apart.
COPY_MAX_CELLS = 5_000_000      # a 100,000-row import of 50 columns
COPY_MAX_ROWS = 1_048_576       # a sheet's rows, as Excel itself allows
PLAIN = (str, int, float, bool, datetime.date, datetime.time, datetime.timedelta)


def neutralise(value: Any) -> Any:
    """Text a spreadsheet could take for a formula gets a leading apostrophe (the batch reader removes it
    again); anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CopyRefused(EngineError):
    """An uploaded workbook of which no neutralised copy can be made."""
    kind = "unsupported"


def _as_text(value: Any) -> Any:
    if value is not None and not isinstance(value, PLAIN):
        value = str(getattr(value, "text", value))    # an array or data-table formula: its formula text
    return neutralise(value)


def neutralised_copy(data: bytes) -> bytes:
    """The workbook's values, every sheet and every cell where it was, with each formula (and any text a
    spreadsheet could take for one, DDE included) written as text; nothing else is carried over: no
    hyperlinks, external links, defined names, comments, validations, macros or styles."""
    try:
        source = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl refuses a workbook in many types; each means: unreadable
        raise CopyRefused("单位上传的文件无法读取，无法生成公式已转为文本的副本") from None
    if not source.worksheets:
        source.close()
        raise CopyRefused("单位上传的文件没有工作表，无法生成公式已转为文本的副本")
    out = Workbook(write_only=True)
    cells = 0
    try:
        for sheet in source.worksheets:
            target = out.create_sheet(sheet.title)
            target.sheet_state = sheet.sheet_state
            # Rows as they are in the file, not padded to a size the file declares for itself.
            sheet.reset_dimensions()
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells += len(row)
                if number > COPY_MAX_ROWS or cells > COPY_MAX_CELLS:
                    raise CopyRefused("单位上传的文件单元格过多，无法生成公式已转为文本的副本", kind="too_large")
                target.append([_as_text(v) for v in row])
    except Exception as e:  # noqa: BLE001 - a sheet that cannot be read through is as unreadable as the file
        for target in out.worksheets:
            target.close()        # end the half-written sheets' temporary files cleanly
        if isinstance(e, CopyRefused):
            raise
        raise CopyRefused("单位上传的文件无法读取，无法生成公式已转为文本的副本") from None
    finally:
        source.close()
    body = io.BytesIO()
    out.save(body)
    return body.getvalue()
