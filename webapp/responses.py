"""JSON error bodies shared by every API view."""
from __future__ import annotations


def api_error(request, status: int, message: str, **extra):
    request.response.status_int = status
    request.response.content_type = "application/json"
    return {"error": message, **extra}
