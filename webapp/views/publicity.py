"""公示 of approved 见习补贴 claims: the public list and page of one claim (masked names and ID numbers) with
its objection form, the reviewers' 公示异议 list with 异议成立 / 异议不成立, and the JSON twins. Each view
makes one call of engine/subsidy/publicity.py, which reads the workflow and the limits."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from engine.errors import EngineError
from engine.subsidy import publicity
from engine.validation import FieldError, ValidationFailed
from webapp.payloads import json_object
from webapp.responses import api_error, refusal, status_of, throttled
from webapp.services import restart_transaction
from webapp.views.api_docs import query_errors

SENT = "您的异议已提交，审核部门将进行核查。感谢您的监督。"
FIELDS = ("text", "contact")


def _catalogue(request):
    return request.registry["catalogue"]


# ---- the public pages -----------------------------------------------------------------------------------------

@view_config(route_name="publicity_list", renderer="publicity_list.jinja2", request_method="GET")
def publicity_list(request):
    rows, page, city = publicity.public_list(request.dbsession, _catalogue(request), request.GET.get("city"),
                                             request.GET.get("page"))

    def page_url(n):
        return request.route_path("publicity_list", _query={k: v for k, v in (("city", city),
                                                                               ("page", n if n > 1 else None)) if v})

    return {"page_title": "见习补贴公示", "active_key": "publicity_list", "rows": rows, "page": page, "city": city,
            "cities": publicity.cities(), "page_url": page_url}


def _claim_page(request, values=None, errors=(), message=None, status=200):
    try:
        claim = publicity.public_claim(request.dbsession, _catalogue(request), request.matchdict["reference"],
                                       request.GET.get("page"))
    except publicity.NotFound:
        raise HTTPNotFound() from None
    request.response.status_int = status

    def page_url(n):
        return request.route_path("publicity_claim", reference=claim.row.reference,
                                  _query={"page": n} if n > 1 else {})

    return {"page_title": f"见习补贴公示：{claim.row.unit_name}", "active_key": "publicity_list", "c": claim,
            "values": values or {k: "" for k in FIELDS}, "errors": list(errors), "message": message,
            "text_max": publicity.TEXT_MAX, "page_url": page_url}


@view_config(route_name="publicity_claim", renderer="publicity_claim.jinja2", request_method="GET")
def publicity_claim(request):
    return _claim_page(request)


@view_config(route_name="publicity_claim", renderer="publicity_claim.jinja2", request_method="POST")
def publicity_object(request):
    values = {k: request.POST.get(k, "") for k in FIELDS}
    reference = request.matchdict["reference"]
    try:
        publicity.submit_objection(request.dbsession, _catalogue(request), reference, values["text"],
                                   values["contact"], request.client_address,
                                   request.registry.settings["jianxi.objection_limit"])
    except ValidationFailed as e:
        return _claim_page(request, values, e.errors, status=422)
    except publicity.NotFound:
        raise HTTPNotFound() from None
    except publicity.TooManyObjections as e:
        throttled(request, e)
        return _claim_page(request, values, message=e.message, status=429)
    except EngineError as e:
        return _claim_page(request, values, message=e.message, status=status_of(e))
    request.session.flash(SENT, "success")
    return HTTPSeeOther(request.route_path("publicity_claim", reference=reference.strip().upper()) + "#h-objection")


@view_config(route_name="api_publicity_list", renderer="json", request_method="GET")
def api_publicity_list(request):
    if errors := query_errors(request, "city", "page"):
        return api_error(request, 422, "筛选条件有误", errors=errors)
    rows, page, city = publicity.public_list(request.dbsession, _catalogue(request), request.GET.get("city"),
                                             request.GET.get("page"))
    return {"items": [r.as_dict() for r in rows], "total": page.total, "page": page.number, "pages": page.pages,
            "per_page": page.per_page, "city": city}


@view_config(route_name="api_publicity_claim", renderer="json", request_method="GET")
def api_publicity_claim(request):
    try:
        return publicity.public_claim(request.dbsession, _catalogue(request), request.matchdict["reference"],
                                      request.GET.get("page")).as_dict()
    except publicity.NotFound as e:
        return refusal(request, e)


@view_config(route_name="api_publicity_objections", renderer="json", request_method="POST", require_csrf=False)
def api_publicity_object(request):
    """Anyone, without a session (so without a CSRF token: it acts for nobody's account), within the limit."""
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"text\": \"…\", \"contact\": \"…\"}")
    wrong = [FieldError(f"/{k}", f"{k} 须为字符串") for k in FIELDS
             if body.get(k) is not None and not isinstance(body[k], str)]
    try:
        if wrong:
            raise ValidationFailed(wrong)
        publicity.submit_objection(request.dbsession, _catalogue(request), request.matchdict["reference"],
                                   body.get("text"), body.get("contact"), request.client_address,
                                   request.registry.settings["jianxi.objection_limit"])
    except ValidationFailed as e:
        return api_error(request, 422, e.errors[0].message, errors=[x.as_dict() for x in e.errors])
    except EngineError as e:
        return refusal(request, e)
    request.response.status_int = 201
    return {"status": publicity.PENDING, "message": SENT}


# ---- reviewers: 公示异议 -----------------------------------------------------------------------------------------

def _objections_page(request, errors=(), failed=None, values=None, message=None, status=200):
    rows, page = publicity.pending_page(request.dbsession, request.account, request.GET.get("page"))
    request.response.status_int = status
    return {"page_title": "公示异议", "active_top": "review", "rows": rows, "page": page,
            "errors": list(errors), "failed": failed, "values": values or {}, "message": message,
            "note_max": publicity.NOTE_MAX,
            "page_url": lambda n: request.route_path("review_objections", _query={"page": n} if n > 1 else {})}


@view_config(route_name="review_objections", renderer="review_objections.jinja2", permission="reviewer",
             request_method="GET")
def objections_page(request):
    return _objections_page(request)


DECIDED = {"uphold": "已确认异议成立，该申领已退回县级重新审核", "dismiss": "已记录异议不成立"}


def _decide(request, decision: str, note):
    fn = publicity.uphold if decision == "uphold" else publicity.dismiss
    return fn(request.dbsession, _catalogue(request), request.account, request.matchdict["id"], note)


def _decide_page(request, decision: str):
    note = request.POST.get("note", "")
    oid = int(request.matchdict["id"])
    try:
        _decide(request, decision, note)
    except publicity.NotFound:
        raise HTTPNotFound() from None
    except ValidationFailed as e:
        return _objections_page(request, e.errors, (oid, decision), {"note": note}, status=422)
    except EngineError as e:
        restart_transaction(request)
        return _objections_page(request, [], (oid, decision), {"note": note}, e.message, status=status_of(e))
    request.session.flash(DECIDED[decision], "success")
    return HTTPSeeOther(request.route_path("review_objections"))


@view_config(route_name="review_objection_uphold", renderer="review_objections.jinja2", permission="reviewer",
             request_method="POST")
def objection_uphold(request):
    return _decide_page(request, "uphold")


@view_config(route_name="review_objection_dismiss", renderer="review_objections.jinja2", permission="reviewer",
             request_method="POST")
def objection_dismiss(request):
    return _decide_page(request, "dismiss")


@view_config(route_name="api_review_objections", renderer="json", permission="reviewer", request_method="GET")
def api_objections(request):
    if errors := query_errors(request, "page"):
        return api_error(request, 422, "筛选条件有误", errors=errors)
    rows, page = publicity.pending_page(request.dbsession, request.account, request.GET.get("page"))
    return {"items": [r.as_dict() for r in rows], "total": page.total, "page": page.number, "pages": page.pages,
            "per_page": page.per_page}


def _api_decide(request, decision: str):
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"note\": \"…\"}")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        return api_error(request, 422, "note 须为字符串", errors=[{"field": "note", "message": "note 须为字符串"}])
    try:
        objection = _decide(request, decision, note)
    except ValidationFailed as e:
        return api_error(request, 422, e.errors[0].message, errors=[x.as_dict() for x in e.errors])
    except EngineError as e:
        restart_transaction(request)
        return refusal(request, e)
    return {"id": objection.id, "status": objection.status,
            "status_label": publicity.STATUS_LABELS[objection.status], "note": objection.note}


@view_config(route_name="api_review_objection_uphold", renderer="json", permission="reviewer", request_method="POST")
def api_objection_uphold(request):
    return _api_decide(request, "uphold")


@view_config(route_name="api_review_objection_dismiss", renderer="json", permission="reviewer", request_method="POST")
def api_objection_dismiss(request):
    return _api_decide(request, "dismiss")
