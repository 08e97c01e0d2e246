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
same sheet and part lookup), by expat, element by element, within an element budget. Runs of complete
rows, cells or shared strings in the plain shape Excel writes are instead recognised by regular
expressions and counted in C, but only where expat stands between two tokens in the state the run
needs; the two together see every byte once, in order, so the result does not depend on the path a byte
took (tests/engine/batch/test_bounds.py runs both on generated sheets and checks them against calamine).
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
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
MAX_TEXT = 128 << 20       # bytes of the sheets read, and of shared strings once per cell that uses them
MAX_ELEMENTS = 1_500_000   # elements parsed by expat (not in runs of the plain shape): about a second of CPU
MAX_CELL_FORMATS = 64_000  # Excel's limit on cell formats in a workbook
PART_LIMITS = {"rels": 1 << 20, "workbook": 8 << 20, "styles": 32 << 20, "strings": 64 << 20}
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
    sheets: frozenset[str]     # the sheets vetted for reading (scanned, or without a part at all); none if
                               # the workbook has no template sheet


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
    where = f"文件中的单元格位于第{row}行第{col}列（{column_letters(col)}列）"
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


# ---- cell references, as calamine reads them ------------------------------------------------

_REF_TEXT = re.compile(r"([A-Za-z]{0,3})([0-9]{1,7})")


@lru_cache(maxsize=20_000)
def _row_and_column(ref: str) -> tuple[int, int | None]:
    """1-based (row, column or None) of "B12" or "12", read as calamine reads them.

    What no writer makes (four letters, eight digits, anything else) is refused: calamine would wrap the
    number into the grid, or fail.
    """
    m = _REF_TEXT.fullmatch(ref)
    if m is None or m.group(2).strip("0") == "":
        raise _corrupt()
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), (col or None)


def _cell_ref(ref: str) -> tuple[int, int]:
    row, col = _row_and_column(ref)
    if col is None:
        raise _corrupt()
    return row, col


# ---- expat, bounded ---------------------------------------------------------------------------

def _local(name: str) -> str:
    """quick-xml's local name, after the first colon: calamine matches elements by it."""
    return name if ":" not in name else name[name.index(":") + 1:]


def _too_deep() -> OutOfBounds:
    return OutOfBounds(f"文件的XML结构嵌套超过{MAX_DEPTH}层，不是正常的Excel工作簿（可能已损坏或被改动），已拒绝导入。" + REBUILD,
                       "invalid")


class _Work:
    """What one workbook may still cost: text calamine will hold, and elements parsed the slow way."""

    def __init__(self):
        self.text = MAX_TEXT
        self.elements = MAX_ELEMENTS

    def spend_text(self, n: int) -> None:
        self.text -= n
        if self.text < 0:
            raise OutOfBounds(f"工作表内容解压后合计超过{MAX_TEXT >> 20}MB（共享文字按每次引用计算），远超正常上报的数据量，"
                              "已拒绝导入。请检查是否有大量重复的长文本，或分成多个文件分别导入")

    def spend_elements(self, n: int) -> None:
        self.elements -= n
        if self.elements < 0:
            raise OutOfBounds(f"文件的XML写法不是Excel的常见格式，且元素超过{MAX_ELEMENTS // 10000}万个，已拒绝导入。"
                              "请在Excel中打开后“另存为”Excel工作簿（.xlsx），再导入")


class _Xml:
    """One XML part through expat: names as written, depth, elements and token size bounded, no DTD.

    Subclasses mirror what calamine does with the part in start() and end() (local name, name as written,
    attributes); text() gets character data while listen(True). A subclass with runs of plain units
    (fast = True) accounts for them itself in plain(), when at_unit_boundary() says expat stands between
    two units of the part.
    """
    fast = False

    def __init__(self, work: _Work):
        self.work = work
        self.depth = 0
        self.elements = 0      # since last spent
        self._fed = 0
        p = self._p = expat.ParserCreate()
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end

    def listen(self, on: bool) -> None:
        self._p.CharacterDataHandler = self.text if on else None

    def _doctype(self, *_):
        raise OutOfBounds("文件中含有XML文档类型声明（DOCTYPE），正常的Excel工作簿不会有，已拒绝导入。" + REBUILD, "invalid")

    def _start(self, name, attrs):
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep()
        self.start(_local(name), name, attrs)

    def _end(self, name):
        self.end(_local(name), name)
        self.depth -= 1

    def start(self, local, name, attrs):
        pass

    def end(self, local, name):
        pass

    def text(self, data):
        pass

    def feed(self, data) -> None:
        view = memoryview(data)
        p = self._p
        for i in range(0, len(view), PIECE):
            piece = view[i:i + PIECE]
            try:
                p.Parse(piece, False)
            except expat.ExpatError:
                raise _corrupt() from None
            self._fed += len(piece)
            # Expat keeps an unfinished token whole: refuse before one grows to megabytes.
            if self._fed - p.CurrentByteIndex > MAX_TOKEN:
                raise OutOfBounds("文件中有超长的XML内容（单个元素超过4MB），不是正常的Excel工作簿，已拒绝导入。" + REBUILD,
                                  "invalid")
        self.work.spend_elements(self.elements)
        self.elements = 0

    def close(self) -> None:
        try:
            self._p.Parse(b"", True)
        except expat.ExpatError:
            raise _corrupt() from None
        self.work.spend_elements(self.elements)

    def between_tokens(self) -> bool:
        """Expat has consumed all it was given: not inside a tag, comment, CDATA section or the like."""
        return self._p.CurrentByteIndex == self._fed

    def at_unit_boundary(self) -> bool:
        return False

    def unit_ends(self) -> tuple[bytes, ...]:
        return ()

    def plain(self, buf: bytes, pos: int, end: int) -> int:
        """Account for the plain complete units at buf[pos:end] without expat; where they end (pos: none)."""
        return pos


class _Stop(Exception):
    """calamine stops reading the part here; so may we."""


def _stream(part, scan: _Xml) -> None:
    """Feed a part to scan: runs of plain units to scan.plain(), everything else to expat.

    A plain run is taken only where expat stands between two tokens in the state the run needs, so expat and
    the runs together see the part exactly once, in order, as calamine does. Where no run is plain the part
    goes to expat a unit (up to one of scan.unit_ends()) at a time, so a run can start again after it.
    """
    with part as fh:
        try:
            carry = b""
            while chunk := fh.read(CHUNK):
                buf = carry + chunk if carry else chunk
                end = buf.rfind(b">") + 1   # a run never ends inside a tag
                if end == 0 and len(buf) <= MAX_TOKEN:
                    carry = buf
                    continue
                end = end or len(buf)
                _feed_units(buf, end, scan)
                carry = buf[end:]
            if carry:
                scan.feed(carry)
            scan.close()
        except _Stop:
            pass
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
            raise _corrupt() from None


def _feed_units(buf: bytes, end: int, scan: _Xml) -> None:
    unit_ends = scan.unit_ends()
    if not (scan.fast and unit_ends):
        scan.feed(buf if end == len(buf) else buf[:end])
        return
    pos = 0
    while pos < end:
        if scan.between_tokens() and scan.at_unit_boundary():
            stop = scan.plain(buf, pos, end)
            if stop > pos:
                pos = stop
                continue
        # One unit through expat, then a run may start again: each byte is matched at most twice.
        found = [i + len(u) for u in unit_ends if (i := buf.find(u, pos, end)) >= 0]
        stop = min(found) if found else end
        scan.feed(buf[pos:stop])
        pos = stop


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
    """_rels/.rels: where the workbook is, hence the folder calamine looks for every other part in."""

    def __init__(self, work):
        super().__init__(work)
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
    def __init__(self, work):
        super().__init__(work)
        self.done = False
        self.rels: dict[str, tuple[str, str]] = {}

    def start(self, local, name, attrs):
        if not self.done and local == "Relationship" and "Id" in attrs:
            self.rels[attrs["Id"]] = (attrs.get("Target", ""), attrs.get("Type", ""))

    def end(self, local, name):
        if local == "Relationships":
            self.done = True


class _Workbook(_Xml):
    def __init__(self, work):
        super().__init__(work)
        self.done = False
        self.date1904 = False
        self.sheets: list[tuple[str, str, str]] = []   # (name, state, relationship id)

    def start(self, local, name, attrs):
        if self.done:
            return
        if local == "sheet":
            rid = ""
            for key, value in attrs.items():   # calamine takes the last r:id (any prefix)
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
    def __init__(self, work):
        super().__init__(work)
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


# ---- shared strings -------------------------------------------------------------------------

# <si> as Excel writes it for plain text, and its empty forms (with the prefix the part's <sst> has, if any);
# the text's raw bytes are never fewer than the characters calamine will hold.
@dataclass(frozen=True)
class _Pattern:
    run: re.Pattern
    one: re.Pattern
    ends: tuple[bytes, ...]


@lru_cache(maxsize=8)
def _si_patterns(prefix: bytes) -> _Pattern:
    si, t = b"<" + prefix + b"si", b"<" + prefix + b"t"
    one = si + rb'(?:/>|>' + t + rb'(?:/>|(?: xml:space="preserve")?>([^<]*+)</' + prefix + rb't>)</' + prefix + rb'si>)'
    return _Pattern(re.compile(rb'(?:[ \t\r\n]*+' + one + rb')*+'), re.compile(one), (b"</" + prefix + b"si>",))


class _SharedStrings(_Xml):
    """calamine's read_shared_strings: each <si> after <sst> is one string (an <si> inside one is not)."""
    fast = True

    def __init__(self, work, cap: int):
        super().__init__(work)
        self.cap = cap
        self.state = 0           # 0 before <sst>, 1 inside, 2 after
        self.sst_depth = 0
        self.string = None       # the qualified name of the <si> being read
        self.current = 0
        self.lengths = array("Q")
        self.patterns = None

    def _count(self, n: int) -> None:
        if len(self.lengths) + n > self.cap:
            raise OutOfBounds(f"文件中的文字条目（共享字符串）超过{self.cap}条，多于模板每次最多能导入的单元格数，已拒绝导入。"
                              + REBUILD)

    # expat's view, element by element outside plain runs (the slow path, so kept short)
    def _start(self, name, attrs):
        depth = self.depth = self.depth + 1
        self.elements += 1
        if depth > MAX_DEPTH:
            raise _too_deep()
        if self.string is not None or self.state == 2:
            return
        local = _local(name)
        if self.state == 1:
            if local == "si":
                self._count(1)
                self.string, self.current = name, 0
        elif local == "sst":
            self.state, self.sst_depth = 1, depth
            self.patterns = _si_patterns(name[:len(name) - 3].encode())
            self.listen(True)
            declared = attrs.get("uniqueCount", "")
            if declared.isascii() and declared.isdigit():
                self._count(int(declared))   # calamine reserves room for this many before reading one

    def text(self, data):
        if self.string is not None:
            self.current += len(data.encode("utf-8", "surrogatepass"))

    def _end(self, name):
        self.depth -= 1
        if self.state != 1:
            return
        if self.string is not None:
            if name == self.string:
                self.lengths.append(self.current)
                self.string = None
        elif _local(name) == "sst":
            self.state = 2
            raise _Stop()

    def at_unit_boundary(self):
        return self.state == 1 and self.string is None and self.depth == self.sst_depth

    def unit_ends(self):
        return self.patterns.ends if self.patterns else ()

    def plain(self, buf, pos, end):
        shape = self.patterns
        stop = shape.run.match(buf, pos, end).end()
        if stop > pos:
            texts = shape.one.findall(buf, pos, stop)
            self._count(len(texts))
            self.lengths.extend(map(len, texts))
        return stop


# ---- sheets ---------------------------------------------------------------------------------

# Rows and cells in the plain shape Excel (and openpyxl, WPS, LibreOffice) write: attributes in double
# quotes without entities, one r= on every cell with content, children only <f>, <v> or a plain <is>.
# An attribute value then holds no quote, so ' r="' and ' t="s"' can only be attributes themselves (of a
# cell, or of a row, whose r= is digits only and whose t= is no cell's).
_WS = rb'[ \t\r\n]*+'
_ATTRS = rb'(?: [A-Za-z_][\w.:-]*="[^"<>&]*")*+'
_NOT_R = rb'(?: (?!r=)[A-Za-z_][\w.:-]*="[^"<>&]*")*+'
_REF = rb'[A-Z]{1,3}[1-9][0-9]{0,6}'
_ONE_R = rb'(?=[^<>]* r="' + _REF + rb'")(?![^<>]* r="[^<>]* r=)'
_REF_AT = re.compile(rb' r="(' + _REF + rb')"')


class _Rows:
    """The plain shape's patterns, for the prefix the sheet's elements have (b"" or, say, b"x:")."""

    def __init__(self, p: bytes):
        f = b"<" + p + b"f" + _ATTRS + rb"(?:/>|>[^<]*+</" + p + b"f>)"
        v = b"<" + p + b"v>[^<]*+</" + p + b"v>"
        inline = b"<" + p + b"is><" + p + b't(?: xml:space="preserve")?>[^<]*+</' + p + b"t></" + p + b"is>"
        children = b">" + _WS + b"(?:" + f + _WS + b")?+(?:(?:" + v + b"|" + inline + b")" + _WS + b")?+</" + p + b"c>"
        # r= first (as everyone writes it), or anywhere once; without r= only empty: counted, holding nothing
        c = b"<" + p + b"c"
        cell = c + b'(?: r="' + _REF + b'"' + _NOT_R + b"|" + _ONE_R + _ATTRS + b")(?:/>|" + children + b")|" + c + _NOT_R + b"/>"
        row = (b"<" + p + rb'row r="[1-9][0-9]{0,6}"(?: (?!r=)[A-Za-z_][\w.:-]*="[^"<>]*")*+(?:/>|>(?:' + _WS + cell
               + b")*+" + _WS + b"</" + p + b"row>)")
        self.rows = re.compile(b"(?:" + _WS + row + b")*+")
        self.cells = re.compile(b"(?:" + _WS + cell + b")*+")
        self.shared = re.compile(rb' t="s"[^<>]*>' + _WS + b"(?:" + f + _WS + b")?<" + p + b"v>([^<]*)</" + p + b"v>")
        self.cell_tag = c              # in a plain run only cell tags start so
        self.row_tag = b"<" + p + b'row r="'
        self.last_row = re.compile(b"<" + p + b'row r="([0-9]+)"')
        self.ends = (b"</" + p + b"c>", b"</" + p + b"row>")


@lru_cache(maxsize=8)
def _rows(prefix: bytes) -> _Rows:
    return _Rows(prefix)


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
    """In a plain run: the first cell with content (a child element, as expat's view counts it) outside
    columns x rows."""
    letters = "|".join(column_letters(c) for c in range(columns, 0, -1))
    return re.compile(rb' r="(?!(?:' + letters.encode() + rb')' + _up_to(rows) + rb'")(' + _REF
                      + rb')"[^<>]*(?<!/)>[ \t\r\n]*+<(?!/)')


class _Sheet(_Xml):
    """calamine's cell reader: a cell at its r= or one column on from the last, rows, the declared dimension."""
    fast = True

    def __init__(self, work, limits: SheetLimits, strings: array, sheet: str | None):
        super().__init__(work)
        self.limits, self.strings, self.sheet = limits, strings, sheet
        self.longest = max(strings) if len(strings) else 0
        self.state = 0          # 0 before <sheetData>, 1 inside, 2 after
        self.row = 0            # 0-based, as calamine counts
        self.col = 0
        self.cells = 0
        self.rows = 0
        self.cell = None        # [depth, row, col, shared] of the <c> being read; row None once placed
        self.value = None       # text of the <v> of a shared-string cell, while inside it
        self.patterns = None

    # expat's view, element by element outside plain runs: kept short, it is the slow path
    def _start(self, name, attrs):
        depth = self.depth = self.depth + 1
        self.elements += 1
        if depth > MAX_DEPTH:
            raise _too_deep()
        if self.state != 1:
            return self._before_data(name, attrs)
        cell = self.cell
        if cell is not None:        # a child of a cell: the cell has content, calamine places it
            if cell[1] is not None:
                row, col, cell[1] = cell[1], cell[2], None
                if row >= self.limits.rows or col >= self.limits.columns:
                    raise _position(self.limits, row + 1, col + 1, self.sheet)
            if cell[3] and depth == cell[0] + 1 and _local(name) == "v":
                self.value = []
                self.listen(True)
            return
        local = _local(name)
        if local == "c":
            self._count_cells(1)
            r = attrs.get("r")
            if r is None:
                self.cell = [depth, self.row, self.col, attrs.get("t") == "s"]
            else:
                row, col = _cell_ref(r)
                self.col = col - 1
                self.cell = [depth, row - 1, col - 1, attrs.get("t") == "s"]
        elif local == "row":
            self._count_rows(1)
            r = attrs.get("r")
            if r is not None:
                self.row = _row_and_column(r)[0] - 1

    def _before_data(self, name, attrs):
        local = _local(name)
        if self.state == 0:
            if local == "dimension" and "ref" in attrs:
                self._dimension(attrs["ref"])
            elif local == "sheetData":
                self.state = 1
                self.patterns = _rows(name[:len(name) - len(local)].encode())   # rows written with its prefix

    def text(self, data):
        self.value.append(data)

    def _end(self, name):
        depth = self.depth
        self.depth = depth - 1
        if self.state != 1:
            return
        cell = self.cell
        if cell is not None:
            if depth == cell[0]:
                self.cell = None
                self.col += 1
            elif self.value is not None and depth == cell[0] + 1:
                self.work.spend_text(self._length("".join(self.value)))
                self.value = None
                self.listen(False)
            return
        local = _local(name)
        if local == "row":
            self.row += 1
            self.col = 0
        elif local == "sheetData":
            self.state = 2
            raise _Stop()

    # the plain runs
    def at_unit_boundary(self):
        return self.state == 1 and self.cell is None

    def unit_ends(self):
        return self.patterns.ends if self.patterns else (b"</row>",)

    def plain(self, buf, pos, end):
        shape = self.patterns
        stop = shape.rows.match(buf, pos, end).end()
        rows = stop > pos
        if not rows:
            stop = shape.cells.match(buf, pos, end).end()
            if stop == pos:
                return pos
        cells = buf.count(shape.cell_tag, pos, stop)
        self._count_cells(cells)
        bad = _outside(self.limits.columns, self.limits.rows).search(buf, pos, stop)
        if bad:
            self._place(*_cell_ref(bad.group(1).decode()))
        if len(self.strings):
            values = shape.shared.findall(buf, pos, stop)
            if values:
                self._shared(values)
        if rows:   # calamine then stands after the run's last </row>
            self._count_rows(buf.count(shape.row_tag, pos, stop))
            self.row, self.col = int(shape.last_row.match(buf, buf.rfind(shape.row_tag, pos, stop)).group(1)), 0
        else:      # one column on from the last cell with r=, for each cell after it
            at = buf.rfind(b' r="', pos, stop)
            if at < 0:
                self.col += cells
            else:
                # calamine stands one column on from that cell (its 1-based column), and one more per cell after
                self.col = _cell_ref(_REF_AT.match(buf, at).group(1).decode())[1] + buf.count(shape.cell_tag, at, stop)
        return stop

    # the bounds
    def _count_cells(self, n):
        self.cells += n
        if self.cells > self.limits.cells:
            raise _too_many_cells(self.limits, self.sheet)

    def _count_rows(self, n):
        self.rows += n
        if self.rows > self.limits.rows:
            raise _position(self.limits, self.rows, 1, self.sheet)

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

    def _shared(self, values: list[bytes]) -> None:
        """The shared strings a plain run's cells will each hold a copy of."""
        if all(map(bytes.isdigit, values)):
            try:
                return self.work.spend_text(sum(map(self.strings.__getitem__, map(int, values))))
            except IndexError:
                pass
        self.work.spend_text(sum(self._length(v.decode("utf-8", "replace")) for v in values))

    def _length(self, value: str) -> int:
        if value == "":
            return 0
        i = int(value) if value.isascii() and value.isdigit() else -1
        # calamine reads what it cannot parse as string 0, or fails: count the longest string either way
        return self.strings[i] if 0 <= i < len(self.strings) else self.longest


# ---- the workbook -----------------------------------------------------------------------------

def _scan(parts: _Parts, info, scan: _Xml, kind: str | None = None) -> _Xml:
    _stream(parts.open(info, kind), scan)
    return scan


def inspect(data: bytes, zf: zipfile.ZipFile, *, template_columns: int, max_rows: int, meta_sheet: str,
            skip: Collection[str]) -> Inspection:
    """Check every bound on the parts calamine will read for this import; raise OutOfBounds if one fails.

    The sheets calamine will be asked for are found as the reader finds them: our hidden template sheet
    meta_sheet by name, and the data: the first visible worksheet not named in skip. A workbook without
    meta_sheet is not one of our templates: nothing more is read (Inspection.sheets is empty).
    """
    limits = SheetLimits.for_item(template_columns, max_rows)
    parts = _Parts(data, zf)
    work = _Work()

    package = parts.find("_rels/.rels")
    if package is None:
        raise _corrupt()
    target = _scan(parts, package, _PackageRels(work), "rels").target
    if target is None:
        raise _corrupt()
    root = target[:target.rfind("/") + 1].removeprefix("/") if "/" in target else ""

    info = parts.find(root + "_rels/workbook.xml.rels")
    if info is None:
        raise _corrupt()
    rels = _scan(parts, info, _WorkbookRels(work), "rels").rels
    info = parts.find(root + "workbook.xml")
    if info is None:
        return Inspection(False, frozenset())
    book = _scan(parts, info, _Workbook(work), "workbook")
    sheets = []   # (name, state, part path, type), in the workbook's order
    for name, state, rid in book.sheets:
        if rid not in rels:
            raise _corrupt()
        target, kind = rels[rid]
        typ = kind.rsplit("/", 1)[-1]
        if typ not in ("worksheet", "chartsheet", "dialogsheet"):
            raise _corrupt()
        sheets.append((name, state, target[1:] if target.startswith("/") else root + target, typ))
    if not any(s[0] == meta_sheet for s in sheets):
        return Inspection(book.date1904, frozenset())   # not our template: the reader refuses it unopened

    # calamine reads these when it opens the workbook, before any sheet
    strings = array("Q")
    info = parts.find(root + "sharedStrings.xml")
    if info is not None:
        # No more strings than the template's columns could hold in every row.
        scan = _scan(parts, info, _SharedStrings(work, limits.rows * template_columns), "strings")
        if scan.state == 0:
            raise _corrupt()
        strings = scan.lengths
    info = parts.find(root + "styles.xml")
    if info is not None:
        _scan(parts, info, _Styles(work), "styles")

    def first_named(name):   # calamine finds a sheet by name: the first one so named
        return next(s for s in sheets if s[0] == name)

    chosen = {meta_sheet: (first_named(meta_sheet), META_LIMITS, "meta")}
    data_sheet = next((s for s in sheets if s[0] not in skip and s[1] == "visible" and s[3] == "worksheet"), None)
    if data_sheet is not None:
        chosen.setdefault(data_sheet[0], (first_named(data_sheet[0]), limits, None))
    for (name, _, path, _), sheet_limits, which in chosen.values():
        info = parts.find(path)
        if info is not None:
            work.spend_text(info.file_size)   # every text of the sheet itself, at most its size
            _scan(parts, info, _Sheet(work, sheet_limits, strings, which))
    return Inspection(book.date1904, frozenset(chosen))


__all__ = ["CORRUPT", "Inspection", "OutOfBounds", "SheetLimits", "column_letters", "inspect"]
