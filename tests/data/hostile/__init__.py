"""Hostile files, generated (never committed): `python -m tests.data.hostile DIR` writes them to DIR.

Each entry: (file name, bytes, where it is aimed: "import" for the Excel import, "attachment" for an upload slot).
The workbooks that used to exhaust a process (far cells, shared-string bombs, zip tricks, ...) are built part by
part in tests.data.hostile.sheets, with the reason each is refused for; DIR gets them too.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

from tests.data import documents

def _xlsx(build) -> bytes:
    wb = Workbook()
    build(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(data: bytes, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info.filename))
            z.writestr(info.filename, body)
        for name, body in (add or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook whose one sheet inflates to 300 MiB of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    return out.getvalue()


def plain() -> bytes:
    return _xlsx(lambda wb: wb.active.append(["姓名", "身份证号"]))


def corpus() -> list[tuple[str, bytes, str]]:
    base = plain()

    def many_columns(wb):
        wb.active.append([f"列{i}" for i in range(16384)])

    def merged(wb):
        ws = wb.active
        ws.append(["姓名", None, "身份证号"])
        ws.merge_cells("A1:B1")

    def hidden(wb):
        wb.active.append(["姓名"])
        for i in range(3):
            wb.create_sheet(f"隐藏{i}").sheet_state = "hidden"

    def formulas(wb):
        ws = wb.active
        ws.append(["姓名", "身份证号"])
        for r in range(2, 200):
            ws.append([f"=HYPERLINK(\"http://evil\",\"点我{r}\")", f"=1+{r}"])

    shared = ("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
              + "<si><t>" + "长" * 2000 + "</t></si>" * 1 + "".join(f"<si><t>{i}</t></si>" for i in range(200000))
              + "</sst>").encode()
    return [
        ("zip-bomb.xlsx", zip_bomb(), "import"),
        ("external-links.xlsx", _rezip(base, add={
            "xl/externalLinks/externalLink1.xml": b"<externalLink><externalBook r:id=\"rId1\"/></externalLink>",
            "xl/externalLinks/_rels/externalLink1.xml.rels":
                b"<Relationships><Relationship Id=\"rId1\" TargetMode=\"External\" Target=\"file:///etc/passwd\"/>"
                b"</Relationships>"}), "import"),
        ("macros.xlsx", _rezip(base, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 512}), "import"),
        ("huge-shared-strings.xlsx", _rezip(base, replace={"xl/sharedStrings.xml": shared},
                                            add={} if "xl/sharedStrings.xml" in zipfile.ZipFile(io.BytesIO(base)).namelist()
                                            else {"xl/sharedStrings.xml": shared}), "import"),
        ("16384-columns.xlsx", _xlsx(many_columns), "import"),
        ("merged-header.xlsx", _xlsx(merged), "import"),
        ("hidden-sheets.xlsx", _xlsx(hidden), "import"),
        ("formulas.xlsx", _xlsx(formulas), "import"),
        ("empty.xlsx", b"", "import"),
        ("html-named.pdf", b"<!doctype html><html><script>alert(document.cookie)</script></html>", "attachment"),
        ("javascript.pdf", documents.javascript_pdf(), "attachment"),
        ("empty.pdf", b"", "attachment"),
        ("../../../../tmp/evil\x00.pdf", documents.hand_written_pdf(), "attachment"),
        ("..\\..\\evil.pdf", documents.hand_written_pdf(), "attachment"),
        # Active content a byte search misses, and files that cannot be read whole (tests/data/documents.py).
        ("escaped-javascript.pdf", documents.escaped_javascript_pdf(), "attachment"),
        ("escaped-packed-launch.pdf", documents.escaped_packed_launch_pdf(), "attachment"),
        ("packed-javascript.pdf", documents.packed_javascript_pdf(), "attachment"),
        ("compressed-javascript.pdf", documents.compressed_javascript_pdf(), "attachment"),
        ("unreferenced-javascript.pdf", documents.unreferenced_javascript_pdf(), "attachment"),
        ("open-action-uri.pdf", documents.open_action_pdf(), "attachment"),
        ("page-open-action.pdf", documents.additional_actions_pdf(), "attachment"),
        ("launch.pdf", documents.launch_pdf(), "attachment"),
        ("submit-form.pdf", documents.submit_form_pdf(), "attachment"),
        ("xfa.pdf", documents.xfa_pdf(), "attachment"),
        ("embedded-file.pdf", documents.embedded_file_pdf(), "attachment"),
        ("rich-media.pdf", documents.rich_media_pdf(), "attachment"),
        ("encrypted.pdf", documents.encrypted_pdf(), "attachment"),
        ("password.pdf", documents.encrypted_pdf("1234"), "attachment"),
        ("object-stream-bomb.pdf", documents.object_stream_bomb_pdf(), "attachment"),
        ("garbage.pdf", documents.garbage_pdf(), "attachment"),
        ("truncated.pdf", documents.truncated_pdf(), "attachment"),
        ("bomb-30000x30000.png", documents.png_claiming(30000, 30000), "attachment"),
        ("truncated.jpg", documents.jpeg_truncated(), "attachment"),
        ("bad-checksum.png", documents.png_bad_checksum(), "attachment"),
    ]


def write(folder: Path) -> None:
    from tests.data.hostile.sheets import bombs
    folder.mkdir(parents=True, exist_ok=True)
    for name, body, *_ in corpus() + bombs():
        safe = name.replace("/", "_").replace("\\", "_").replace("\x00", "_")
        (folder / safe).write_bytes(body)
        print(f"{safe}: {len(body)} bytes")
