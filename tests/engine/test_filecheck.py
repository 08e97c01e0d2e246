"""Uploads are checked by parsing them: active content hidden the ways PDF syntax allows is found, files that
cannot be read whole are refused, images must decode and stay under the pixel limit; ordinary scans pass."""
import pytest

from engine.filecheck import MAX_PAGES, MAX_PIXELS, FileRefused, check_file
from tests.data import documents as d

ALL = ("pdf", "jpeg", "png")
TITLE = "营业执照"
ACTIVE = "“营业执照”的PDF含有脚本、自动动作或嵌入文件，请用“打印为PDF”另存后重新上传"
DAMAGED = "“营业执照”的PDF文件已损坏，无法检查，请重新导出后上传"
ENCRYPTED = "“营业执照”的PDF文件设置了密码或加密，无法检查，请取消密码后重新导出再上传"
# What the old check searched the raw bytes for.
OLD_MARKERS = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")


def refusal(data: bytes, allowed=ALL) -> str:
    with pytest.raises(FileRefused) as e:
        check_file(data, allowed, TITLE)
    return e.value.message


@pytest.mark.parametrize("make,kind", [
    (d.scanned_pdf, "pdf"), (lambda: d.scanned_pdf(pages=3), "pdf"), (d.office_pdf, "pdf"),
    (d.hand_written_pdf, "pdf"), (d.photo_jpeg, "jpeg"), (d.document_png, "png"),
], ids=["scan", "scan-3-pages", "word-export-with-links", "hand-written", "jpeg", "png"])
def test_ordinary_documents_pass(make, kind):
    assert check_file(make(), ALL, TITLE) == kind


@pytest.mark.parametrize("make", [
    d.javascript_pdf, d.escaped_javascript_pdf, d.escaped_packed_launch_pdf, d.packed_javascript_pdf,
    d.compressed_javascript_pdf, d.unreferenced_javascript_pdf, d.open_action_pdf, d.additional_actions_pdf,
    d.launch_pdf, d.submit_form_pdf, d.xfa_pdf, d.embedded_file_pdf, d.rich_media_pdf,
], ids=lambda make: make.__name__)
def test_active_content_is_found_and_refused(make):
    assert refusal(make()) == ACTIVE


@pytest.mark.parametrize("uri,passes", [
    ("https://www.shanxi.gov.cn/", True), ("mailto:hr@example.com", True), ("javascript:app.alert(1)", False),
    ("  JavaScript:app.alert(1)", False), ("file://evil.example/share/x.exe", False), ("", False),
])
def test_a_link_may_open_a_web_page_or_a_mail_only(uri, passes):
    if passes:
        assert check_file(d.link_pdf(uri), ALL, TITLE) == "pdf"
    else:
        assert refusal(d.link_pdf(uri)) == ACTIVE


@pytest.mark.parametrize("make", [
    d.escaped_javascript_pdf, d.escaped_packed_launch_pdf, d.packed_javascript_pdf, d.compressed_javascript_pdf,
    d.xfa_pdf,
], ids=lambda make: make.__name__)
def test_what_a_byte_search_missed_is_found_by_parsing(make):
    data = make()
    assert not any(marker in data for marker in OLD_MARKERS)   # escaped or compressed out of sight
    assert refusal(data) == ACTIVE


@pytest.mark.parametrize("password", ["", "1234"], ids=["no-user-password", "user-password"])
def test_an_encrypted_pdf_cannot_be_checked(password):
    assert refusal(d.encrypted_pdf(password)) == ENCRYPTED


@pytest.mark.parametrize("data", [
    d.garbage_pdf(), d.truncated_pdf(), b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    d.object_stream_bomb_pdf(),
], ids=["garbage", "truncated", "no-cross-reference-table", "object-stream-bomb"])
def test_a_pdf_that_cannot_be_read_whole_is_refused(data):
    assert refusal(data) == DAMAGED


def test_a_page_count_bound():
    assert check_file(d.many_pages_pdf(MAX_PAGES), ALL, TITLE) == "pdf"
    assert refusal(d.many_pages_pdf(MAX_PAGES + 1)) == f"“营业执照”的PDF超过{MAX_PAGES}页，请只上传需要的页面"


def test_the_kind_comes_from_the_content_and_must_be_allowed():
    assert refusal(d.document_png(), ["pdf"]) == "“营业执照”只能上传PDF文件，所选文件的内容不是这些格式"
    assert refusal(b"<!doctype html><script>alert(1)</script>") == \
        "“营业执照”只能上传PDF、JPG、PNG文件，所选文件的内容不是这些格式"


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = d.png_claiming(30000, 30000)
    assert len(bomb) < 200_000
    assert refusal(bomb) == "“营业执照”的PNG图片尺寸过大，请缩小到4000万像素以内后重新上传"


def test_the_pixel_limit():
    assert MAX_PIXELS == 8000 * 5000
    assert check_file(d.png_claiming(8000, 5000), ALL, TITLE) == "png"
    assert refusal(d.png_claiming(8000, 6000)) == \
        "“营业执照”的PNG图片尺寸过大（8000×6000像素），请缩小到4000万像素以内后重新上传"


@pytest.mark.parametrize("data,name", [
    (d.jpeg_truncated(), "JPG"), (d.png_truncated(), "PNG"), (d.png_bad_checksum(), "PNG"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "JPG"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
], ids=["truncated-jpeg", "truncated-png", "bad-checksum-png", "jpeg-magic-only", "png-magic-only"])
def test_a_broken_image_is_refused(data, name):
    assert refusal(data) == f"“营业执照”的{name}图片文件已损坏或不完整，请重新拍照或导出后上传"
