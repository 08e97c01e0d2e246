"""见习补贴申领 (items of kind `claim`): the item page (choose the period, the unit's claims), a claim's lines
with their basis (重新计算, 确认并提交), and the JSON twins. The reviewer's side is the review case page,
which shows the same lines (webapp/views/review.py); its actions are the workflow's, as for every item."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from engine.cases import detail
from engine import declarations
from engine.cases.lifecycle import find_case, transition, unmet_requirement
from engine.errors import EngineError, StaleCase
from engine.subsidy import claims
from engine.subsidy.compute import FLAGS
from engine.validation import FieldError, ValidationFailed
from webapp.payloads import expected_version, field_problem, json_object
from webapp.responses import api_error, refusal, status_of
from webapp.services import deadline_board, restart_transaction
from webapp.views.api_docs import query_errors


def _catalogue(request):
    return request.registry["catalogue"]


def _period_values(request, item) -> dict:
    start, end = declarations.claim_period(item)
    return {start: request.POST.get(start, "").strip(), end: request.POST.get(end, "").strip()}


def render_item(request, item, values=None, errors=(), status=200):
    session, account = request.dbsession, request.account
    start, end = declarations.claim_period(item)
    response = render_to_response("claim_item.jinja2", {
        "item": item, "active_key": item.key, "active_top": "法人办事", "page_title": item.title,
        "values": values or {}, "errors": list(errors), "fields": [item.field_map[start], item.field_map[end]],
        "blocked": unmet_requirement(session, item, account.unit_id, account.id),
        "claims": claims.unit_claims(session, _catalogue(request), item, account),
        "scheme": claims.scheme_of(_catalogue(request), item),
    }, request=request)
    response.status_int = status
    return response


@view_config(route_name="item", item_kind="claim", request_method="GET", permission="use")
def claim_item(context, request):
    return render_item(request, context.item)


@view_config(route_name="item", item_kind="claim", request_method="POST", permission="use")
def claim_start(context, request):
    item = context.item
    values = _period_values(request, item)
    try:
        case = claims.start(request.dbsession, _catalogue(request), item, request.account, values)
    except ValidationFailed as e:
        restart_transaction(request)
        return render_item(request, item, values, e.errors, status=422)
    except EngineError as e:
        restart_transaction(request)
        return render_item(request, item, values, [FieldError("", e.message)], status=status_of(e))
    return HTTPSeeOther(request.route_path("subsidy_lines", id=case.id))


def _lines(request, case):
    page = claims.lines_page(request.dbsession, _catalogue(request), case, request.GET.get("page"),
                             request.GET.get("flag"))
    if page is None:
        raise HTTPNotFound()
    return page


def render_lines(request, case, errors=(), values=None, status=200):
    catalogue = _catalogue(request)
    item = catalogue.item(case.item_key)
    if item is None or item.kind != "claim":
        raise HTTPNotFound()
    page = _lines(request, case)
    wf = catalogue.workflows[case.workflow_key]
    start, end = declarations.claim_period(item)

    def url_for(n, flag=page.flag):
        query = {k: v for k, v in (("page", n if n > 1 else None), ("flag", flag)) if v}
        return request.route_path("subsidy_lines", id=case.id, _query=query)

    response = render_to_response("claim_lines.jinja2", {
        "case": case, "item": item, "p": page, "wf": wf, "state_label": wf.label(case.state),
        "editable": wf.editable(case.state), "timeline": detail.timeline(catalogue, case),
        "deadline": deadline_board(request).of(case), "errors": list(errors),
        "values": values or {start: page.claim.period_from, end: page.claim.period_to},
        "fields": [item.field_map[start], item.field_map[end]], "url_for": url_for,
        "flags": FLAGS, "submit": wf.transition("submit", case.state), "catalogue": catalogue,
        "active_top": "个人中心", "page_title": f"{item.title} · 补贴明细",
    }, request=request)
    response.status_int = status
    return response


@view_config(route_name="subsidy_lines", request_method="GET", permission="view")
def claim_lines(context, request):
    return render_lines(request, context.case)


@view_config(route_name="subsidy_lines", request_method="POST", permission="edit")
def claim_lines_post(context, request):
    """重新计算 (optionally another period) or 确认并提交 (after ticking the confirmation)."""
    case = context.case
    case_id = case.id
    catalogue = _catalogue(request)
    item = catalogue.item(case.item_key)
    if item is None or item.kind != "claim":
        raise HTTPNotFound()
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    action = request.POST.get("action", "recompute")
    values = _period_values(request, item)
    try:
        if action == "submit":
            if request.POST.get("confirm") != "1":
                return render_lines(request, case, [FieldError("/confirm", "请勾选“已核对补贴明细”后再提交")],
                                    status=422)
            if expected is not None and expected != case.version:
                raise StaleCase("该申领已在其他页面重新计算或提交，请核对后再提交", state=case.state)
            transition(request.dbsession, catalogue, case, "submit", request.account)
            request.session.flash(f"已提交：{case.reference}，等待县级审核", "success")
        else:
            claims.recompute(request.dbsession, catalogue, case, request.account,
                             values if any(values.values()) else None, expected_version=expected)
            request.session.flash("已按最新上报记录重新计算", "success")
    except ValidationFailed as e:
        restart_transaction(request)
        return render_lines(request, find_case(request.dbsession, case_id), e.errors, values, status=422)
    except EngineError as e:
        restart_transaction(request)
        return render_lines(request, find_case(request.dbsession, case_id), [FieldError("", e.message)],
                            status=status_of(e))
    return HTTPSeeOther(request.route_path("subsidy_lines", id=case_id))


# ---- JSON (documented in webapp/openapi/claims.json) ------------------------------------------------------

def claim_document(request, case) -> dict:
    page = _lines(request, case)
    body = detail.case_document(request.dbsession, _catalogue(request), case, request.account, deadline_board(request))
    return {**body, "claim": page.as_dict()}


def _api_run(request, fn):
    """(fn's result, None), or (None, the API's error body) for an engine refusal, the transaction restarted."""
    try:
        return fn(), None
    except ValidationFailed as e:
        restart_transaction(request)
        return None, api_error(request, status_of(e), "申领期间有误，请修改", errors=[x.as_dict() for x in e.errors])
    except EngineError as e:
        restart_transaction(request)
        return None, refusal(request, e)


@view_config(route_name="api_item_subsidy", renderer="json", request_method="POST", permission="use")
def api_claim_start(context, request):
    item = context.item
    if item.kind != "claim":
        return api_error(request, 409, "该事项不是补贴申领事项")
    body = json_object(request)
    if body is None or not isinstance(body.get("data"), dict):
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"data\": {申领期间的两个字段}}")
    case, refused = _api_run(request, lambda: claims.start(request.dbsession, _catalogue(request), item,
                                                              request.account, body["data"]))
    if refused is not None:
        return refused
    request.response.status_int = 201
    request.response.headers["Location"] = request.route_path("api_subsidy", id=case.id)
    return claim_document(request, case)


def _claim_case(request):
    case = request.context.case
    item = _catalogue(request).item(case.item_key)
    if item is None or item.kind != "claim":
        raise HTTPNotFound()
    return case


@view_config(route_name="api_subsidy", renderer="json", request_method="GET", permission="read")
def api_claim(request):
    if errors := query_errors(request, "page", "flag"):
        return api_error(request, 422, "查询参数有误", errors=errors)
    return claim_document(request, _claim_case(request))


@view_config(route_name="api_subsidy_recompute", renderer="json", request_method="POST", permission="edit")
def api_claim_recompute(request):
    case = _claim_case(request)
    case_id = case.id
    body = json_object(request)
    if body is None or not isinstance(body.get("data", {}), dict):
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"data\": {…}, \"version\": 3}")
    if problem := field_problem(body, "version", int, "version 须为整数"):
        return api_error(request, 400, problem)
    period = body.get("data") or {}
    _, refused = _api_run(request, lambda: claims.recompute(
        request.dbsession, _catalogue(request), case, request.account,
        {**(case.data or {}), **period} if period else None, expected_version=expected_version(body)))
    if refused is not None:
        return refused
    return claim_document(request, find_case(request.dbsession, case_id))
