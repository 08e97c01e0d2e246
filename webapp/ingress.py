"""What a request body may be, checked once a route has matched and before anything reads the body.

Pyramid's CSRF check parses a form before any view runs, so a view's own size check comes too late: a
body the route cannot accept is refused here, from its headers alone (Content-Length, Content-Type).
A multipart body without a usable boundary would make WebOb raise while parsing: refused here too."""
from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from engine.errors import EngineError

# A form or JSON body without files: the longest item form is a few KB.
PLAIN_MAX_BYTES = 1024 * 1024
# Room for the multipart framing and the form's other fields around the files.
MULTIPART_SLACK = 256 * 1024
# What WebOb's multipart parser takes (looser than RFC 2046: WebTest's own boundary has a "$").
BOUNDARY = re.compile(r"[ -~]{0,200}[!-~]")


class BodyRefused(EngineError):
    """The request's body cannot be accepted by this route, whatever it contains."""


def multipart_max_bytes(catalogue, settings) -> int:
    """The largest multipart body any route takes: one Excel import, or one form with all its files."""
    import_mb = float(settings.get("jianxi.import_max_mb", 20))
    form_mb = max((sum(a.get("max_mb", 10) for a in item.attachments) for item in catalogue.items.values()),
                  default=0)
    return int(max(import_mb, form_mb) * 1024 * 1024) + MULTIPART_SLACK


def check_body(content_type: str, params: dict, length: int | None, multipart_max: int) -> None:
    """Raise BodyRefused for a body no route could take; `params` are the Content-Type's parameters."""
    multipart = content_type.startswith("multipart/")
    if multipart and not BOUNDARY.fullmatch(params.get("boundary", "")):
        raise BodyRefused("请求格式有误：multipart/form-data 请求缺少有效的 boundary 参数，"
                          "请使用浏览器或标准的 HTTP 客户端上传文件", "bad_request")
    limit = multipart_max if multipart else PLAIN_MAX_BYTES
    if length is not None and length > limit:
        raise BodyRefused(f"请求内容为{length / 1024 / 1024:.1f}MB，超过此处允许的{limit / 1024 / 1024:.1f}MB，"
                          "未读取。上传Excel请分成多个文件，附件请压缩后重新上传", "too_large")


def check_query(query: str) -> None:
    """WebOb decodes parameters as UTF-8 when a view first reads them: bytes that are not UTF-8 would raise
    there, in whatever view (or error page) reads first."""
    try:
        unquote_to_bytes(query.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise BodyRefused("网址中含有无法识别的字符（不是UTF-8编码），请从页面上的链接或表单重新进入", "bad_request") from None


def retry_attempts(request):
    """pyramid_retry's activate hook, the first thing to see a request: a body the app will refuse is
    never copied for retrying (1 attempt), and the refusal waits for the route's exception views."""
    try:
        check_request(request)
    except BodyRefused as refused:
        request.environ["jianxi.body_refused"] = refused
        return 1
    return None


def check_request(request) -> None:
    check_query(request.environ.get("QUERY_STRING", ""))
    if request.method in ("GET", "HEAD", "OPTIONS") and not request.environ.get("CONTENT_LENGTH"):
        return
    registry = request.registry
    limit = registry.get("multipart_max_bytes")
    if limit is None:
        limit = registry["multipart_max_bytes"] = multipart_max_bytes(registry["catalogue"], registry.settings)
    raw_length = request.environ.get("CONTENT_LENGTH") or ""
    if raw_length and not raw_length.isdigit():
        raise BodyRefused("请求头 Content-Length 有误", "bad_request")
    mimetype, params = content_type_of(request.headers.get("Content-Type", ""))
    check_body(mimetype, params, int(raw_length) if raw_length else None, limit)


def refuse_unacceptable_bodies(event) -> None:
    refused = event.request.environ.get("jianxi.body_refused")
    if refused is not None:
        raise refused


def content_type_of(header: str) -> tuple[str, dict]:
    """`multipart/form-data; boundary="x"` -> ("multipart/form-data", {"boundary": "x"})."""
    mimetype, *parts = header.split(";")
    params = {}
    for part in parts:
        name, sep, value = part.partition("=")
        if sep:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            params[name.strip().lower()] = value
    return mimetype.strip().lower(), params


def includeme(config):
    from pyramid.events import ContextFound
    config.add_subscriber(refuse_unacceptable_bodies, ContextFound)
