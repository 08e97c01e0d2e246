"""Reading a filled batch workbook with python-calamine: refuse bad files early, then yield normalised rows.

Every refusal is a BadFile with one Chinese message and its kind (too_large, unsupported: not an
xlsx, invalid: the wrong content). Before calamine opens a workbook, engine.batch.bounds checks what it
would make calamine allocate; a workbook without our template sheet is refused unopened. Cell values come
out exactly as engine.validation.normalize would leave them, after the Excel-specific conversions: dates
(Excel dates, serial numbers in the workbook's 1900 or 1904 date system, or text such as 2025/3/1 and
2025年3月1日; text naming no real day says why) to YYYY-MM-DD, months to YYYY-MM (also typed as a number,
2025.03), whole floats to ints, full-width digits to half-width, spaces trimmed, the apostrophe our writer
puts before formula-like text removed.
"""
from __future__ import annotations

import io
import re
import zipfile
from itertools import islice
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Iterator, Sequence

import python_calamine

from engine import formats
from engine.batch.bounds import CORRUPT, Inspection, OutOfBounds, inspect
from engine.batch.template import GUIDE_SHEET, LISTS_SHEET, META_MARK, META_SHEET
from engine.definitions.model import Field, ItemDefinition
from engine.errors import EngineError
from engine.formats import (
    BANK_ACCOUNT, BANK_CODE, CREDIT_CODE, DATE, ID_NUMBER, LANDLINE, MOBILE, MONTH, REGION_FORMATS,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
MAX_ZIP_ENTRIES = 2000
MIN_UNCOMPRESSED_LIMIT = 256 * 1024 * 1024
EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers read as dates only inside 1950..2100, so a stray small number is not taken for 1900-01-03.
SERIAL_RANGE = (18264, 73051)
# Floats this large cannot hold 15+ digit codes exactly: Excel has already dropped the last digits.
LOST_DIGITS = 1e15


HEADER_ONLY = "模板中只有表头，没有数据。请从第2行起填写后再导入"


class BadFile(EngineError):
    """The file as a whole cannot be imported; nothing has been read into the database."""

    @classmethod
    def too_large(cls, size: int, max_bytes: int) -> "BadFile":
        return cls(f"文件大小为{_mb(size)}，超过{round(max_bytes / 1024 / 1024, 2):g}MB的限制，请分成多个文件分别导入", "too_large")


class CellProblem:
    """A cell whose value cannot be trusted at all (e.g. an ID number Excel turned into 1.4E+17)."""
    __slots__ = ("message", "value")

    def __init__(self, message: str, value):
        self.message = message
        self.value = value


@dataclass
class HeaderColumn:
    index: int           # position in the row as read
    header: str          # as written in the file
    field: Field | None  # None: a column that is not part of the item (kept, ignored)


@dataclass
class Sheet:
    """The data sheet of a checked workbook; rows() yields (Excel row number, raw values) once."""
    item_key: str
    version: int
    columns: list[HeaderColumn]
    header_row: int
    date1904: bool                           # serial numbers count days from 1904-01-01 (see converter)
    _rows: Iterator = field(repr=False)      # calamine's rows after those already read
    _book: object = field(repr=False)
    _next_number: int = 0                    # the Excel row number of the next raw row
    _pending: list = field(default_factory=list, repr=False)   # rows read ahead, not yet handed out

    def rows(self) -> Iterator[tuple[int, list]]:
        for chunk in self.chunks(1024):
            yield from chunk

    def chunks(self, size: int) -> Iterator[list[tuple[int, list]]]:
        """(Excel row number, values) of the rows with any value, in lists of up to size rows, read once.

        No Python call per row: the rows come from calamine a slice at a time, filtered in a comprehension."""
        pending, self._pending = self._pending, []
        if pending:
            yield pending
        raw_rows, number = self._rows, self._next_number
        while raw := list(islice(raw_rows, size)):
            chunk = [(n, row) for n, row in enumerate(raw, number) if row.count("") != len(row) and has_value(row)]
            number += len(raw)
            if chunk:
                yield chunk
        self._next_number = number

    def close(self) -> None:
        self._rows = iter(())
        try:
            self._book.close()
        except Exception:  # noqa: BLE001 - closing twice or after an error is harmless
            pass


# ---- the file as a whole ---------------------------------------------------

def has_value(row) -> bool:
    """A row with something in it: a cell of spaces (Excel keeps them, xml:space="preserve") is empty, as it
    is once trimmed. Only asked of rows with a non-empty cell, so a sheet of empty rows costs no call."""
    return any(type(v) is not str or not v.isspace() for v in row if v != "")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}MB" if n >= 1024 * 1024 else f"{n / 1024:.0f}KB"


def check_container(data: bytes, max_bytes: int) -> zipfile.ZipFile:
    """Refuse anything that is not a plausible .xlsx before any XML is parsed."""
    if not data:
        raise BadFile("所选文件是空的（0字节），请重新选择文件")
    if len(data) > max_bytes:
        raise BadFile.too_large(len(data), max_bytes)
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise BadFile("文件设置了打开密码，系统无法读取。请在Excel中取消密码（文件→信息→保护工作簿→用密码进行加密，"
                          "清空密码）后保存，再重新导入", "unsupported")
        raise BadFile("这是旧版Excel 97-2003（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx），"
                      "或使用本页下载的模板填写后再导入", "unsupported")
    if not data.startswith(ZIP_MAGICS):
        head = data[:4096]
        if head.lstrip().lower().startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
            raise BadFile("这是网页（HTML/XML）格式的文件，只是扩展名为Excel。请在Excel中“另存为”Excel工作簿（.xlsx）"
                          "后再导入", "unsupported")
        if _looks_like_text(head):
            raise BadFile("这是CSV或文本文件（只是改了扩展名），不是Excel工作簿。请使用本页下载的模板，在Excel中填写并"
                          "保存为.xlsx后再导入", "unsupported")
        raise BadFile("所选文件不是Excel工作簿（.xlsx），请使用本页下载的模板填写后再导入", "unsupported")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BadFile(CORRUPT, "invalid") from None
    limit = max(MIN_UNCOMPRESSED_LIMIT, 8 * max_bytes)
    total = sum(i.file_size for i in infos)
    # Declared sizes bound what the decompressor will produce; calamine and zipfile stop at them.
    if len(infos) > MAX_ZIP_ENTRIES or total > limit or any(
            i.file_size > 64 * 1024 * 1024 and i.file_size > 500 * max(i.compress_size, 1) for i in infos):
        raise BadFile(f"文件解压后达{_mb(total)}，超过{_mb(limit)}的安全限制（可能是异常的压缩文件），已拒绝导入。"
                      "请确认文件来自本系统的模板", "too_large")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise BadFile("这是Word文档，不是Excel工作簿。请使用本页下载的模板填写后再导入", "unsupported")
        if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype")[:100]:
            raise BadFile("这是ODS格式的表格，请在WPS或LibreOffice中“另存为”Excel工作簿（.xlsx）后再导入", "unsupported")
        raise BadFile("所选文件不是Excel工作簿（.xlsx），请使用本页下载的模板填写后再导入", "unsupported")
    return zf


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        return sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * max(len(text), 1)
    return False


# ---- headers ----------------------------------------------------------------

_MARKS_RE = re.compile(r"^[*＊]+|[*＊]+$|[(（](必填|选填)[)）]$")


def clean_label(value) -> str:
    """Header text as compared with labels: half-width, no spaces, without the required mark or (必填)."""
    text = formats.normalize_text(value if isinstance(value, str) else str(value))
    text = re.sub(r"\s+", "", text)
    previous = None
    while previous != text:
        previous, text = text, _MARKS_RE.sub("", text)
    return text


def map_header(item: ItemDefinition, header: list, row_number: int = 1) -> list[HeaderColumn]:
    by_label: dict[str, Field] = {}
    for f in item.fields:
        by_label[clean_label(f.label)] = f
        by_label.setdefault(f.key, f)
    columns, seen = [], {}
    for i, raw in enumerate(header):
        text = raw if isinstance(raw, str) else ("" if raw in (None, "") else str(raw))
        if not text.strip():
            continue
        f = by_label.get(clean_label(text))
        if f is not None and f.key in seen:
            raise BadFile(f"表头中“{f.label}”出现了不止一次（第{seen[f.key]}列和第{i + 1}列），请删除多余的列后再导入")
        if f is not None:
            seen[f.key] = i + 1
        columns.append(HeaderColumn(i, text.strip(), f))
    missing = [f.label for f in item.fields if f.required and f.key not in seen]
    if missing and not seen:
        raise BadFile(f"第{row_number}行不是本事项模板的表头，请使用本页下载的模板，从第2行起填写数据，不要删除或修改表头")
    if missing:
        raise BadFile(f"表头缺少必填列：{'、'.join(missing)}。请使用本页下载的模板，不要删除或修改表头")
    return columns


# ---- the workbook -----------------------------------------------------------

def _meta(book) -> dict[str, str]:
    sheet = book.get_sheet_by_name(META_SHEET)
    out = {}
    for row in sheet.to_python(skip_empty_area=False):
        if len(row) >= 2 and isinstance(row[0], str):
            out[row[0]] = row[1] if isinstance(row[1], str) else str(row[1])
    return out


def _not_our_template(item: ItemDefinition) -> BadFile:
    return BadFile(f"该文件不是从本系统下载的“{item.title}”模板。请点击“模板下载”，在模板中填写（可把数据复制进去）"
                   "后再导入")


def check_template(book, item: ItemDefinition, catalogue=None, version: int | None = None) -> int:
    """The definition version the file was made for; refuse other items' and outdated templates."""
    if META_SHEET not in book.sheet_names:
        raise _not_our_template(item)
    meta = _meta(book)
    key = meta.get("item")
    if META_MARK not in meta or not key:
        raise BadFile(f"模板的隐藏信息已损坏，请重新下载“{item.title}”模板后填写")
    if key != item.key:
        other = catalogue.item(key) if catalogue is not None else None
        name = f"“{other.title}”" if other else "其他事项"
        raise BadFile(f"这是{name}的模板，不能在“{item.title}”中导入。请下载本事项的模板后填写")
    try:
        found = int(meta.get("version", ""))
    except ValueError:
        raise BadFile(f"模板的隐藏信息已损坏，请重新下载“{item.title}”模板后填写") from None
    expected = item.version if version is None else version
    if found != expected:
        raise BadFile(f"模板已过期：所用模板为第{found}版，当前为第{expected}版。请重新下载模板，把数据复制到新模板后"
                      "再导入")
    return found


SKIPPED_SHEETS = (META_SHEET, LISTS_SHEET, GUIDE_SHEET)


def _data_sheet(book, vetted: frozenset[str]):
    for meta in book.sheets_metadata:
        if meta.name not in SKIPPED_SHEETS and meta.visible == python_calamine.SheetVisibleEnum.Visible \
                and meta.typ == python_calamine.SheetTypeEnum.WorkSheet:
            if meta.name not in vetted:  # never parse a sheet whose bounds were not checked
                raise BadFile(CORRUPT)
            return book.get_sheet_by_name(meta.name)
    raise BadFile("工作簿中没有可导入的工作表，请使用本页下载的模板填写")


def _inspect(data: bytes, zf, item: ItemDefinition, max_rows: int) -> Inspection:
    """engine.batch.bounds' checks, its refusals as BadFile."""
    try:
        return inspect(data, zf, template_columns=len(item.fields), max_rows=max_rows, meta_sheet=META_SHEET,
                       skip=SKIPPED_SHEETS)
    except OutOfBounds as e:
        if e.sheet == "meta":
            raise BadFile(f"模板的隐藏信息已损坏，请重新下载“{item.title}”模板后填写", e.kind) from None
        raise BadFile(e.message, e.kind) from None


def open_sheet(data: bytes, item: ItemDefinition, *, max_rows: int, max_bytes: int, catalogue=None,
               version: int | None = None, path=None) -> Sheet:
    """Check the file, the template and the header; rows are read lazily by Sheet.rows().

    version: the definition version the file must have been made for (default: the item's current one).
    path: the same bytes on disk, if they are there (calamine then reads the file instead of a copy).
    """
    inspection = _inspect(data, check_container(data, max_bytes), item, max_rows)
    if META_SHEET not in inspection.sheets:
        raise _not_our_template(item)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path)) if path is not None else \
            python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise BadFile("文件设置了密码，系统无法读取。请取消密码后保存，再重新导入", "unsupported") from None
    except Exception:  # noqa: BLE001 - calamine raises several types for one meaning: unreadable
        raise BadFile(CORRUPT) from None
    try:
        version = check_template(book, item, catalogue, version)
        sheet = _data_sheet(book, inspection.sheets)
        height = sheet.height
        if height == 0:
            raise BadFile(f"工作表“{sheet.name}”是空的，连表头也没有。请使用本页下载的模板，从第2行起填写数据后再导入")
        start_row = sheet.start[0] if sheet.start else 0
        rows = sheet.iter_rows()
        header_row, header = start_row + 1, next(rows)
        columns = map_header(item, header, header_row)
        if height - 1 > max_rows:
            # The dimension may count formatted but empty rows: count the real ones before converting anything.
            width = len(header)
            n = sum(1 for r in sheet.iter_rows() if r.count("") != width) - 1
            if n > max_rows:
                raise BadFile(f"文件共有{n}行数据，超过每次最多导入{max_rows}行的限制，请分成多个文件分别导入", "too_large")
            rows = sheet.iter_rows()
            next(rows)
        number, first = header_row + 1, None
        for row in rows:  # up to the first row with a value: a sheet with none has only its header
            number += 1
            if row.count("") != len(row) and has_value(row):
                first = (number - 1, row)
                break
        if first is None:
            raise BadFile(HEADER_ONLY)
        return Sheet(item.key, version, columns, header_row, inspection.date1904, rows, book, number, [first])
    except BadFile:
        book.close()
        raise
    except Exception:  # noqa: BLE001
        book.close()
        raise BadFile("文件内容无法读取（可能已损坏），请在Excel中重新保存为.xlsx后再导入") from None


# ---- cell values ---------------------------------------------------------------

_FULLWIDTH = formats._FULLWIDTH_TABLE
_ZERO_WIDTH = frozenset(formats._ZERO_WIDTH)


def _trim(s: str) -> str:
    # formats.trim with a fast path: most cells have nothing to trim.
    if s and (s[0].isspace() or s[-1].isspace() or s[0] in _ZERO_WIDTH or s[-1] in _ZERO_WIDTH):
        return formats.trim(s)
    return s


def _text(s: str) -> str:
    """formats.normalize_text, faster on ASCII."""
    if not s.isascii():
        s = s.translate(_FULLWIDTH)
    return _trim(s)


def _unquote(s: str) -> str:
    if len(s) > 1 and s[0] == "'" and s[1] in "=+-@":
        return s[1:]
    return s


def _code(s: str) -> str:
    return s.upper() if s.isascii() and s.isalnum() else formats.normalize_code(s)


def _mobile(s: str) -> str:
    return s if len(s) == 11 and s.isascii() and s.isdigit() else formats.normalize_mobile(s)


def _digits(s: str) -> str:
    return s if s.isascii() and s.isdigit() else formats.normalize_digits(s)


_STRING_NORMALISERS = {CREDIT_CODE: _code, ID_NUMBER: _code, MOBILE: _mobile, BANK_ACCOUNT: _digits,
                       BANK_CODE: _digits, LANDLINE: _text}
# Codes, unique per row: nothing to share between rows.
_UNIQUE_FORMATS = (ID_NUMBER, MOBILE, CREDIT_CODE, BANK_ACCOUNT)
# Long digit strings that Excel, stored as a number, rounds beyond 15 digits.
_LONG_CODES = (ID_NUMBER, CREDIT_CODE, BANK_ACCOUNT, BANK_CODE)


def _number_text(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _to_number(s: str, integer: bool):
    if s.isascii() and s.isdigit():
        return int(s)
    from engine.validation import _to_number as slow
    return slow(s, integer)


EPOCH_1904_SHIFT = 1462   # 1904-01-01, day 0 of the 1904 date system, is day 1462 of the 1900 one


def _serial_date(n: int, date1904: bool) -> date | None:
    """An Excel serial number as a date, in the workbook's date system, if it falls in 1950..2100."""
    if date1904:
        n += EPOCH_1904_SHIFT
    return EXCEL_EPOCH + timedelta(days=n) if SERIAL_RANGE[0] <= n <= SERIAL_RANGE[1] else None


def _date_value(raw, date1904: bool = False):
    """A date column: Excel dates, serial numbers, YYYYMMDD and the usual text forms to YYYY-MM-DD.

    Text written as a date that names no real day becomes a CellProblem saying why (2月没有30日)."""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer():
            n = int(raw)
            d = _serial_date(n, date1904) or formats.parse_date_text(n)
            if d:
                return d.isoformat()
            problem = formats.date_text_problem(n)
            return CellProblem(problem, str(n)) if problem else str(n)
        return str(raw)
    if isinstance(raw, str):
        text = _text(_unquote(raw))
        d = formats.parse_date_text(text)
        if d:
            return d.isoformat()
        problem = formats.date_text_problem(text)
        return CellProblem(problem, text) if problem else text
    return str(raw)


_NUMBER_MONTH = re.compile(r"(\d{4})\.(\d{1,2})")


def _number_month(raw: float, label: str):
    """A month typed as a number, 2025.03: Excel keeps the float, so 2025.10 arrives as 2025.1.

    2025.1 could be January or October: refused, with both readings. 2025.2 .. 2025.9 can only be
    February .. September (2025.20 and up are no month), 2025.01 .. 2025.12 are what they say."""
    m = _NUMBER_MONTH.fullmatch(repr(raw))
    if m is None or not 1900 <= int(m.group(1)) <= 2100:
        return str(raw)
    year, digits = m.group(1), m.group(2)
    if digits == "1":
        return CellProblem(f"{label}“{year}.1”既可能是{year}年1月，也可能是{year}年10月（在数字格式的单元格中输入{year}.10，"
                           f"Excel会存成{year}.1）。请改为{year}-01或{year}-10后重新导入", str(raw))
    month = int(digits)
    if not 1 <= month <= 12:
        return CellProblem(f"{label}“{year}.{digits}”不是有效月份，月份应在1至12之间，如{year}-03", str(raw))
    return f"{year}-{month:02d}"


def _month_value(raw, label: str = "月份", date1904: bool = False):
    if isinstance(raw, (date, datetime)):
        return f"{raw.year:04d}-{raw.month:02d}"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer():
            n = int(raw)
            d = _serial_date(n, date1904)
            if d:
                return f"{d.year:04d}-{d.month:02d}"
            return formats.parse_month_text(n) or str(n)
        return _number_month(float(raw), label)
    if isinstance(raw, str):
        text = _text(_unquote(raw))
        return formats.parse_month_text(text) or text
    return str(raw)


def converter(f: Field, problems: list | None = None, date1904: bool = False) -> Callable:
    """fn(raw calamine value) -> normalised value, None for "not filled", or a CellProblem.

    problems: if given, every CellProblem made is also appended to it, so a caller can notice one
    without looking at every value. date1904: the workbook counts serial numbers from 1904-01-01.
    """
    spec_type = f.type
    fmt = f.format
    label = f.label

    if fmt == DATE:
        def convert(raw):
            v = _date_value(raw, date1904)
            return _log(problems, v) if v.__class__ is CellProblem else v
    elif fmt == MONTH:
        def convert(raw):
            v = _month_value(raw, label, date1904)
            return _log(problems, v) if v.__class__ is CellProblem else v
    elif spec_type in ("integer", "number"):
        integer = spec_type == "integer"

        def convert(raw):
            if raw.__class__ is float:
                return int(raw) if raw.is_integer() else raw
            if isinstance(raw, str):
                s = _text(_unquote(raw))
                return _to_number(s, integer) if s else None
            if isinstance(raw, (date, datetime)):
                return raw.isoformat()
            return raw
    elif fmt in _STRING_NORMALISERS:
        norm = _STRING_NORMALISERS[fmt]
        exact = fmt in _LONG_CODES

        def convert(raw):
            if isinstance(raw, str):
                return norm(_unquote(raw))
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                if exact and abs(raw) >= LOST_DIGITS:
                    return _log(problems, CellProblem(
                        f"{label}被Excel存成了数字（{raw:.6g}），末尾几位已经丢失。请把该列设为“文本”格式后重新输入完整号码",
                        _number_text(raw)))
                return norm(_number_text(raw))
            if isinstance(raw, (date, datetime)):
                return raw.isoformat()
            return raw
    else:
        strip = _text if (f.enum or fmt in REGION_FORMATS) else _trim

        def convert(raw):
            if isinstance(raw, str):
                return strip(_unquote(raw))
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                return _number_text(raw)
            if isinstance(raw, datetime):
                return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(" ")
            if isinstance(raw, date):
                return raw.isoformat()
            return raw

    # Codes are unique per row: nothing to share. Other columns (enums, dates, positions, schools, amounts)
    # repeat a few values: one object per distinct value saves both time and memory on 100k rows.
    return _column(convert, memo=fmt not in _UNIQUE_FORMATS)


def column_converter(f: Field, problems: list | None = None, cap: int = 50_000,
                     date1904: bool = False) -> Callable[[Sequence], list]:
    """fn(raw values of one column) -> their converted values, as converter(f) gives them one by one.

    Most columns repeat a few values: each distinct one is converted once and the column is mapped in C.
    """
    conv = converter(f, problems, date1904)
    if f.format in _UNIQUE_FORMATS:
        return lambda values: list(map(conv, values))
    known: dict = {"": None, None: None}

    def convert_all(values):
        if bool in set(map(type, values)):  # True == 1 as a key: convert such a column cell by cell
            return list(map(conv, values))
        distinct = set(values)
        missing = distinct.difference(known)
        if len(known) + len(missing) > cap:  # a column of mostly unique values: keep memory flat
            known.clear()
            known.update({"": None, None: None})
            missing = distinct.difference(known)
        for v in missing:
            converted = conv(v)
            if converted.__class__ is CellProblem:  # reported for every cell that has it
                return list(map(conv, values))
            known[v] = converted
        return list(map(known.__getitem__, values))
    return convert_all


def _log(problems: list | None, problem: CellProblem) -> CellProblem:
    if problems is not None:
        problems.append(problem)
    return problem


def ignore(raw) -> None:
    """The converter of a column that is not part of the item."""
    return None


def _column(convert, memo: bool, cap: int = 20_000):
    def finish(raw):
        v = convert(raw)
        return None if v == "" else v

    if not memo:
        def conv(raw):
            if raw == "" or raw is None:
                return None
            return finish(raw)
        return conv

    seen: dict = {"": None}
    missing = object()

    def conv(raw):
        if raw is True or raw is False:  # True == 1 == 1.0 as dict keys: never share with numbers
            return finish(raw)
        v = seen.get(raw, missing)
        if v is missing:
            if raw is None:
                return None
            v = finish(raw)
            if len(seen) < cap and v.__class__ is not CellProblem:  # a problem is reported for every cell
                seen[raw] = v
        return v
    return conv


def display_value(raw):
    """A raw cell value as shown in an error list: dates as YYYY-MM-DD, whole floats without .0."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < LOST_DIGITS:
        return int(raw)
    if isinstance(raw, (str, int, float, bool)):
        return raw
    return str(raw)


__all__ = ["BadFile", "CellProblem", "HeaderColumn", "Sheet", "open_sheet", "check_container", "clean_label",
           "map_header", "converter", "column_converter", "display_value"]
