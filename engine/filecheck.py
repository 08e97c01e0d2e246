"""What an uploaded file really is, found by parsing it, never by its name or by searching its bytes.

The kind (PDF, JPEG, PNG) comes from the first bytes; then a real parser reads the whole file within fixed
bounds: qpdf (through pikepdf) for a PDF, Pillow for an image. A PDF that could act on its reader's
machine (scripts, automatic actions, launching or fetching files, embedded files, XFA forms, multimedia)
is refused, and so is one that cannot be read whole (damaged or encrypted), since what was not read was
not checked. An image must be the format it starts as, stay under a pixel limit and decode completely.

The checks see what a viewer sees: qpdf decodes name escapes (`/J#61vaScript` is `/JavaScript`) and
object streams, and every object of the file is walked, reachable from the catalogue or not.
"""
from __future__ import annotations

import io
from collections.abc import Collection

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream
from pikepdf.settings import set_qpdf_limits
from PIL import Image

from engine.errors import EngineError
from engine.storage import KIND_NAMES

# ---- bounds ------------------------------------------------------------------------
# A slot takes at most a few MB (the item's max_mb); these keep the work on one such file small whatever
# its structure. Scanned documents are far inside all of them.
MAX_PAGES = 500                     # a 10 MB scan holds a few dozen pages; 500 vector pages is a book
MAX_OBJECTS = 100_000               # entries in the cross-reference table; a scanned page needs about ten
MAX_OBJECT_STREAM_BYTES = 32 << 20  # all object streams of one file, decoded (they hold dictionaries only)
MAX_STREAM_BYTES = 8 << 20          # one object or cross-reference stream, decoded: writers make them small
MAX_NODES = 500_000                 # dictionaries and arrays walked in one file; a scanned page has a dozen
# 40 million pixels: an A4 page scanned at 600 dpi (4960 x 7016, 35 MP) and any phone photo at its usual
# 12-24 MP pass; a 48 MP+ full-resolution photo is asked to be resized, and a bomb (a few KB that claim
# 30000 x 30000) is refused before any pixel is decoded. Decoding the largest allowed PNG takes at most
# 160 MB for a moment (RGBA); a JPEG is decoded at an eighth of its size, so far less.
MAX_PIXELS = 40_000_000

# qpdf's own limits are process-wide; set once here, before any PDF is opened. Per stream it decodes
# (object and cross-reference streams), and few warnings before it gives up (any warning is a refusal).
set_qpdf_limits(flate_max_memory=MAX_STREAM_BYTES, png_max_memory=MAX_STREAM_BYTES,
                run_length_max_memory=MAX_STREAM_BYTES, tiff_max_memory=MAX_STREAM_BYTES,
                max_stream_filters=4, doc_max_warnings=5)

# ---- what a PDF may not contain ---------------------------------------------------------
# Keys that only active content uses: JavaScript (action code, the document-level name tree), additional
# (automatic) actions, XFA forms, embedded files (name tree, file specifications), rich media.
ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/XFA", "/EmbeddedFiles", "/EF", "/RichMediaContent",
                         "/RichMediaSettings"})
ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/RichMediaExecute"})
# Annotations that play or carry something rather than mark up a page.
ACTIVE_SUBTYPES = frozenset({"/RichMedia", "/FileAttachment", "/Screen", "/Movie", "/Sound", "/3D"})
# Actions are allowed only when they move within the document or open a web link the reviewer clicks
# (Word and WPS keep a document's hyperlinks; a click opens a new tab outside the sandboxed preview).
# Anything that runs code, opens or fetches another file, sends form data or plays media is refused,
# wherever its dictionary sits (/S names these only in actions, never in structure or page labels).
DENIED_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToR", "/GoToE", "/ImportData", "/SubmitForm",
                            "/Rendition", "/Movie", "/Sound", "/RichMediaExecute", "/GoTo3DView"})
CLICKED_ACTIONS = frozenset({"/GoTo", "/URI", "/Named", "/Thread", "/SetOCGState", "/Trans"})
# Opening the file may only go to a page: a link opened by itself is not a reviewer's click.
OPEN_ACTIONS = frozenset({"/GoTo"})
NAMED_ACTIONS = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})
# A link may open a web page or a mail; javascript: would run in the viewer, file: reaches the reviewer's
# disk or a network share.
LINK_SCHEMES = (b"http://", b"https://", b"mailto:")
ACTION_KEYS = ("/A", "/Next")     # where an annotation, a field, an outline item or an action keeps its action


class FileRefused(EngineError):
    """An upload refused for what its content is or could do; the message names the slot it was meant for."""


def sniff(head: bytes) -> str | None:
    """The kind the file starts as (its first bytes), whatever its name says; the parser then confirms it."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def check_file(data: bytes, allowed: Collection[str], title: str) -> str:
    """The file's kind (a key of engine.storage.KINDS) once its content has been read and found harmless;
    FileRefused, with a Chinese sentence about the slot `title`, otherwise."""
    kind = sniff(data[:16])
    if kind not in allowed:
        names = "、".join(KIND_NAMES[k] for k in allowed)
        raise FileRefused(f"“{title}”只能上传{names}文件，所选文件的内容不是这些格式")
    if kind == "pdf":
        _check_pdf(data, title)
    else:
        _check_image(data, kind, title)
    return kind


# ---- PDF -----------------------------------------------------------------------------

class _Refused(Exception):
    """Why a file is refused, inside this module; check_file turns it into the person's sentence."""


PDF_MESSAGES = {
    "active": "“{title}”的PDF含有脚本、自动动作或嵌入文件，请用“打印为PDF”另存后重新上传",
    "encrypted": "“{title}”的PDF文件设置了密码或加密，无法检查，请取消密码后重新导出再上传",
    "pages": "“{title}”的PDF超过{pages}页，请只上传需要的页面",
    "complex": "“{title}”的PDF结构过于复杂，无法检查，请用“打印为PDF”另存后重新上传",
    "damaged": "“{title}”的PDF文件已损坏，无法检查，请重新导出后上传",
}


def _check_pdf(data: bytes, title: str) -> None:
    try:
        _walk_pdf(data)
        reason = None
    except _Refused as e:
        reason = e.args[0]
    except pikepdf.PasswordError:
        reason = "encrypted"
    except Exception:  # noqa: BLE001 - qpdf reports damage in several types; each means: not read whole
        reason = "damaged"
    if reason is not None:
        raise FileRefused(PDF_MESSAGES[reason].format(title=title, pages=MAX_PAGES))


def _walk_pdf(data: bytes) -> None:
    # No recovery: a file qpdf would have to reconstruct may read differently in the reviewer's viewer.
    with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
        if pdf.is_encrypted:
            raise _Refused("encrypted")
        size = pdf.trailer.get(Name.Size)
        if not isinstance(size, int) or size > MAX_OBJECTS:
            raise _Refused("complex")
        xref = pdf.get_xref_table()
        if len(xref) > MAX_OBJECTS:
            raise _Refused("complex")
        _check_object_streams(pdf, xref)
        if len(pdf.pages) > MAX_PAGES:
            raise _Refused("pages")
        budget = [MAX_NODES]
        for objgen, entry in xref.items():
            if entry.type in (1, 2):           # 0: a free entry
                _check_object(pdf.get_object(objgen), budget)
        _check_open_action(pdf.Root)
        if pdf.get_warnings():
            raise _Refused("damaged")


def _check_object_streams(pdf, xref) -> None:
    """Object streams are decoded before the objects in them are read: Flate only, and a bounded total."""
    total = 0
    for number in {e.obj_stream_number for e in xref.values() if e.type == 2}:
        stream = pdf.get_object((number, 0))
        if not isinstance(stream, Stream) or _name(stream, "/Type") != "/ObjStm":
            raise _Refused("damaged")
        filters = stream.get(Name.Filter)
        filters = list(filters) if isinstance(filters, Array) else [] if filters is None else [filters]
        if any(f != Name.FlateDecode for f in filters):
            raise _Refused("damaged")
        total += len(stream.read_bytes())
        if total > MAX_OBJECT_STREAM_BYTES:
            raise _Refused("complex")


def _check_object(obj, budget: list[int]) -> None:
    """One object of the file and every dictionary and array directly inside it (indirect ones are checked
    on their own)."""
    stack = [obj]
    while stack:
        node = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise _Refused("complex")
        if isinstance(node, (Dictionary, Stream)):
            _check_dictionary(node)
            children = node.values()
        elif isinstance(node, Array):
            children = node
        else:
            continue
        # Numbers come back as Python numbers: only pikepdf objects can hold more (and type() is cheap).
        stack.extend(child for child in children if type(child) is pikepdf.Object
                     and isinstance(child, (Dictionary, Array)) and not child.is_indirect)


def _name(d, key: str, keys=None) -> str | None:
    """A dictionary's value under key, if it is a name (as "/Name": qpdf has decoded its #-escapes)."""
    if key not in (d.keys() if keys is None else keys):
        return None
    value = d[key]
    return str(value) if isinstance(value, Name) else None


def _check_dictionary(d) -> None:
    keys = d.keys()
    if not ACTIVE_KEYS.isdisjoint(keys):
        raise _Refused("active")
    kind = _name(d, "/Type", keys)
    if kind in ACTIVE_TYPES or _name(d, "/Subtype", keys) in ACTIVE_SUBTYPES \
            or _name(d, "/S", keys) in DENIED_ACTIONS:
        raise _Refused("active")
    if kind == "/Action":
        _check_action(d, CLICKED_ACTIONS)
    for key in ACTION_KEYS:
        if key in keys:
            value = d[key]
            for action in (value if isinstance(value, Array) else [value]):
                if isinstance(action, Dictionary) and "/S" in action:
                    _check_action(action, CLICKED_ACTIONS)


def _check_action(action, allowed: frozenset) -> None:
    kind = _name(action, "/S")
    if kind not in allowed or (kind == "/Named" and _name(action, "/N") not in NAMED_ACTIONS):
        raise _Refused("active")
    if kind == "/URI":
        target = action.get(Name.URI)
        if not isinstance(target, pikepdf.String) or \
                not bytes(target).strip().lower().startswith(LINK_SCHEMES):
            raise _Refused("active")


def _check_open_action(root) -> None:
    """Opening at a page (a destination array) is ordinary; an action on opening may only go to a page."""
    opening = root.get(Name.OpenAction)
    if isinstance(opening, Dictionary):
        _check_action(opening, OPEN_ACTIONS)
    elif opening is not None and not isinstance(opening, Array):
        raise _Refused("damaged")


# ---- images --------------------------------------------------------------------------

# What Pillow opens each kind as, and the formats it may then report (MPO: phones' multi-picture JPEG).
PIL_FORMATS = {"jpeg": ("JPEG", {"JPEG", "MPO"}), "png": ("PNG", {"PNG"})}
IMAGE_MESSAGES = {
    "large": "“{title}”的{name}图片尺寸过大{size}，请缩小到{limit}万像素以内后重新上传",
    "damaged": "“{title}”的{name}图片文件已损坏或不完整，请重新拍照或导出后上传",
}


def _check_image(data: bytes, kind: str, title: str) -> None:
    opener, accepted = PIL_FORMATS[kind]
    size = ""
    try:
        with Image.open(io.BytesIO(data), formats=[opener]) as image:
            width, height = image.size
            if image.format not in accepted:
                raise _Refused("damaged")
            if width * height > MAX_PIXELS:
                size = f"（{width}×{height}像素）"
                raise _Refused("large")
            image.verify()
        with Image.open(io.BytesIO(data), formats=[opener]) as image:
            if kind == "jpeg":
                # Every byte of a JPEG is still decoded (so a cut-off file shows), at an eighth of its pixels.
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
        reason = None
    except _Refused as e:
        reason = e.args[0]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        reason = "large"                       # Pillow's own alarm, far past our limit, fires while opening
    except Exception:  # noqa: BLE001 - Pillow reports a broken file in many types; each means: cannot show it
        reason = "damaged"
    if reason is not None:
        raise FileRefused(IMAGE_MESSAGES[reason].format(title=title, name=KIND_NAMES[kind], size=size,
                                                        limit=MAX_PIXELS // 10_000))
