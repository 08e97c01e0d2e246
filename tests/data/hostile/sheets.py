"""Workbooks written part by part with zipfile, so a test can say exactly what the XML holds.

`xlsx()` makes a workbook calamine and Excel open: a visible data sheet and our very hidden template sheet
(item key and version), with any sheet XML, shared strings, styles or extra parts given. The data sheet
may be given as an iterable of byte chunks: it is streamed into the zip, so a sheet of millions of cells
costs a few megabytes on disk and almost nothing in memory. `bombs()` is the list of workbooks that used
to make one process allocate gigabytes; each is small on disk.
"""
from __future__ import annotations

import io
import zipfile
from typing import Iterable, Iterator
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET = REL + "/worksheet"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def column_letters(n: int) -> str:
    """1 -> A, 16384 -> XFD."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def header_row(header: list[str], row: int = 1) -> str:
    return f'<row r="{row}">' + "".join(text_cell(f"{column_letters(i)}{row}", h)
                                        for i, h in enumerate(header, start=1)) + "</row>"


def data_row(row: int, values: list) -> str:
    cells = []
    for i, v in enumerate(values, start=1):
        ref = f"{column_letters(i)}{row}"
        if v is None:
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
        else:
            cells.append(text_cell(ref, str(v)))
    return f'<row r="{row}">' + "".join(cells) + "</row>"


def sheet_xml(rows: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData>' \
           f'</worksheet>'.encode()


def _meta_sheet(item_key: str, version: int) -> bytes:
    rows = "".join(f'<row r="{r}">{text_cell(f"A{r}", k)}{text_cell(f"B{r}", v)}</row>'
                   for r, (k, v) in enumerate((("jianxi-template", "x"), ("item", item_key),
                                               ("version", str(version))), start=1))
    return sheet_xml(rows, "A1:B3")


def xlsx(sheet: bytes | Iterable[bytes], *, item_key: str = "attendance_report", version: int = 1,
         shared_strings: bytes | Iterable[bytes] | None = None, styles: bytes | None = None,
         workbook_pr: str = "", extra: dict[str, bytes] | None = None, meta_sheet: bytes | None = None,
         level: int = 6) -> bytes:
    parts = {"xl/worksheets/sheet1.xml": sheet, "xl/worksheets/sheet2.xml": meta_sheet or _meta_sheet(item_key, version)}
    overrides = [("/xl/workbook.xml", CT + ".sheet.main+xml"), ("/xl/worksheets/sheet1.xml", CT + ".worksheet+xml"),
                 ("/xl/worksheets/sheet2.xml", CT + ".worksheet+xml")]
    rels = [("rId1", WORKSHEET, "worksheets/sheet1.xml"), ("rId2", WORKSHEET, "worksheets/sheet2.xml")]
    if styles is not None:
        parts["xl/styles.xml"] = styles
        overrides.append(("/xl/styles.xml", CT + ".styles+xml"))
        rels.append(("rId3", REL + "/styles", "styles.xml"))
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
        overrides.append(("/xl/sharedStrings.xml", CT + ".sharedStrings+xml"))
        rels.append(("rId4", REL + "/sharedStrings", "sharedStrings.xml"))
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides) + "</Types>").encode()
    parts["_rels/.rels"] = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
                            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                            '</Relationships>').encode()
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}<sheets>'
        '<sheet name="数据" sheetId="1" r:id="rId1"/><sheet name="_jianxi" sheetId="2" state="veryHidden" '
        'r:id="rId2"/></sheets></workbook>').encode()
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
        + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
        + "</Relationships>").encode()
    parts.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, body in parts.items():
            if isinstance(body, bytes):
                z.writestr(name, body)
                continue
            with z.open(name, "w", force_zip64=True) as fh:
                for chunk in body:
                    fh.write(chunk)
    return out.getvalue()


def streamed(head: str, rows: Iterable[str], tail: str, batch: int = 4096) -> Iterator[bytes]:
    yield head.encode()
    buf = []
    for r in rows:
        buf.append(r)
        if len(buf) >= batch:
            yield "".join(buf).encode()
            buf.clear()
    yield ("".join(buf) + tail).encode()


# ---- the workbooks that used to exhaust a process ------------------------------------------------

ATTENDANCE = ["*姓名", "*身份证号", "*考勤月份", "*应出勤天数", "*实际出勤天数", "*请假天数", "*旷工天数", "备注"]
ROW = ["张三", "140105200305170014", "2025-03", 22, 20, 1, 1, None]
STYLES = (f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
          '<borders count="1"><border/></borders><cellXfs count="2"><xf/><xf numFmtId="49"/></cellXfs></styleSheet>').encode()


def _sheet(rows: str = "", *, dimension: str | None = None, before: str = "", head: list[str] = ATTENDANCE) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}{before}<sheetData>'
            f'{header_row(head)}{data_row(2, ROW)}{rows}</sheetData></worksheet>').encode()


def _repeat(head: bytes, unit: bytes, times: int, tail: bytes, batch: int = 1 << 16) -> Iterator[bytes]:
    """head + unit * times + tail, in chunks, without the whole in memory."""
    yield head
    block = unit * batch
    for _ in range(times // batch):
        yield block
    yield unit * (times % batch) + tail


def _streamed_sheet(unit: bytes, times: int, *, before: bytes = b"", after: bytes = b"") -> Iterator[bytes]:
    head = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
            f'{header_row(ATTENDANCE)}{data_row(2, ROW)}').encode() + before
    return _repeat(head, unit, times, after + b"</sheetData></worksheet>")


def bombs(item_key: str = "attendance_report", version: int = 1) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, a phrase of the refusal) for each workbook, all of them built for item_key.

    Each holds a correct header and one plausible row, so that without the bounds it would be parsed and
    checked (and its row errors recorded) rather than refused.
    """
    def book(sheet, **kw) -> bytes:
        return xlsx(sheet, item_key=item_key, version=version, **kw)

    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{"长" * 32000}</t></si></sst>'.encode()
    shared_cell = b'<c t="s"><v>0</v></c>'   # each in a row of its own: a copy of the string per cell
    nest = 100
    out = [
        # a cell far away: calamine allocates the whole rectangle up to it
        ("far-cell-XFD1048576.xlsx", book(_sheet(far)), "列数和行数都超过模板范围"),
        ("far-cell-declared.xlsx", book(_sheet(far, dimension="A1:XFD1048576")), "工作表的使用范围为A1:XFD1048576"),
        ("far-cell-ALL100001.xlsx", book(_sheet(f'<row r="100001"><c r="{column_letters(1000)}100001"><v>1</v></c></row>')),
         "列数超过模板范围：模板只有8列（A至H列），文件中的单元格位于第100001行第1000列（ALL列）"),
        ("far-row.xlsx", book(_sheet('<row r="1048576"><c r="A1048576"><v>1</v></c></row>')), "行数超过限制"),
        ("huge-dimension.xlsx", book(_sheet(dimension="A1:XFD1048576")), "工作表的使用范围为A1:XFD1048576"),
        # the same far cell written in every other way calamine accepts
        ("far-cell-prefixed.xlsx", book(_sheet(f'<x:row xmlns:x="{MAIN}" r="1048576"><x:c r="XFD1048576"><x:v>1</x:v>'
                                               '</x:c></x:row>')), "超过模板范围"),
        ("far-cell-lowercase.xlsx", book(_sheet('<row r="3"><c r="xfd3"><v>1</v></c></row>')), "列数超过模板范围"),
        ("far-cell-without-r.xlsx", book(_sheet('<row r="3">' + '<c s="1"/>' * 16383 + '<c><v>1</v></c></row>')),
         "列数超过模板范围"),
        ("far-cell-gt-in-attribute.xlsx", book(_sheet('<row r="3"><c foo=">" r="XFD3"><v>1</v></c></row>')),
         "列数超过模板范围"),
        ("far-cell-single-quotes.xlsx", book(_sheet("<row r='3'><c r='XFD3' t='n'><v>1</v></c></row>")), "列数超过模板范围"),
        ("far-cell-pretty.xlsx", book(_sheet('\n  <row r="3">\n    <c r="XFD3">\n      <v>1</v>\n    </c>\n  </row>\n')),
         "列数超过模板范围"),
        ("far-cell-inline-empty.xlsx", book(_sheet('<row r="3"><c r="XFD3" t="inlineStr"><is><t></t></is></c></row>')),
         "列数超过模板范围"),
        ("far-cell-meta-sheet.xlsx", book(_sheet(), meta_sheet=sheet_xml(
            f'<row r="1">{text_cell("A1", "jianxi-template")}{text_cell("B1", "x")}</row>'
            f'<row r="2">{text_cell("A2", "item")}{text_cell("B2", item_key)}</row>'
            f'<row r="3">{text_cell("A3", "version")}{text_cell("B3", str(version))}</row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')), "模板的隐藏信息已损坏"),
        # millions of cells
        ("millions-of-empty-styled-cells.xlsx", book(_streamed_sheet(b'<c s="1"/>', 3_000_000, before=b'<row r="3">',
                                                                     after=b"</row>"), styles=STYLES), "单元格超过"),
        ("one-cell-written-millions-of-times.xlsx", book(_streamed_sheet(b'<c r="A3"><v>1</v></c>', 3_000_000,
                                                                         before=b'<row r="3">', after=b"</row>")),
         "单元格超过"),
        ("prefixed-cell-written-millions-of-times.xlsx", book(_streamed_sheet(
            b'<x:c r="A3"><x:v>1</x:v></x:c>', 3_000_000, before=f'<x:row xmlns:x="{MAIN}" r="3">'.encode(),
            after=b"</x:row>")), "超过"),
        # shared strings
        ("shared-string-in-every-cell.xlsx", book(_streamed_sheet(b'<row>' + shared_cell + b'</row>', 50_000),
                                                  shared_strings=strings), "合计超过128MB"),
        ("shared-strings-declared-count.xlsx", book(_sheet(), shared_strings=(
            f'<sst xmlns="{MAIN}" count="400000000" uniqueCount="400000000"><si><t>x</t></si></sst>').encode()),
         "文字条目（共享字符串）超过"),
        ("shared-strings-many.xlsx", book(_sheet(), shared_strings=_repeat(f'<sst xmlns="{MAIN}">'.encode(),
                                                                           b"<si><t/></si>", 3_000_000, b"</sst>")),
         "文字条目（共享字符串）超过"),
        ("shared-strings-rich-text-many.xlsx", book(_sheet(), shared_strings=_repeat(
            f'<sst xmlns="{MAIN}">'.encode(), b"<si><r><rPr><b/></rPr><t>x</t></r></si>", 1_200_000, b"</sst>")), "元素超过150万个"),
        # styles
        ("cell-formats-declared.xlsx", book(_sheet(), styles=(f'<styleSheet xmlns="{MAIN}"><cellXfs count="2000000">'
                                                              '<xf/></cellXfs></styleSheet>').encode()), "单元格格式超过"),
        ("cell-formats-many.xlsx", book(_sheet(), styles=b"".join(_repeat(
            f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode(), b'<xf numFmtId="14"/>', 100_000,
            b"</cellXfs></styleSheet>"))), "单元格格式超过"),
        # XML itself
        ("deep-nesting-sheet.xlsx", book(_sheet(before="<a>" * nest + "</a>" * nest)), "嵌套超过"),
        ("deep-nesting-rows.xlsx", book(_sheet("<row>" * nest + "</row>" * nest)), "嵌套超过"),
        ("deep-nesting-shared-strings.xlsx", book(_sheet(), shared_strings=(
            f'<sst xmlns="{MAIN}"><si>' + "<r>" * nest + "</r>" * nest + "</si></sst>").encode()), "嵌套超过"),
        ("deep-nesting-workbook.xlsx", book(_sheet(), workbook_pr="<a>" * nest + "</a>" * nest), "嵌套超过"),
        ("entity-expansion.xlsx", book(_sheet(), shared_strings=(
            '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' f'<sst xmlns="{MAIN}"><si><t>&c;</t></si></sst>').encode()),
         "DOCTYPE"),
        ("huge-attribute.xlsx", book(_sheet(f'<row r="3"><c r="A3" x="{"a" * (6 << 20)}"><v>1</v></c></row>')),
         "超长的XML内容"),
    ]
    return out + zip_tricks(item_key, version)


def zip_tricks(item_key: str = "attendance_report", version: int = 1) -> list[tuple[str, bytes, str]]:
    """Zips that one reader may read differently from another: each must be refused before calamine reads it."""
    benign = xlsx(_sheet(), item_key=item_key, version=version)
    bomb = _sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')

    def with_entries(extra: list[tuple[str, bytes]]) -> bytes:
        src = zipfile.ZipFile(io.BytesIO(benign))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in src.infolist():
                z.writestr(info.filename, src.read(info.filename))
            for name, body in extra:
                z.writestr(name, body)
        return out.getvalue()

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # zipfile warns of the duplicate name: that is the point
        duplicate = with_entries([("xl/worksheets/sheet1.xml", bomb)])
    moved_root = with_entries([("doc/workbook.xml", zipfile.ZipFile(io.BytesIO(benign)).read("xl/workbook.xml")),
                               ("doc/_rels/workbook.xml.rels",
                                zipfile.ZipFile(io.BytesIO(benign)).read("xl/_rels/workbook.xml.rels")),
                               ("doc/worksheets/sheet1.xml", bomb),
                               ("doc/worksheets/sheet2.xml", zipfile.ZipFile(io.BytesIO(benign)).read("xl/worksheets/sheet2.xml"))])
    moved_root = _replace(moved_root, "_rels/.rels", zipfile.ZipFile(io.BytesIO(benign)).read("_rels/.rels")
                          .replace(b'Target="xl/workbook.xml"', b'Target="doc/workbook.xml"'))
    return [
        ("duplicate-entry.xlsx", duplicate, "文件已损坏"),
        ("entry-differing-in-case.xlsx", with_entries([("XL/Worksheets/Sheet1.xml", bomb)]), "文件已损坏"),
        ("entry-with-backslashes.xlsx", with_entries([("xl\\worksheets\\sheet1.xml", bomb)]), "文件已损坏"),
        ("workbook-elsewhere.xlsx", moved_root, "超过模板范围"),
        ("prepended-zip.xlsx", xlsx(bomb, item_key=item_key, version=version) + benign, "文件已损坏"),
        ("appended-bytes.xlsx", benign + b"appended after the end of the zip", "文件已损坏"),
    ]


def _replace(data: bytes, name: str, body: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, body if info.filename == name else src.read(info.filename))
    return out.getvalue()
