"""个人中心 and a case's own pages (detail, done, print, files), with the case's JSON twins (/api/cases/…).

The form that edits a case is items.py's page; its JSON twins (PUT, attachments, transitions) are here
with the case's other calls. Both sides ask the same engine functions (engine/cases/)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from engine import cases
from engine.attachments import AttachmentRejected, attach, case_attachment
from engine.batch import page as batch_page
from engine.cases import center, detail
from engine.cases.answers import read_answers
from engine.errors import TransitionNotAllowed, WorkflowError
from engine.models import row_id
from engine.subsidy import payment
from engine.validation import ValidationFailed
from webapp.forms import build_sections, display_value
from webapp.payloads import expected_version, field_problem, json_object
from webapp.responses import api_error, refusal, status_of, stored_file
from webapp.services import deadline_board, doom_on_abort_delete, restart_transaction, storage
from webapp.views.api_docs import query_errors


def _catalogue(request):
    return request.registry["catalogue"]


def _filters(request) -> center.CaseFilters:
    return center.CaseFilters.from_params(request.params, _catalogue(request), request.account.role)


def _sections(item, case):
    """The case's fields as its owner reads them: typed-twice copies left out, values as displayed."""
    sections = build_sections(item, case.data or {}, [], case)
    for section in sections:
        section.fields = [fv for fv in section.fields if not fv.f.transient]
        for fv in section.fields:
            fv.value = display_value(fv.f, fv.value)
    return sections


# ---- pages ---------------------------------------------------------------------

@view_config(route_name="my_cases", renderer="my_cases.jinja2", request_method="GET", permission="authenticated")
def my_cases(request):
    listing = center.owner_cases(request.dbsession, _catalogue(request), request.account, _filters(request),
                                 deadline_board(request))

    def url_for(page=None, **change):
        return request.route_path("my_cases", _query=listing.filters.params(page, **change))

    return {"cases": listing.page_rows(), "total": listing.total, "counts": listing.counts,
            "all_count": listing.all_count, "filters": listing.filters, "tabs": listing.index.tabs,
            "active_tab": listing.active_tab, "items": listing.items, "pages": listing.pages, "url_for": url_for,
            "active_top": "个人中心", "state_choices": listing.index.filter_choices()}


@view_config(route_name="case_detail", renderer="case_detail.jinja2", request_method="GET", permission="view")
def case_detail(context, request):
    case = context.case
    if case.row_count is not None:
        # A batch case never had a form: its page gives the batch in figures instead.
        page = batch_page.case_page(request.dbsession, _catalogue(request), case, deadline_board(request))
        return {"case": case, **page, "sections": [], "active_top": "个人中心"}
    page = detail.case_page(request.dbsession, _catalogue(request), case, deadline_board(request),
                            request.account)
    paid = None
    if page["item"] is not None and page["item"].kind == "claim":   # 已拨付: its date and voucher
        paid = payment.paid_info(payment.claim_of(request.dbsession, case))
    return {"case": case, **page, "batch": None, "sections": _sections(page["item"], case), "active_top": "个人中心",
            "paid": paid}


@view_config(route_name="case_done", renderer="case_done.jinja2", request_method="GET", permission="view")
def case_done(context, request):
    page = detail.done_page(request.dbsession, _catalogue(request), context.case, request.account,
                            deadline_board(request))
    return {"case": context.case, **page, "active_top": "个人中心"}


@view_config(route_name="case_print", renderer="case_print.jinja2", request_method="GET", permission="read")
def case_print(context, request):
    case = context.case
    item = cases.lifecycle.definition_for(request.dbsession, _catalogue(request), case)
    return {"case": case, "item": item, "sections": _sections(item, case), "unit": case.unit}


@view_config(route_name="attachment_file", request_method="GET", permission="read")
def attachment_file(context, request):
    attachment = case_attachment(request.dbsession, context.case, row_id(request.matchdict["attachment_id"]))
    if attachment is None:
        raise HTTPNotFound()
    return stored_file(request, attachment.storage_key, attachment.content_type, attachment.filename,
                       inline=bool(request.params.get("inline")))


# ---- JSON (documented in webapp/openapi/cases.json) ------------------------------

def _document(request, case) -> dict:
    return detail.case_document(request.dbsession, _catalogue(request), case, request.account,
                                deadline_board(request))


@view_config(route_name="api_cases", renderer="json", request_method="GET", permission="authenticated")
def api_cases(request):
    if errors := query_errors(request, "page", "month"):
        return api_error(request, 422, errors[0]["message"], errors=errors)
    filters = _filters(request)
    if filters.problems:
        return api_error(request, 422, filters.problems[0])
    return center.owner_cases(request.dbsession, _catalogue(request), request.account, filters,
                              deadline_board(request)).as_dict()


@view_config(route_name="api_case", renderer="json", request_method="GET", permission="read")
def api_case(context, request):
    return _document(request, context.case)


@view_config(route_name="api_case_check", renderer="json", request_method="GET", permission="edit")
def api_case_check(context, request):
    """核对申请内容 as JSON: each section's status and answers, the files, what still stops the submission."""
    case = context.case
    catalogue = _catalogue(request)
    item = catalogue.item(case.item_key)
    wf = catalogue.workflows[case.workflow_key]
    if item is None or item.kind != "form" or not wf.editable(case.state):
        return refusal(request, TransitionNotAllowed(f"当前状态“{wf.label(case.state)}”下没有待提交的内容", kind="conflict"),
                       state=case.state, state_label=wf.label(case.state))
    return read_answers(request.dbsession, catalogue, item, request.account, case).as_dict()


@view_config(route_name="api_case", renderer="json", request_method="PUT", permission="edit")
def api_update_case(context, request):
    """Replace a draft's (or a returned case's) data; send the version you read."""
    case = context.case
    catalogue = _catalogue(request)
    body = json_object(request)
    if body is None or not isinstance(body.get("data"), dict):
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"data\": {...}, \"version\": 1}")
    if problem := field_problem(body, "version", int, "version 须为整数（读取时的版本号）"):
        return api_error(request, 400, problem)
    case_id = case.id
    try:
        cases.lifecycle.save_draft(request.dbsession, catalogue, catalogue.item(case.item_key), request.account,
                                   body["data"], case=case, expected_version=expected_version(body))
    except WorkflowError as e:
        restart_transaction(request)
        return refusal(request, e, state=cases.lifecycle.find_case(request.dbsession, case_id).state)
    return _document(request, case)


@view_config(route_name="api_case_attachment", renderer="json", request_method="POST", permission="edit")
def api_upload(context, request):
    case = context.case
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return api_error(request, 400, "请以 multipart/form-data 上传，字段名为 file")
    catalogue = _catalogue(request)
    item = catalogue.item(case.item_key)
    spec = item.attachment(request.matchdict["slot"]) if item else None
    limit = int((spec or {}).get("max_mb", 10) * 1024 * 1024) + 1
    with upload.file as fh:
        data = fh.read(limit)
    try:
        a = attach(request.dbsession, storage(request), catalogue, case, request.matchdict["slot"], upload.filename,
                   data, request.account)
    except AttachmentRejected as e:
        restart_transaction(request)
        return refusal(request, e)
    doom_on_abort_delete(request, a.storage_key)
    request.response.status_int = 201
    return {"id": a.id, "slot": a.slot, "filename": a.filename, "size": a.size, "content_type": a.content_type}


@view_config(route_name="api_case_transition", renderer="json", request_method="POST", permission="transition")
def api_transition(context, request):
    case = context.case
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象")
    if problem := (field_problem(body, "version", int, "version 须为整数（读取时的版本号）")
                   or field_problem(body, "comment", str, "comment 须为字符串")):
        return api_error(request, 400, problem)
    catalogue = _catalogue(request)
    # Read before firing: a lost race leaves the session unusable until it is rolled back.
    wf, case_id = catalogue.workflows[case.workflow_key], case.id
    try:
        cases.lifecycle.transition(request.dbsession, catalogue, case, request.matchdict["trigger"],
                                   request.account, comment=body.get("comment"),
                                   expected_version=expected_version(body))
    except ValidationFailed as e:
        restart_transaction(request)
        return api_error(request, status_of(e), "提交失败，请修改错误", errors=[x.as_dict() for x in e.errors])
    except WorkflowError as e:
        restart_transaction(request)
        case = cases.lifecycle.find_case(request.dbsession, case_id)
        return refusal(request, e, state=case.state, state_label=wf.label(case.state))
    return _document(request, case)
