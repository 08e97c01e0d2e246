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


def refusal(request, error, **extra):
    """An engine refusal as the JSON API's error body, with the status its kind maps to."""
    return api_error(request, status_of(error), error.message, **extra)


def _disposition(filename: str, ascii_name: str | None, inline: bool = False) -> str:
    """RFC 6266/5987: the Chinese name as filename*, a plain one for clients that ignore it."""
    plain = f'; filename="{ascii_name}"' if ascii_name else ""
    return f"{'inline' if inline else 'attachment'}{plain}; filename*=UTF-8''{quote(filename)}"


def xlsx_download(body: bytes, filename: str, ascii_name: str) -> Response:
    """A workbook made for this request, as a download never kept by a shared cache."""
    response = Response(body=body, content_type=XLSX_CONTENT_TYPE)
    response.headers["Content-Disposition"] = _disposition(filename, ascii_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def stored_file(request, key: str, content_type: str, filename: str, *, inline: bool = False,
                ascii_name: str | None = None) -> FileResponse:
    """A stored file under its own name (filename* for Chinese names, ascii_name for clients that ignore it).

    Never cached by a shared proxy: these are personal documents. 404 if the file is gone from storage."""
    store = storage(request)
    if not store.exists(key):
        raise HTTPNotFound()
    response = FileResponse(str(store.path(key)), request=request, content_type=content_type)
    response.headers["Content-Disposition"] = _disposition(filename, ascii_name, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
