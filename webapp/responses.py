"""Responses shared by views: JSON error bodies, files from the storage folder, generated workbooks."""
from __future__ import annotations

from urllib.parse import quote

from pyramid.httpexceptions import HTTPException, HTTPNotFound, exception_response
from pyramid.response import FileResponse, Response

from engine.spreadsheet import XLSX_CONTENT_TYPE
from webapp.services import storage


# The one place an engine refusal's kind becomes an HTTP status (engine/errors.py lists the kinds).
STATUS_OF_KIND = {"invalid": 422, "bad_request": 400, "not_found": 404, "forbidden": 403, "conflict": 409,
                  "too_large": 413, "unsupported": 415, "throttled": 429}


def status_of(error) -> int:
    """The HTTP status of an engine refusal (an EngineError: every one has a kind)."""
    return STATUS_OF_KIND[error.kind]


def http_refusal(error) -> HTTPException:
    """An engine refusal as the HTTP exception a page raises (webapp/views/errors.py draws its page)."""
    return exception_response(status_of(error), detail=error.message)


def api_error(request, status: int, message: str, **extra):
    request.response.status_int = status
    request.response.content_type = "application/json"
    return {"error": message, **extra}


def throttled(request, error) -> None:
    """A refusal over a rate limit (engine.throttle.Refused) on this response: 429 and Retry-After."""
    request.response.status_int = status_of(error)
    request.response.headers["Retry-After"] = str(error.retry_after)


def refusal(request, error, **extra):
    """An engine refusal as the JSON API's error body, with the status its kind maps to; over a rate limit,
    with Retry-After and `retry_after` (seconds) in the body."""
    if getattr(error, "retry_after", None) is not None:
        throttled(request, error)
        extra.setdefault("retry_after", error.retry_after)
    return api_error(request, status_of(error), error.message, **extra)


# Only what the browser shows itself (its PDF viewer, an image) is ever served inline; anything else is a
# download, whatever the caller asked.
PREVIEWABLE = frozenset({"application/pdf", "image/jpeg", "image/png"})
# Every file served, inline or not: its own document may run nothing, load nothing and is sandboxed (an
# opaque origin, so not even a file that slipped past the upload checks reaches our cookies or pages). It may
# be framed only by our own pages, and only when it is a preview. Chromium's PDF viewer (an extension, not
# the document) and images still display under it: tests/browser/test_review.py looks.
FILE_CSP = "default-src 'none'; script-src 'none'; object-src 'none'; frame-ancestors {frames}; sandbox"


def _disposition(filename: str, ascii_name: str | None, inline: bool = False) -> str:
    """RFC 6266/5987: the Chinese name as filename*, a plain one for clients that ignore it."""
    plain = f'; filename="{ascii_name}"' if ascii_name else ""
    return f"{'inline' if inline else 'attachment'}{plain}; filename*=UTF-8''{quote(filename)}"


def _file_headers(response: Response, filename: str, ascii_name: str | None, inline: bool) -> Response:
    """What every file served carries (the security tween leaves a CSP already set alone)."""
    response.headers["Content-Disposition"] = _disposition(filename, ascii_name, inline)
    response.headers["Content-Security-Policy"] = FILE_CSP.format(frames="'self'" if inline else "'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Personal documents: never kept by a shared proxy, nor by the browser after the session.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def xlsx_download(body: bytes, filename: str, ascii_name: str) -> Response:
    """A workbook made for this request, as a download."""
    return _file_headers(Response(body=body, content_type=XLSX_CONTENT_TYPE), filename, ascii_name, False)


def stored_file(request, key: str, content_type: str, filename: str, *, inline: bool = False,
                ascii_name: str | None = None) -> FileResponse:
    """A stored file under its own name (filename* for Chinese names, ascii_name for clients that ignore it);
    inline (a preview) only if it is a PDF or an image. 404 if the file is gone from storage."""
    store = storage(request)
    if not store.exists(key):
        raise HTTPNotFound()
    response = FileResponse(str(store.path(key)), request=request, content_type=content_type)
    return _file_headers(response, filename, ascii_name, inline and content_type in PREVIEWABLE)
