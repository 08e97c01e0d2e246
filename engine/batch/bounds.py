"""What a workbook will make the parser allocate, bounded before calamine opens it.

calamine builds a sheet as one rectangle from its first to its last cell with a value, copies a shared
string into every cell that refers to it and reserves what the file declares; a 10 KB file can ask for
hundreds of gigabytes. So the parts calamine will read are streamed out of the zip first, with nothing
built but counters, and the workbook is refused unless every bound holds:

- the sheet read as data: every cell with content within the item's columns (plus a few of the user's
  own, and the 错误原因 column of our error workbook) and rows (the import limit plus some blank rows),
  the declared `<dimension>` too, and the number of `<c>` elements, empty ones included;
- our hidden template sheet: a handful of cells;
- the shared strings: their number, and the text they expand to in the cells that use them;
- the styles: the number of cell formats, as Excel itself limits them;
- every part: no DTD, no element nested deeper than any Excel writes, no single tag or text of megabytes.

Each part is parsed the way calamine parses it (element local names, attribute names as written, the
same sheet and part lookup), by expat. A run of complete rows (or shared strings) in the plain shape
Excel writes is recognised by one regular expression instead and counted in C; anything else in that
run, or any comment, CDATA or processing instruction in the part, goes through expat, so the result
does not depend on which path a byte took.
"""
from __future__ import annotations

import re
import struct
import zipfile
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Collection
from xml.parsers import expat

from engine.errors import EngineError

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
EXTRA_COLUMNS = 16         # columns a user may add after the template's (and our 错误原因 column)
BLANK_ROWS = 1_000         # blank rows the data may have between its rows
META_ROWS, META_COLUMNS = 64, 8
MAX_DEPTH = 64             # Excel's own parts nest about ten deep
MAX_TOKEN = 4 << 20        # one tag or text; Excel's longest (a 32767-character cell) is ~128 KB
MAX_TEXT = 128 << 20       # UTF-8 bytes of shared strings, counted once per cell that uses them
MAX_CELL_FORMATS = 64_000  # Excel's limit on cell formats in a workbook
PART_LIMITS = {"rels": 1 << 20, "workbook": 8 << 20, "styles": 32 << 20, "strings": 128 << 20}
CHUNK = 1 << 20
PIECE = 64 << 10

CORRUPT = "文件已损坏，无法作为Excel工作簿打开。请在Excel中重新保存为.xlsx后再导入"
REBUILD = "请在Excel中新建工作簿，把数据复制进本页下载的模板（选择性粘贴为“数值”）后再导入"


class OutOfBounds(EngineError):
    """The workbook would make the parser allocate more than its item allows (or cannot be bounded)."""

    def __init__(self, message: str, kind: str = "too_large", sheet: str | None = None):
        super().__init__(message, kind)
        self.sheet = sheet      # "meta" when the problem is in our hidden template sheet


def _corrupt() -> OutOfBounds:
    return OutOfBounds(CORRUPT, "invalid")


@dataclass(frozen=True)
class SheetLimits:
    columns: int     # last column (1-based) a cell with content may be in
    rows: int        # last row
    cells: int       # <c> elements, empty ones included
    template_columns: int
    max_rows: int

    @classmethod
    def for_item(cls, template_columns: int, max_rows: int) -> "SheetLimits":
        columns = min(template_columns + EXTRA_COLUMNS, EXCEL_COLUMNS)
        rows = min(max_rows + 1 + BLANK_ROWS, EXCEL_ROWS)
        return cls(columns, rows, columns * rows, template_columns, max_rows)


META_LIMITS = SheetLimits(META_COLUMNS, META_ROWS, META_COLUMNS * META_ROWS, META_COLUMNS, META_ROWS)


@dataclass(frozen=True)
class Inspection:
    date1904: bool             # the workbook counts days from 1904-01-01 (Excel for Mac's old default)
    sheets: frozenset[str]     # names of the sheets vetted for reading (scanned, or without a part at all)


def column_letters(n: int) -> str:
    """1 -> A, 16384 -> XFD."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


# ---- messages -------------------------------------------------------------------------------

def _position(limits: SheetLimits, row: int, col: int, sheet: str | None) -> OutOfBounds:
    """A cell with content at (row, col), 1-based, outside the limits."""
    where = f"文件中的单元格位于第{row}行第{col}列（{column_letters(col) if col <= 10**6 else '…'}列）"
    n, last = limits.template_columns, column_letters(limits.template_columns)
    if sheet == "meta":
        return OutOfBounds("模板的隐藏工作表内容异常（单元格超出了范围），请重新下载模板，把数据复制进去后再导入",
                           sheet=sheet)
    wide, long = col > limits.columns, row > limits.rows
    if wide and long:
        return OutOfBounds(f"列数和行数都超过模板范围：模板只有{n}列（A至{last}列），每次最多导入{limits.max_rows}行，{where}。"
                           "请删除多余的行、列和单元格后再导入")
    if wide:
        return OutOfBounds(f"列数超过模板范围：模板只有{n}列（A至{last}列），{where}。请删除{last}列右侧多余的列和单元格后再导入")
    return OutOfBounds(f"行数超过限制：每次最多导入{limits.max_rows}行数据，{where}。请删除多余的行和单元格，"
                       "或分成多个文件分别导入")


def _dimension_out(limits: SheetLimits, ref: str, sheet: str | None) -> OutOfBounds:
    if sheet == "meta":
        return _position(limits, 1, 1, sheet)
    return OutOfBounds(f"工作表的使用范围为{ref[:40]}，超过模板范围（模板只有{limits.template_columns}列，每次最多导入"
                       f"{limits.max_rows}行）。这通常是在大片空白区域设置了格式所致，请删除数据下方的空行和右侧的空列后"
                       "再导入")


def _too_many_cells(limits: SheetLimits, sheet: str | None) -> OutOfBounds:
    if sheet == "meta":
        return _position(limits, 1, 1, sheet)
    return OutOfBounds(f"工作表中的单元格超过{limits.cells}个（多为没有内容的空单元格，通常是在大片空白区域设置了格式），"
                       "超过模板范围。请删除数据下方的空行和右侧的空列后再导入")


def _too_much_text() -> OutOfBounds:
    return OutOfBounds(f"单元格中的文字合计超过{MAX_TEXT >> 20}MB，远超正常上报的数据量，已拒绝导入。请检查是否有大量重复的"
                       "长文本，或分成多个文件分别导入")


# ---- cell references, as calamine reads them ------------------------------------------------

def _row_and_column(ref: str) -> tuple[int, int | None]:
    """1-based (row, column or None) of "B12" or "12"; exact integers, where calamine would wrap."""
    if len(ref) > 10:   # longer than XFD1048576: no writer makes it, and calamine would wrap it into the grid
        raise _corrupt()
    i, n, col = 0, len(ref), 0
    while i < n and ("A" <= ref[i] <= "Z" or "a" <= ref[i] <= "z"):
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    digits = ref[i:]
    if not digits or not digits.isascii() or not digits.isdigit() or int(digits) == 0:
        raise _corrupt()
    return int(digits), (col or None)


def _cell_ref(ref: str) -> tuple[int, int]:
    row, col = _row_and_column(ref)
    if col is None:
        raise _corrupt()
    return row, col


def _local(name: str) -> str:
    """quick-xml's local name (after the first colon): calamine matches elements by it."""
    i = name.find(":")
    return name if i < 0 else name[i + 1:]


# ---- expat, bounded ---------------------------------------------------------------------------

class _Xml:
    """One XML part through expat: names as written, depth and token size bounded, no DTD.

    Subclasses mirror what calamine does with the part in start(), end() and (if they need it) text().
    """
    fast = False       # whether runs of plain units may be counted without expat (see _stream)

    def __init__(self):
        self.depth = 0
        self._fed = 0
        self._mark = 0
        p = self._p = expat.ParserCreate()
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end

    def listen(self, on: bool) -> None:
        """Text is reported to text() only while asked for: most of a part's text does not matter here."""
        self._p.CharacterDataHandler = self._text if on else None

    def _doctype(self, *_):
        raise OutOfBounds("文件中含有XML文档类型声明（DOCTYPE），正常的Excel工作簿不会有，已拒绝导入。" + REBUILD, "invalid")

    def _start(self, name, attrs):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise OutOfBounds(f"文件的XML结构嵌套超过{MAX_DEPTH}层，不是正常的Excel工作簿（可能已损坏或被改动），已拒绝导入。"
                              + REBUILD, "invalid")
        self._mark = self._p.CurrentByteIndex
        self.start(_local(name), name, attrs)

    def _end(self, name):
        self._mark = self._p.CurrentByteIndex
        self.end(_local(name), name)
        self.depth -= 1

    def _text(self, data):
        self._mark = self._p.CurrentByteIndex
        self.text(data)

    def start(self, local, name, attrs):
        pass

    def end(self, local, name):
        pass

    def text(self, data):
        pass

    def feed(self, data) -> None:
        view = memoryview(data)
        for i in range(0, len(view), PIECE):
            piece = view[i:i + PIECE]
            try:
                self._p.Parse(piece, False)
            except expat.ExpatError:
                raise _corrupt() from None
            self._fed += len(piece)
            # Expat keeps an unfinished token whole: stop before one grows to megabytes.
            if self._fed - self._mark > MAX_TOKEN:
                raise OutOfBounds("文件中有超长的XML内容（单个元素超过4MB），不是正常的Excel工作簿，已拒绝导入。" + REBUILD,
                                  "invalid")

    def close(self) -> None:
        try:
            self._p.Parse(b"", True)
        except expat.ExpatError:
            raise _corrupt() from None

    def at_unit_boundary(self) -> bool:
        return False

    def plain(self, buf: bytes, pos: int, end: int) -> int:
        """Account for the longest run of plain complete units in buf[pos:end] without expat; its end."""
        return pos


class _Stop(Exception):
    """calamine stops reading the part here; so may we."""


def _stream(part, scan: _Xml, unit_end: bytes | None = None) -> None:
    """Feed a part to scan: plain runs of complete units (ending in unit_end) to scan.run(), the rest to expat."""
    with part as fh:
        try:
            chunk = fh.read(CHUNK)
            declaration = re.match(rb"(?:\xef\xbb\xbf)?<\?xml[^<>]*\?>", chunk)
            if declaration:
                scan.feed(chunk[:declaration.end()])
                chunk = chunk[declaration.end():]
            carry = b""
            while chunk:
                buf = carry + chunk if carry else chunk
                end = buf.rfind(unit_end) if unit_end else -1
                if end < 0 and unit_end and len(buf) <= MAX_TOKEN:
                    carry = buf   # not one complete unit yet
                else:
                    end = len(buf) if end < 0 else end + len(unit_end)
                    _units(buf, end, scan, unit_end)
                    carry = buf[end:]
                chunk = fh.read(CHUNK)
            if carry:
                _slow(scan, carry)
            scan.close()
        except _Stop:
            pass
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
            raise _corrupt() from None


def _units(buf: bytes, end: int, scan: _Xml, unit_end: bytes | None) -> None:
    pos = 0
    while pos < end:
        if not scan.fast:
            _slow(scan, buf[pos:end])
            return
        if scan.at_unit_boundary():
            stop = scan.plain(buf, pos, end)
            if stop > pos:
                pos = stop
                continue
        # One unit through expat, then try the fast way again: each unit is matched at most twice.
        nxt = buf.find(unit_end, pos, end)
        stop = end if nxt < 0 else nxt + len(unit_end)
        _slow(scan, buf[pos:stop])
        pos = stop


def _slow(scan: _Xml, piece: bytes) -> None:
    if scan.fast and (b"<!" in piece or b"<?" in piece):
        scan.fast = False   # a comment (or the like) left open could hide units from calamine
    scan.feed(piece)


# ---- the zip ----------------------------------------------------------------------------------

class _Parts:
    """The zip's entries as calamine finds them: by name, lower case, backslashes as slashes."""

    def __init__(self, data: bytes, zf: zipfile.ZipFile):
        _one_archive(data)
        self.zf = zf
        self.raw = {}
        self.folded = {}
        for info in zf.infolist():
            key = info.filename.replace("\\", "/").lower()
            if key in self.folded or info.filename in self.raw:
                raise _corrupt()   # two entries calamine could confuse: which one would it read?
            self.folded[key] = info
            self.raw[info.filename] = info

    def find(self, path: str) -> zipfile.ZipInfo | None:
        return self.folded.get(path.lower()) or self.raw.get(path)

    def open(self, info: zipfile.ZipInfo, kind: str | None = None):
        if kind is not None and info.file_size > PART_LIMITS[kind]:
            raise OutOfBounds(f"文件中的{info.filename[:60]}解压后达{info.file_size / 1048576:.1f}MB，远超正常的Excel工作簿，"
                              "已拒绝导入。" + REBUILD)
        try:
            return self.zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError):
            raise _corrupt() from None


def _one_archive(data: bytes) -> None:
    """One zip from start to end, so that every reader sees the same entries (no prepended or appended data)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or len(data) < at + 22:
        raise _corrupt()
    entries, cd_size, cd_offset, comment = struct.unpack("<HIIH", data[at + 10:at + 22])
    if at + 22 + comment != len(data):
        raise _corrupt()
    if 0xFFFFFFFF in (cd_size, cd_offset) or entries == 0xFFFF:
        locator = at - 20
        if locator < 0 or data[locator:locator + 4] != b"PK\x06\x07":
            raise _corrupt()
        (end64,) = struct.unpack("<Q", data[locator + 8:locator + 16])
        if data[end64:end64 + 4] != b"PK\x06\x06":
            raise _corrupt()
        cd_size, cd_offset = struct.unpack("<QQ", data[end64 + 40:end64 + 56])
        at = end64
    if cd_offset + cd_size != at:
        raise _corrupt()


# ---- the small parts --------------------------------------------------------------------------

class _PackageRels(_Xml):
    def __init__(self):
        super().__init__()
        self.started = self.done = False
        self.target = None

    def start(self, local, name, attrs):
        if self.done:
            return
        if local == "Relationships":
            self.started = True
        elif self.started and local == "Relationship":
            kind, target = attrs.get("Type"), attrs.get("Target")
            if kind is not None and kind.endswith("/relationships/officeDocument") and target is not None:
                self.target = target

    def end(self, local, name):
        if self.started and local == "Relationships":
            self.done = True


class _WorkbookRels(_Xml):
    def __init__(self):
        super().__init__()
        self.done = False
        self.rels: dict[str, tuple[str, str]] = {}

    def start(self, local, name, attrs):
        if not self.done and local == "Relationship" and "Id" in attrs:
            self.rels[attrs["Id"]] = (attrs.get("Target", ""), attrs.get("Type", ""))

    def end(self, local, name):
        if local == "Relationships":
            self.done = True


class _Workbook(_Xml):
    def __init__(self):
        super().__init__()
        self.done = False
        self.date1904 = False
        self.sheets: list[tuple[str, str, str]] = []   # (name, state, relationship id)

    def start(self, local, name, attrs):
        if self.done:
            return
        if local == "sheet":
            rid = ""
            for key, value in attrs.items():
                if key == "id" or key.endswith(":id"):
                    rid = value
            state = attrs.get("state", "visible")
            if state not in ("visible", "hidden", "veryHidden"):
                raise _corrupt()
            self.sheets.append((attrs.get("name", ""), state, rid))
        elif local == "workbookPr":
            self.date1904 = attrs.get("date1904") in ("1", "true")

    def end(self, local, name):
        if local == "workbook":
            self.done = True


class _Styles(_Xml):
    def __init__(self):
        super().__init__()
        self.inside = 0
        self.formats = 0

    def start(self, local, name, attrs):
        if local == "cellXfs":
            declared = attrs.get("count", "0")
            if declared.isascii() and declared.isdigit() and int(declared) > MAX_CELL_FORMATS:
                raise self._too_many()
            self.inside += 1
        elif self.inside and local == "xf":
            self.formats += 1
            if self.formats > MAX_CELL_FORMATS:
                raise self._too_many()

    def end(self, local, name):
        if local == "cellXfs":
            self.inside -= 1

    @staticmethod
    def _too_many():
        return OutOfBounds(f"文件中的单元格格式超过{MAX_CELL_FORMATS}种，超过Excel本身的上限（文件可能已损坏或由其他程序生成），"
                           "已拒绝导入。" + REBUILD)


def _scan_all(parts: _Parts, info, scan: _Xml, kind: str) -> _Xml:
    _stream(parts.open(info, kind), scan)
    return scan


# ---- shared strings -------------------------------------------------------------------------

_SI_RUN = re.compile(rb'(?:[ \t\r\n]*+<si><t(?: xml:space="preserve")?>[^<]*+</t></si>)*+')
_SI_TEXT = re.compile(rb'<si><t[^<>]*>([^<]*)</t></si>')


class _SharedStrings(_Xml):
    """calamine's read_shared_strings: every <si> after <sst> is one string (nested ones are not)."""
    fast = True

    def __init__(self, cap: int):
        super().__init__()
        self.cap = cap
        self.state = 0           # 0 before <sst>, 1 inside, 2 after
        self.sst_depth = 0
        self.string = None       # the qualified name of the <si> being read
        self.current = 0
        self.lengths = array("Q")

    def _count(self, n: int) -> None:
        if len(self.lengths) + n > self.cap:
            raise OutOfBounds(f"文件中的共享文字条目超过{self.cap}条，超过模板范围（每次最多导入的行数乘以列数），已拒绝导入。"
                              + REBUILD)

    def start(self, local, name, attrs):
        if self.state == 0:
            if local == "sst":
                self.state, self.sst_depth = 1, self.depth
                declared = attrs.get("uniqueCount", "")
                if declared.isascii() and declared.isdigit() and int(declared) > self.cap:
                    self._count(int(declared))   # calamine reserves room for this many before reading one
        elif self.state == 1 and self.string is None and local == "si":
            self._count(1)
            self.string, self.current = name, 0
            self.listen(True)

    def text(self, data):
        if self.string is not None:
            self.current += len(data.encode("utf-8", "surrogatepass"))

    def end(self, local, name):
        if self.state != 1:
            return
        if self.string is not None:
            if name == self.string:
                self.lengths.append(self.current)
                self.string = None
                self.listen(False)
        elif local == "sst":
            self.state = 2
            raise _Stop()

    def at_unit_boundary(self):
        return self.state == 1 and self.string is None and self.depth == self.sst_depth

    def plain(self, buf, pos, end):
        stop = _SI_RUN.match(buf, pos, end).end()
        if stop > pos:
            texts = _SI_TEXT.findall(buf, pos, stop)
            self._count(len(texts))
            self.lengths.extend(map(len, texts))   # raw bytes: never shorter than the text they stand for
        return stop


# ---- sheets ---------------------------------------------------------------------------------

# The plain shape of rows as Excel (and openpyxl, WPS, LibreOffice) write them: r= first on every row and
# cell, then s= and t=, no entity in an attribute that matters, no comment, only <f>, <v> or a plain <is>.
_WS = rb'[ \t\r\n]*+'
_ATTRS = rb'(?: [A-Za-z_][\w.:-]*="[^"<>]*")*+'
_OTHER_ATTRS = rb'(?: (?![rst]=)[A-Za-z_][\w.:-]*="[^"<>&]*")*+'
_REF = rb'[A-Z]{1,3}[1-9][0-9]{0,6}'
_F = rb'<f' + _ATTRS + rb'(?:/>|>[^<]*+</f>)'
_CELL = (rb'<c r="' + _REF + rb'"(?: s="[0-9]{1,9}")?+(?: t="(?:s|n|b|e|str|inlineStr|d)")?+' + _OTHER_ATTRS
         + rb'(?:/>|>' + _WS + rb'(?:' + _F + _WS + rb')?+(?:(?:<v>[^<]*+</v>|<is><t(?: xml:space="preserve")?>[^<]*+'
         rb'</t></is>)' + _WS + rb')?+</c>)')
_ROW_RUN = re.compile(rb'(?:' + _WS + rb'<row r="[1-9][0-9]{0,6}"' + rb'(?: (?!r=)[A-Za-z_][\w.:-]*="[^"<>]*")*+'
                      + rb'(?:/>|>(?:' + _WS + _CELL + rb')*+' + _WS + rb'</row>))*+')
_SHARED_V = re.compile(rb'<c r="' + _REF + rb'"(?: s="[0-9]{1,9}")? t="s"' + _OTHER_ATTRS + rb'>' + _WS
                       + rb'(?:' + _F + _WS + rb')?<v>([^<]*)</v>')
_LAST_ROW = re.compile(rb'<row r="([0-9]+)"')


def _up_to(n: int) -> bytes:
    """A regular expression for the decimal numbers 1..n (no leading zeros)."""
    s = str(n)
    alts = []
    if len(s) > 1:
        alts.append(f"[1-9][0-9]{{0,{len(s) - 2}}}")
    for i, ch in enumerate(s):
        low = 1 if i == 0 else 0
        if int(ch) > low:
            alts.append(s[:i] + f"[{low}-{int(ch) - 1}]" + (f"[0-9]{{{len(s) - i - 1}}}" if i < len(s) - 1 else ""))
    alts.append(s)
    return ("(?:" + "|".join(alts) + ")").encode()


@lru_cache(maxsize=16)
def _outside(columns: int, rows: int) -> re.Pattern:
    """The first cell with content (its tag does not close itself) outside columns x rows, in a plain run."""
    letters = "|".join(sorted((column_letters(c) for c in range(1, columns + 1)), key=len, reverse=True))
    return re.compile(rb'<c r="(?!(?:' + letters.encode() + rb')' + _up_to(rows) + rb'")(' + _REF + rb')"[^<>]*(?<!/)>')


class _Sheet(_Xml):
    """calamine's cell reader: positions from r= (or counted on from the last), rows, the declared dimension."""
    fast = True

    def __init__(self, limits: SheetLimits, strings: array, budget: list, sheet: str | None):
        super().__init__()
        self.limits, self.strings, self.budget, self.sheet = limits, strings, budget, sheet
        self.longest = max(strings) if len(strings) else 0
        self.state = 0          # 0 before <sheetData>, 1 inside, 2 after
        self.data_depth = 0
        self.row = 0            # 0-based, as calamine counts
        self.col = 0
        self.cells = 0
        self.cell = None        # [depth, row, col, shared, has content]
        self.value = None       # text of the <v> of a shared-string cell, while inside it

    # expat's view
    def start(self, local, name, attrs):
        if self.state == 0:
            if local == "dimension" and "ref" in attrs:
                self._dimension(attrs["ref"])
            elif local == "sheetData":
                self.state, self.data_depth = 1, self.depth
            return
        if self.state != 1:
            return
        cell = self.cell
        if cell is not None:
            if not cell[4]:
                cell[4] = True
                self._place(cell[1] + 1, cell[2] + 1)
            if cell[3] and local == "v" and self.depth == cell[0] + 1:
                self.value = []
                self.listen(True)
            return
        if local == "row":
            if "r" in attrs:
                self.row = _row_and_column(attrs["r"])[0] - 1
        elif local == "c":
            self._count(1)
            if "r" in attrs:
                row, col = _cell_ref(attrs["r"])
                row, col = row - 1, col - 1
                self.col = col
            else:
                row, col = self.row, self.col
            self.cell = [self.depth, row, col, attrs.get("t") == "s", False]

    def text(self, data):
        if self.value is not None:
            self.value.append(data)

    def end(self, local, name):
        if self.state != 1:
            return
        cell = self.cell
        if cell is not None:
            if self.depth == cell[0]:
                self.cell = None
                self.col += 1
            elif self.value is not None and self.depth == cell[0] + 1:
                self._shared_text("".join(self.value))
                self.value = None
                self.listen(False)
            return
        if local == "row":
            self.row += 1
            self.col = 0
        elif local == "sheetData":
            self.state = 2
            raise _Stop()

    # the plain runs
    def at_unit_boundary(self):
        return self.state == 1 and self.cell is None and self.depth == self.data_depth

    def plain(self, buf, pos, end):
        stop = _ROW_RUN.match(buf, pos, end).end()
        if stop == pos:
            return pos
        self._count(buf.count(b'<c r="', pos, stop))
        bad = _outside(self.limits.columns, self.limits.rows).search(buf, pos, stop)
        if bad:
            row, col = _cell_ref(bad.group(1).decode())
            self._place(row, col)
        if len(self.strings):
            values = _SHARED_V.findall(buf, pos, stop)
            if values:
                self._shared_values(values)
        last = _LAST_ROW.match(buf, buf.rfind(b'<row r="', pos, stop))
        self.row, self.col = int(last.group(1)), 0   # as calamine stands after the run's last </row>
        return stop

    # the bounds
    def _count(self, n):
        self.cells += n
        if self.cells > self.limits.cells:
            raise _too_many_cells(self.limits, self.sheet)

    def _place(self, row, col):
        if row > self.limits.rows or col > self.limits.columns:
            raise _position(self.limits, row, col, self.sheet)

    def _dimension(self, ref):
        parts = ref.split(":")
        if len(parts) > 2:
            raise _corrupt()
        for part in parts:
            row, col = _cell_ref(part)
            if row > self.limits.rows or col > self.limits.columns:
                raise _dimension_out(self.limits, ref, self.sheet)

    def _shared_values(self, values: list[bytes]) -> None:
        """The text that cells referring to shared strings will each hold a copy of (a plain run's <v>s)."""
        if all(map(bytes.isdigit, values)):
            try:
                return self._spend(sum(map(self.strings.__getitem__, map(int, values))))
            except IndexError:
                pass
        self._spend(sum(self._length(v.decode("utf-8", "replace")) for v in values))

    def _shared_text(self, value: str) -> None:
        self._spend(self._length(value))

    def _length(self, value: str) -> int:
        if value == "":
            return 0
        i = int(value) if value.isascii() and value.isdigit() else -1
        # calamine reads what it cannot parse as string 0, or fails: count the longest string either way
        return self.strings[i] if 0 <= i < len(self.strings) else self.longest

    def _spend(self, n: int) -> None:
        self.budget[0] -= n
        if self.budget[0] < 0:
            raise _too_much_text()


# ---- the workbook -----------------------------------------------------------------------------

def inspect(data: bytes, zf: zipfile.ZipFile, *, template_columns: int, max_rows: int, meta_sheet: str,
            skip: Collection[str]) -> Inspection:
    """Check every bound on the parts calamine will read for this import; raise OutOfBounds if one fails.

    The sheets calamine will be asked for are found as the reader finds them: our hidden template sheet
    meta_sheet by name, and the data: the first visible worksheet not named in skip.
    """
    limits = SheetLimits.for_item(template_columns, max_rows)
    parts = _Parts(data, zf)

    package = parts.find("_rels/.rels")
    if package is None:
        raise _corrupt()
    target = _scan_all(parts, package, _PackageRels(), "rels").target
    if target is None:
        raise _corrupt()
    root = target[:target.rfind("/") + 1].removeprefix("/") if "/" in target else ""

    strings = array("Q")
    info = parts.find(root + "sharedStrings.xml")
    if info is not None:
        scan = _SharedStrings(limits.cells)
        _stream(parts.open(info, "strings"), scan, b"</si>")
        if scan.state == 0:
            raise _corrupt()
        strings = scan.lengths
    info = parts.find(root + "styles.xml")
    if info is not None:
        _scan_all(parts, info, _Styles(), "styles")
    info = parts.find(root + "_rels/workbook.xml.rels")
    if info is None:
        raise _corrupt()
    rels = _scan_all(parts, info, _WorkbookRels(), "rels").rels
    info = parts.find(root + "workbook.xml")
    if info is None:
        return Inspection(False, frozenset())
    book = _scan_all(parts, info, _Workbook(), "workbook")

    sheets = []   # (name, state, part path, type), in the workbook's order
    for name, state, rid in book.sheets:
        if rid not in rels:
            raise _corrupt()
        target, kind = rels[rid]
        path = target[1:] if target.startswith("/") else root + target
        typ = kind.rsplit("/", 1)[-1]
        if typ not in ("worksheet", "chartsheet", "dialogsheet"):
            raise _corrupt()
        sheets.append((name, state, path, typ))

    def first_named(name):
        return next(s for s in sheets if s[0] == name)

    chosen = {}
    if any(s[0] == meta_sheet for s in sheets):
        chosen[meta_sheet] = (first_named(meta_sheet), META_LIMITS, "meta")
    data_sheet = next((s for s in sheets if s[0] not in skip and s[1] == "visible" and s[3] == "worksheet"), None)
    if data_sheet is not None:
        chosen.setdefault(data_sheet[0], (first_named(data_sheet[0]), limits, None))
    budget = [MAX_TEXT]
    for (name, _, path, _), sheet_limits, which in chosen.values():
        info = parts.find(path)
        if info is not None:
            scan = _Sheet(sheet_limits, strings, budget, which)
            _stream(parts.open(info), scan, b"</row>")
    return Inspection(book.date1904, frozenset(chosen))


__all__ = ["CORRUPT", "Inspection", "OutOfBounds", "SheetLimits", "column_letters", "inspect"]
