"""办件进度查询 without signing in: the page (a POST form, so codes never reach an address or a log) and its
JSON twin. Both make one call, engine.cases.progress.follow; refusals keep what was typed."""
from __future__ import annotations

from pyramid.view import view_config

from engine.cases.progress import NotFollowed, TooManyLookups, follow
from engine.validation import FieldError, ValidationFailed
from webapp.payloads import json_object
from webapp.responses import api_error, refusal, throttled
from webapp.services import deadline_board

FIELDS = ("reference", "code")


def _follow(request, reference, code):
    return follow(request.dbsession, request.registry["catalogue"], reference, code, request.client_address,
                  request.registry.settings["jianxi.progress_limits"], deadline_board(request))


def _page(request, values: dict, errors=(), message=None, result=None) -> dict:
    # What a lookup answers is for the person at this screen: never kept by a cache or the browser's history.
    request.response.headers["Cache-Control"] = "no-store"
    return {"values": values, "errors": list(errors), "message": message, "result": result,
            "active_key": "progress"}


@view_config(route_name="progress", renderer="progress.jinja2", request_method="GET")
def progress_form(request):
    return _page(request, {k: "" for k in FIELDS})


@view_config(route_name="progress", renderer="progress.jinja2", request_method="POST")
def progress_lookup(request):
    values = {k: request.POST.get(k, "") for k in FIELDS}
    try:
        result = _follow(request, values["reference"], values["code"])
    except ValidationFailed as e:
        return _page(request, values, errors=e.errors)
    except NotFollowed as e:
        return _page(request, values, message=e.message)
    except TooManyLookups as e:
        throttled(request, e)
        return _page(request, values, message=e.message)
    # Found: the code is not written back into the page.
    return _page(request, {"reference": result.reference, "code": ""}, result=result)


@view_config(route_name="api_progress", renderer="json", request_method="POST", require_csrf=False)
def api_progress(request):
    """Anyone, without a session (so without a CSRF token: it changes nothing of the caller's, and its answer
    is the caller's own)."""
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"reference\": \"…\", \"code\": \"…\"}")
    wrong = [FieldError(f"/{k}", f"{k} 须为字符串") for k in FIELDS if k in body and not isinstance(body[k], str)]
    try:
        if wrong:
            raise ValidationFailed(wrong)
        result = _follow(request, body.get("reference", ""), body.get("code", ""))
    except ValidationFailed as e:
        return api_error(request, 422, e.errors[0].message, errors=[x.as_dict() for x in e.errors])
    except NotFollowed as e:
        return refusal(request, e)
    except TooManyLookups as e:
        return refusal(request, e)
    return result.as_dict()
