"""JSON request bodies of the API: a JSON object or nothing, and a field of the wrong type refused."""
from __future__ import annotations


def json_object(request) -> dict | None:
    """The body as a dict ({} for an empty body); None when it is not JSON or not an object."""
    try:
        body = request.json_body if request.body else {}
    except (ValueError, RecursionError):  # RecursionError: arrays nested deeper than the parser's stack
        return None
    return body if isinstance(body, dict) else None


def field_problem(body: dict, name: str, kind: type, message: str) -> str | None:
    """A field given with the wrong type is refused, not ignored: a version sent as "3" would
    otherwise switch off the check that keeps two people from overwriting each other."""
    if name not in body:
        return None
    value = body[name]
    return message if not isinstance(value, kind) or (kind is int and isinstance(value, bool)) else None


def expected_version(body: dict) -> int | None:
    v = body.get("version")
    return v if isinstance(v, int) and not isinstance(v, bool) else None
