"""/api/openapi.json: the base document merged with one fragment per feature (webapp/openapi/*.json)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pyramid.view import view_config

FOLDER = Path(__file__).resolve().parent.parent / "openapi"


@cache
def openapi_document() -> dict:
    doc = json.loads((FOLDER / "_base.json").read_text("utf-8"))
    for path in sorted(FOLDER.glob("*.json")):
        if path.name == "_base.json":
            continue
        part = json.loads(path.read_text("utf-8"))
        for url, ops in part.get("paths", {}).items():
            doc["paths"].setdefault(url, {}).update(ops)
        for kind, entries in part.get("components", {}).items():
            doc["components"].setdefault(kind, {}).update(entries)
    return doc


@view_config(route_name="api_openapi", renderer="json", request_method="GET")
def openapi(request):
    return openapi_document()
