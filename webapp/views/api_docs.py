"""/api/openapi.json: the base document merged with one fragment per feature (webapp/openapi/*.json)."""
from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from pyramid.view import view_config

from engine.declarations import due_items
from engine.positions.search import search_choices

FOLDER = Path(__file__).resolve().parent.parent / "openapi"

# Query parameters whose values the definitions choose: a fragment marks them with "x-choices", and the
# document states the catalogue's choices, the same the code accepts (none: any string).
CHOICES = {"position-educations": lambda catalogue: search_choices(catalogue).educations,
           "due-items": lambda catalogue: [i.key for i in due_items(catalogue)]}


@lru_cache(maxsize=8)
def openapi_document(catalogue=None) -> dict:
    """The document for an app built from this catalogue (without one, chosen values are left open)."""
    doc = copy.deepcopy(_fragments())
    for ops in doc["paths"].values():
        for op in ops.values():
            for param in op.get("parameters", []):
                source = param.pop("x-choices", None)
                values = CHOICES[source](catalogue) if source and catalogue is not None else ()
                if values:
                    param["schema"] = {"enum": ["", *values]}
    return doc


@cache
def _fragments() -> dict:
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
    return openapi_document(request.registry["catalogue"])


_ROUTE_PLACEHOLDER = re.compile(r"\{(\w+):[^}]*\}")


def _operation(request) -> dict | None:
    """The document's operation for the matched route and method (route regexes dropped: {id:\\d+} -> {id})."""
    if request.matched_route is None:
        return None
    template = _ROUTE_PLACEHOLDER.sub(r"{\1}", request.matched_route.pattern)
    return openapi_document(request.registry["catalogue"])["paths"].get(template, {}).get(request.method.lower())


def query_errors(request, *names: str) -> list[dict]:
    """The named query parameters that break their schema in the document, each with a message.

    The pages share their filter parsing with the API, which trims what people type and quietly falls
    back on a bad page number or sort order; an API client is told instead, so what the document
    promises is what it gets. Numbers the parser reads forgivingly ("2,500", full-width digits) and
    checks itself are left to it: a view names only the parameters to check here."""
    errors = []
    for param in (_operation(request) or {}).get("parameters", []):
        name = param["name"]
        if param["in"] != "query" or name not in names or name not in request.GET:
            continue
        values = request.GET.getall(name)
        if len(values) > 1:
            errors.append({"field": name, "message": f"{name} 只能填写一个值"})
            continue
        message = _value_problem(name, values[0], param.get("schema", {}))
        if message:
            errors.append({"field": name, "message": message})
    return errors


def _value_problem(name: str, raw: str, schema: dict) -> str | None:
    value = raw
    if schema.get("type") == "integer":
        if not re.fullmatch(r"-?[0-9]{1,30}", raw):
            return f"{name} 须为整数"
        value = int(raw)
    error = next(iter(Draft202012Validator(schema).iter_errors(value)), None)
    if error is None:
        return None
    low, high = schema.get("minimum"), schema.get("maximum")
    return {
        "enum": f"{name} 的可选值：{'、'.join(map(str, schema.get('enum', [])))}",
        "minimum": f"{name} 须在{low}至{high}之间" if high is not None else f"{name} 不能小于{low}",
        "maximum": f"{name} 须在{low}至{high}之间" if low is not None else f"{name} 不能大于{high}",
        "maxLength": f"{name} 最多{schema.get('maxLength')}个字符",
    }.get(error.validator, f"{name} 格式不正确")
