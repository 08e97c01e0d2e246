"""Workbooks and not-workbooks for the import tests, made in memory (no binary fixtures in the repository)."""
from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from engine.batch.template import META_MARK, META_SHEET, filled_workbook, header_label

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Text(str):
    """A cell typed as text even though it looks like a formula (in Excel: typed after an apostrophe)."""


def raw_workbook(header: list, rows: list[list], *, key: str | None = "match_report", version: int | None = 1,
                 sheet: str = "数据") -> bytes:
    """A first sheet exactly as given (dates stay dates, floats stay floats), plus our hidden meta sheet."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)

    def cell(v):
        if isinstance(v, Text):
            c = WriteOnlyCell(ws, value=str(v))
            c.data_type = "s"
            return c
        return v
    ws.append(header)
    for row in rows:
        ws.append([cell(v) for v in row])
    if key is not None:
        meta = wb.create_sheet(META_SHEET)
        meta.sheet_state = "veryHidden"
        meta.append([META_MARK, "x"])
        meta.append(["item", key])
        meta.append(["version", str(version)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def headers(item) -> list[str]:
    return [header_label(f) for f in item.fields]


def workbook(item, rows: list[dict], positions=()) -> bytes:
    return filled_workbook(item, rows, positions)


def xls_bytes() -> bytes:
    """The start of an Excel 97-2003 file: a compound document with a Workbook stream."""
    return OLE_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 512


def encrypted_xlsx_bytes() -> bytes:
    """What Excel writes for a password-protected .xlsx: a compound document holding the encrypted package."""
    return (OLE_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
            + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)


def csv_bytes() -> bytes:
    return "姓名,身份证号,手机号\n张三,140105200305170014,13812345678\n".encode("utf-8")


def html_bytes() -> bytes:
    return "<html><body><table><tr><td>姓名</td></tr></table></body></html>".encode("utf-8")


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def zip_bomb(uncompressed_mb: int) -> bytes:
    """An .xlsx-looking zip whose sheet inflates to uncompressed_mb of zeros (about 1000:1)."""
    buf = io.BytesIO()
    chunk = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(uncompressed_mb):
                fh.write(chunk)
    return buf.getvalue()
