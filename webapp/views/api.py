"""JSON twins of the item and case pages (documented in webapp/openapi/cases.json)."""
from __future__ import annotations

from pyramid.view import view_config

from engine import clock
from engine.attachments import AttachmentRejected, attach, current_attachments
from engine.cases import definition_for, save_draft, submit, transition, unmet_requirement
from engine.states import state_index
from engine.validation import ValidationFailed
from engine.workflow import WorkflowError, available
from webapp.responses import api_error, refusal
from webapp.services import restart_transaction, storage
from webapp.views.api_docs import query_errors
from webapp.views.cases import case_filters, case_summary, query_cases


def item_summary(request, item) -> dict:
    return {"key": item.key, "title": item.title, "kind": item.kind, "version": item.version,
            "menu": item.menu, "order": item.order, "roles": item.roles}


def _expected_version(body: dict):
    v = body.get("version")
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _field_problem(body: dict, name: str, kind: type, message: str) -> str | None:
    """A field given with the wrong type is refused, not ignored: a version sent as "3" would
    otherwise switch off the check that keeps two people from overwriting each other."""
    if name not in body:
        return None
    value = body[name]
    return message if not isinstance(value, kind) or (kind is int and isinstance(value, bool)) else None


def _body(request) -> dict:
    try:
        body = request.json_body if request.body else {}
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def case_json(request, case) -> dict:
    catalogue = request.registry["catalogue"]
    wf = catalogue.workflows[case.workflow_key]
    item = definition_for(request.dbsession, catalogue, case)
    from engine.cases import actor_of
    out = case_summary(request, case)
    out["data"] = {k: v for k, v in (case.data or {}).items() if not item.field_map.get(k) or
                   not item.field_map[k].transient}
    out["attachments"] = [{"id": a.id, "slot": a.slot, "filename": a.filename, "size": a.size,
                           "content_type": a.content_type, "uploaded_at": clock.isoformat(a.uploaded_at)}
                          for a in current_attachments(case).values()]
    out["events"] = [{"trigger": e.trigger, "from": e.from_state, "to": e.to_state, "at": clock.isoformat(e.at),
                      "comment": e.comment} for e in case.events]
    out["triggers"] = [{"trigger": t.trigger, "label": t.label, "comment": t.comment}
                       for t in available(wf, case.state, actor_of(request.account))]
    return out


@view_config(route_name="api_items", renderer="json", request_method="GET", permission="public")
def api_items(request):
    catalogue = request.registry["catalogue"]
    role = request.account.role if request.account else None
    return {"items": [item_summary(request, i) for i in catalogue.items.values() if role is None or role in i.roles]}


@view_config(route_name="api_item", renderer="json", request_method="GET", permission="public")
def api_item(context, request):
    item = context.item
    wf = request.registry["catalogue"].workflow_for(item)
    return {**item_summary(request, item), "description": item.description, "schema": item.schema,
            "ui": item.ui, "attachments": item.attachments, "requires": item.requires,
            "workflow": {"key": wf.key, "states": wf.states,
                         "transitions": [{"trigger": t.trigger, "label": t.label, "from": list(t.sources),
                                          "to": t.dest, "roles": list(t.roles), "comment": t.comment}
                                         for t in wf.transitions]}}


@view_config(route_name="api_item_cases", renderer="json", request_method="POST", permission="use")
def api_create_case(context, request):
    item = context.item
    if item.kind != "form":
        return api_error(request, 409, "批量事项请通过导入接口上报")
    body = _body(request)
    if body is None or not isinstance(body.get("data", {}), dict):
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"data\": {...}, \"submit\": true}")
    if problem := _field_problem(body, "submit", bool, "submit 须为 true 或 false"):
        return api_error(request, 400, problem)
    catalogue = request.registry["catalogue"]
    blocked = unmet_requirement(request.dbsession, item, request.account.unit_id, request.account.id)
    if blocked:
        return api_error(request, 403, blocked)
    data = body.get("data", {})
    try:
        if body.get("submit"):
            case = submit(request.dbsession, catalogue, item, request.account, data)
        else:
            case = save_draft(request.dbsession, catalogue, item, request.account, data)
    except ValidationFailed as e:
        restart_transaction(request)
        return api_error(request, 422, "提交失败，请修改错误", errors=[x.as_dict() for x in e.errors])
    except WorkflowError as e:
        restart_transaction(request)
        return refusal(request, e)
    request.response.status_int = 201
    request.response.headers["Location"] = request.route_path("api_case", id=case.id)
    return case_json(request, case)


@view_config(route_name="api_cases", renderer="json", request_method="GET", permission="authenticated")
def api_cases(request):
    if errors := query_errors(request, "page", "month"):
        return api_error(request, 422, errors[0]["message"], errors=errors)
    filters = case_filters(request)
    if filters["problems"]:
        return api_error(request, 422, filters["problems"][0])
    rows, total, counts = query_cases(request, filters)
    index = state_index(request.registry["catalogue"], request.account.role)
    # counts: per state choice (the values `state` takes), as before; tabs: the 个人中心 tabs, empty ones too.
    return {"cases": [case_summary(request, c) for c in rows], "total": total,
            "counts": {c.key: counts[c.key] for c in index.choices if counts[c.key]},
            "tabs": [{"state": t.key, "label": t.label, "count": counts[t.key]} for t in index.tabs],
            "page": filters["page"]}


@view_config(route_name="api_case", renderer="json", request_method="GET", permission="read")
def api_case(context, request):
    return case_json(request, context.case)


@view_config(route_name="api_case", renderer="json", request_method="PUT", permission="edit")
def api_update_case(context, request):
    """Replace a draft's (or a returned case's) data; send the version you read."""
    case = context.case
    catalogue = request.registry["catalogue"]
    item = catalogue.item(case.item_key)
    body = _body(request)
    if body is None or not isinstance(body.get("data"), dict):
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"data\": {...}, \"version\": 1}")
    if problem := _field_problem(body, "version", int, "version 须为整数（读取时的版本号）"):
        return api_error(request, 400, problem)
    case_id = case.id
    try:
        save_draft(request.dbsession, catalogue, item, request.account, body["data"], case=case,
                   expected_version=_expected_version(body))
    except WorkflowError as e:
        restart_transaction(request)
        return refusal(request, e, state=request.dbsession.get(type(case), case_id).state)
    return case_json(request, case)


@view_config(route_name="api_case_attachment", renderer="json", request_method="POST", permission="edit")
def api_upload(context, request):
    case = context.case
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return api_error(request, 400, "请以 multipart/form-data 上传，字段名为 file")
    item = request.registry["catalogue"].item(case.item_key)
    spec = item.attachment(request.matchdict["slot"]) if item else None
    limit = int((spec or {}).get("max_mb", 10) * 1024 * 1024) + 1
    with upload.file as fh:
        data = fh.read(limit)
    try:
        a = attach(request.dbsession, storage(request), request.registry["catalogue"], case,
                   request.matchdict["slot"], upload.filename, data, request.account)
    except AttachmentRejected as e:
        restart_transaction(request)
        return refusal(request, e)
    from webapp.services import doom_on_abort_delete
    doom_on_abort_delete(request, a.storage_key)
    request.response.status_int = 201
    return {"id": a.id, "slot": a.slot, "filename": a.filename, "size": a.size, "content_type": a.content_type}


@view_config(route_name="api_case_transition", renderer="json", request_method="POST", permission="transition")
def api_transition(context, request):
    case = context.case
    body = _body(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象")
    if problem := (_field_problem(body, "version", int, "version 须为整数（读取时的版本号）")
                   or _field_problem(body, "comment", str, "comment 须为字符串")):
        return api_error(request, 400, problem)
    catalogue = request.registry["catalogue"]
    # Read before firing: a lost race leaves the session unusable until it is rolled back.
    wf, case_id = catalogue.workflows[case.workflow_key], case.id
    try:
        transition(request.dbsession, catalogue, case, request.matchdict["trigger"], request.account,
                   comment=body.get("comment"),
                   expected_version=_expected_version(body))
    except ValidationFailed as e:
        restart_transaction(request)
        return api_error(request, 422, "提交失败，请修改错误", errors=[x.as_dict() for x in e.errors])
    except WorkflowError as e:
        restart_transaction(request)
        case = request.dbsession.get(type(case), case_id)
        return refusal(request, e, state=case.state, state_label=wf.label(case.state))
    return case_json(request, case)
