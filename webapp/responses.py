"""Responses shared by views: JSON error bodies, and files from the storage folder."""
from __future__ import annotations

from urllib.parse import quote

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse

from webapp.services import storage


def api_error(request, status: int, message: str, **extra):
    request.response.status_int = status
    request.response.content_type = "application/json"
    return {"error": message, **extra}


def stored_file(request, key: str, content_type: str, filename: str, *, inline: bool = False,
                ascii_name: str | None = None) -> FileResponse:
    """A stored file under its own name (filename* for Chinese names, ascii_name for clients that ignore it).

    Never cached by a shared proxy: these are personal documents. 404 if the file is gone from storage."""
    store = storage(request)
    if not store.exists(key):
        raise HTTPNotFound()
    response = FileResponse(str(store.path(key)), request=request, content_type=content_type)
    plain = f'; filename="{ascii_name}"' if ascii_name else ""
    response.headers["Content-Disposition"] = (f"{'inline' if inline else 'attachment'}{plain}; "
                                               f"filename*=UTF-8''{quote(filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
