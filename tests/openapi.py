"""Check API responses against /api/openapi.json, so the document cannot drift from the code."""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from webapp.views.api_docs import openapi_document


def _route_for(doc: dict, path: str) -> str:
    path = path.split("?", 1)[0]
    for template in doc["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not described in /api/openapi.json")


def assert_matches_spec(response, method: str | None = None) -> None:
    """The response's status is documented for its path and method, and its JSON body fits the schema."""
    doc = openapi_document()
    request = response.request
    method = (method or request.method).lower()
    template = _route_for(doc, request.path)
    op = doc["paths"][template].get(method)
    assert op is not None, f"{method.upper()} {template} is not documented"
    status = str(response.status_int)
    spec = op["responses"].get(status)
    assert spec is not None, f"{method.upper()} {template} does not document status {status}"
    if "$ref" in spec:
        spec = doc["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
    content = spec.get("content", {})
    if "application/json" in content and response.content_type == "application/json":
        schema = content["application/json"]["schema"]
        registry = Registry().with_resource("urn:openapi", Resource.from_contents(
            {**doc, "$schema": "https://json-schema.org/draft/2020-12/schema"}))
        import copy
        wrapped = copy.deepcopy(schema)
        _rebase(wrapped)
        Draft202012Validator(wrapped, registry=registry).validate(response.json)


def _rebase(node):
    """Point local refs (#/components/...) at the registered document."""
    if isinstance(node, dict):
        for k, v in list(node.items()):
            if k == "$ref" and isinstance(v, str) and v.startswith("#/"):
                node[k] = "urn:openapi" + v
            else:
                _rebase(v)
    elif isinstance(node, list):
        for v in node:
            _rebase(v)
