"""The generic form page: renders, saves and submits any `form` item from its definition: the whole form,
or (a long form, through its task list) one section at a time; then the check-answers page, whose 提交
fires the submission. With the items' JSON twins (/api/items/…: the catalogue, one definition, a new case).
A case's own JSON calls are in cases.py."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from engine.attachments import AttachmentRejected, attach
from engine.cases.answers import (
    INVALID, has_task_list, read_answers, restored_values, section_number, section_values,
)
from engine.cases.decisions import case_decision
from engine.cases.lifecycle import (
    check_requirements, drafts_of, find_case, prefill_values, save_draft, start_change, submit, unmet_requirement,
)
from engine.cases import detail, standing
from engine.errors import CaseExists, WorkflowError
from engine.validation import FieldError, ValidationFailed, normalize
from engine.workflow import GuardFailed, StaleCase, TransitionNotAllowed
from webapp.forms import build_sections, regions_json
from webapp.payloads import field_problem, json_object
from webapp.responses import api_error, refusal, status_of
from webapp.services import deadline_board, doom_on_abort_delete, restart_transaction, storage

RENDERER = "item_form.jinja2"
CHECK = "check"   # the one place a section page may send the owner back to (?return=check): never an address


def _form_values(item, request) -> dict:
    return {f.key: request.POST.get(f.key, "") for f in item.fields if not f.readonly}


def _uploads(item, request) -> list[tuple[str, str, bytes]]:
    out = []
    for spec in item.attachments:
        upload = request.POST.get(f"file_{spec['slot']}")
        if upload is not None and hasattr(upload, "file") and upload.filename:
            with upload.file as fh:
                # One byte past the limit is enough to say "too big" without reading a huge body.
                out.append((spec["slot"], upload.filename, fh.read(int(spec.get("max_mb", 10) * 1024 * 1024) + 1)))
    return out


def _store_uploads(request, case, uploads, only: str | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    catalogue = request.registry["catalogue"]
    for slot, filename, data in uploads:
        if only and slot != only:
            continue
        try:
            a = attach(request.dbsession, storage(request), catalogue, case, slot, filename, data, request.account)
            doom_on_abort_delete(request, a.storage_key)
        except AttachmentRejected as e:
            errors.setdefault(slot, []).append(e.message)
    return errors


def _drafts(request, item):
    return drafts_of(request.dbsession, request.registry["catalogue"], item, request.account)


def form_path(request, item, case, number: int | None = None, back: bool = False, anchor: str | None = None) -> str:
    """The form page of a case (or of a new one), or one of its sections; `back`: its 保存 returns to the
    check page."""
    query = {k: v for k, v in (("section", number), ("return", CHECK if back else None)) if v}
    kw = {"_query": query} if query else {}
    if anchor:
        kw["_anchor"] = anchor
    if case is None:
        return request.route_path("item", key=item.key, **kw)
    return request.route_path("case_edit", id=case.id, **kw)


def render_form(request, item, case=None, values=None, errors=(), slot_errors=None, status=200, summary=None,
                number: int | None = None, back: bool = False):
    """The form (or its section `number`) with the task list of a long form; `values`: what was typed, else
    the case as stored."""
    catalogue = request.registry["catalogue"]
    account = request.account
    session = request.dbsession
    back = back and case is not None and number is not None
    if values is None:
        values = restored_values(item, case)
    values = {**values, **prefill_values(item, account)}
    # Every section's status, from the answers on the page (with the item's own checks).
    found = read_answers(session, catalogue, item, account, case, values=values)
    if number is not None and not errors:
        # A section page says what is wrong with what it holds (its status says 有错误 otherwise unexplained).
        errors = [FieldError(f"/{key}", m) for key, ms in found.section(number).errors().items() for m in ms]
    blocked = unmet_requirement(session, item, account.unit_id, account.id)
    all_errors = list(errors) + [FieldError(f"/attachment-{slot}", m)
                                 for slot, ms in (slot_errors or {}).items() for m in ms]
    # An item held once: instead of a blank form, the case in progress or the one in force and 申请变更.
    held = standing.for_form(session, catalogue, item, account, case)
    response = render_to_response(RENDERER, {
        "item": item, "case": case, "sections": build_sections(item, values, errors, case, slot_errors),
        "errors": all_errors, "summary_title": summary, "blocked": blocked, "held": held,
        "drafts": _drafts(request, item) if case is None and not held.in_force else [],
        "decision": case_decision(catalogue, case) if case is not None else None,
        "regions_json": regions_json(), "answers": found, "task_list": has_task_list(item), "number": number,
        "back": back, "form_path": lambda n=None, **kw: form_path(request, item, case, n, **kw),
        "active_key": item.key, "active_top": "法人办事", "workflow": catalogue.workflow_for(item),
    }, request=request)
    response.status_int = status
    return response


def _expected_version(request) -> int | None:
    """The case's version the page was drawn with (a stale page is refused, not applied)."""
    version = request.POST.get("version")
    return int(version) if version and version.isascii() and version.isdigit() else None


def _section_asked(request, item) -> int | None:
    return section_number(item, request.params.get("section"))


def _back_asked(request, number) -> bool:
    return number is not None and request.params.get("return") == CHECK


@view_config(route_name="item", item_kind="form", request_method="GET", permission="use")
def item_page(context, request):
    number = _section_asked(request, context.item)
    return render_form(request, context.item, number=number)


@view_config(route_name="item", item_kind="form", request_method="POST", permission="use")
def item_post(context, request):
    return handle_post(request, context.item, None)


@view_config(route_name="item_change", item_kind="form", request_method="POST", permission="use")
def item_change(context, request):
    """申请变更: continue or start a change of the case in force, prefilled with its data and files."""
    item = context.item
    try:
        case = start_change(request.dbsession, request.registry["catalogue"], item, request.account)
    except WorkflowError as e:
        restart_transaction(request)
        request.session.flash(e.message, "error")
        return HTTPSeeOther(request.route_path("item", key=item.key))
    request.session.flash("已按已通过的申请预先填写，请修改需要变更的内容后提交。", "success")
    return HTTPSeeOther(request.route_path("case_edit", id=case.id))


def handle_post(request, item, case):
    account = request.account
    action = request.POST.get("action", "save")
    number = _section_asked(request, item)
    back = _back_asked(request, number)
    # A section page posts its own fields only: the rest of the draft is kept as stored.
    values = _form_values(item, request) if number is None else section_values(item, case, request.POST, number)
    expected = _expected_version(request)
    uploads = _uploads(item, request)
    page = {"number": number, "back": back}

    if action == "refresh":
        # Without JavaScript the county list follows the chosen city only after a round trip.
        return render_form(request, item, case, values=normalize(item, values), **page)

    try:
        check_requirements(request.dbsession, item, account)
    except TransitionNotAllowed as e:
        # The form says why itself (render_form shows the unmet requirement).
        return render_form(request, item, case, values=values, status=status_of(e), **page)

    if action == "submit":
        return _keep_and_check(request, item, case, values, uploads, expected)

    # 暂存, 上传 or 保存并继续: keep what was typed (unchecked) and the chosen files.
    existing_id = case.id if case is not None else None
    try:
        case = save_draft(request.dbsession, request.registry["catalogue"], item, account, values, case=case,
                          expected_version=expected)
    except (StaleCase, TransitionNotAllowed, CaseExists) as e:
        return render_form(request, item, _reload(request, existing_id), values=values,
                           errors=[FieldError("", e.message)], status=status_of(e), **page)
    only = action.split(":", 1)[1] if action.startswith("upload:") else None
    slot_errors = _store_uploads(request, case, uploads, only=only)
    if only and not any(slot == only for slot, _, _ in uploads):
        slot_errors.setdefault(only, []).append(f"请先选择“{item.attachment(only)['title']}”的文件，再点击上传")
    here = form_path(request, item, case, number, back, anchor=f"slot-{only}" if only else None)
    if slot_errors:
        # The draft is kept; the bad file is not. Show the message by its slot.
        for slot, messages in slot_errors.items():
            for m in messages:
                request.session.flash(f"{slot}|{m}", "slot")
        return HTTPSeeOther(here)
    if only:
        request.session.flash(f"“{item.attachment(only)['title']}”上传成功", "success")
    elif action == "continue" and number is not None:
        return HTTPSeeOther(_after_section(request, item, case, number, back))
    else:
        request.session.flash("草稿已保存，可稍后继续填写。", "success")
    return HTTPSeeOther(here)


def _after_section(request, item, case, number: int, back: bool) -> str:
    """保存并继续: the next section, or the check page (after the last, or when the owner came from it); the
    same section again while what it holds is wrong (kept all the same)."""
    found = read_answers(request.dbsession, request.registry["catalogue"], item, request.account, case)
    if found.section(number).status == INVALID:
        request.session.flash("已保存。本部分有填写错误，请按提示修改后继续。", "error")
        return form_path(request, item, case, number, back)
    if back or number == len(found.sections):
        return request.route_path("case_check", id=case.id)
    request.session.flash(f"“{found.section(number).title}”已保存。", "success")
    return form_path(request, item, case, number + 1)


def _keep_and_check(request, item, case, values, uploads, expected):
    """核对并提交: keep the answers and the chosen files, then the check page. While anything is missing or
    wrong nothing is kept, and the form says all of it at once, each message by its field or slot."""
    session, catalogue, account = request.dbsession, request.registry["catalogue"], request.account
    existing_id = case.id if case is not None else None
    try:
        case = save_draft(session, catalogue, item, account, values, case=case, expected_version=expected)
    except (StaleCase, TransitionNotAllowed, CaseExists) as e:
        return render_form(request, item, _reload(request, existing_id), values=values,
                           errors=[FieldError("", e.message)], status=status_of(e))
    slot_errors = _store_uploads(request, case, uploads)
    found = read_answers(session, catalogue, item, account, case)
    errors = [FieldError(f"/{p.field}" if p.field else "", p.message) for p in found.problems if not p.slot]
    for p in found.problems:
        if p.slot and p.slot not in slot_errors:
            slot_errors[p.slot] = [p.message]
    if not errors and not slot_errors:
        return HTTPSeeOther(request.route_path("case_check", id=case.id))
    stored = _reload(request, existing_id)
    if uploads:
        errors.append(FieldError("", "本次选择的附件未保存，请修改上述错误后重新选择文件"))
    # The whole form: what is wrong may be in any section.
    return render_form(request, item, stored, values=values, errors=errors, slot_errors=slot_errors, status=422)


def _reload(request, case_id: int | None):
    """Roll the failed attempt back entirely, then show the case as it is stored (or none if it was new)."""
    restart_transaction(request)
    return find_case(request.dbsession, case_id)


def _editable_form(request, case):
    """The case's current form item, if the case can still be edited through it; else None."""
    catalogue = request.registry["catalogue"]
    item = catalogue.item(case.item_key)
    if item is None or item.kind != "form" or not catalogue.workflows[case.workflow_key].editable(case.state):
        return None
    return item


@view_config(route_name="case_edit", request_method="GET", permission="edit")
def case_edit(context, request):
    case = context.case
    item = _editable_form(request, case)
    if item is None:
        return HTTPSeeOther(request.route_path("case_detail", id=case.id))
    slot_errors: dict[str, list[str]] = {}
    for entry in request.session.pop_flash("slot"):
        slot, _, message = entry.partition("|")
        slot_errors.setdefault(slot, []).append(message)
    number = _section_asked(request, item)
    return render_form(request, item, case, slot_errors=slot_errors, number=number, back=_back_asked(request, number))


@view_config(route_name="case_edit", request_method="POST", permission="edit")
def case_edit_post(context, request):
    case = context.case
    item = request.registry["catalogue"].item(case.item_key)
    if item is None or item.kind != "form":
        return HTTPSeeOther(request.route_path("case_detail", id=case.id))
    return handle_post(request, item, case)


# ---- check your answers ------------------------------------------------------------

def render_check(request, item, case, message: str | None = None, status: int = 200):
    catalogue = request.registry["catalogue"]
    found = read_answers(request.dbsession, catalogue, item, request.account, case)
    response = render_to_response("case_check.jinja2", {
        "item": item, "case": case, "answers": found, "message": message, "decision": case_decision(catalogue, case),
        "change_path": lambda number, anchor="": form_path(request, item, case, number, True, anchor or None),
        "active_key": item.key, "active_top": "法人办事",
    }, request=request)
    response.status_int = status
    return response


@view_config(route_name="case_check", request_method="GET", permission="edit")
def case_check(context, request):
    """核对申请内容: every answer by section with 修改 links, the files about to be sent, and 提交."""
    item = _editable_form(request, context.case)
    if item is None:
        return HTTPSeeOther(request.route_path("case_detail", id=context.case.id))
    return render_check(request, item, context.case)


@view_config(route_name="case_check", request_method="POST", permission="edit")
def case_check_post(context, request):
    """提交 on the check page: the submit transition, with everything checked again (nothing half-done)."""
    case = context.case
    item = _editable_form(request, case)
    if item is None:
        return HTTPSeeOther(request.route_path("case_detail", id=case.id))
    expected = _expected_version(request)
    case_id = case.id
    try:
        submit(request.dbsession, request.registry["catalogue"], item, request.account, restored_values(item, case),
               case=case, expected_version=expected)
    except (ValidationFailed, GuardFailed, CaseExists, StaleCase, TransitionNotAllowed) as e:
        restart_transaction(request)
        message = "提交失败，请先修改以下问题" if isinstance(e, ValidationFailed) else e.message
        return render_check(request, item, find_case(request.dbsession, case_id), message, status_of(e))
    return HTTPSeeOther(request.route_path("case_done", id=case_id))


# ---- JSON (documented in webapp/openapi/cases.json) ------------------------------

def item_summary(item) -> dict:
    return {"key": item.key, "title": item.title, "kind": item.kind, "version": item.version,
            "menu": item.menu, "order": item.order, "roles": item.roles}


@view_config(route_name="api_items", renderer="json", request_method="GET", permission="public")
def api_items(request):
    catalogue = request.registry["catalogue"]
    role = request.account.role if request.account else None
    return {"items": [item_summary(i) for i in catalogue.items.values() if role is None or role in i.roles]}


@view_config(route_name="api_item", renderer="json", request_method="GET", permission="public")
def api_item(context, request):
    item = context.item
    wf = request.registry["catalogue"].workflow_for(item)
    return {**item_summary(item), "description": item.description, "schema": item.schema,
            "ui": item.ui, "attachments": item.attachments, "requires": item.requires,
            "workflow": {"key": wf.key, "states": wf.states,
                         "transitions": [{"trigger": t.trigger, "label": t.label, "from": list(t.sources),
                                          "to": t.dest, "roles": list(t.roles), "comment": t.comment}
                                         for t in wf.transitions]}}


def _existing(request, e: CaseExists) -> dict:
    """The case a refused second case points at, and whether 申请变更 (\"change\": true) is the way."""
    case_id = e.info["case_id"]
    return {"id": case_id, "reference": e.info.get("reference"), "state": e.info.get("state"),
            "href": request.route_path("api_case", id=case_id), "change": bool(e.info.get("change"))}


@view_config(route_name="api_item_cases", renderer="json", request_method="POST", permission="use")
def api_create_case(context, request):
    """The form page's 暂存 (a draft) or, with "submit": true, its 提交."""
    item = context.item
    if item.kind != "form":
        return api_error(request, 409, "批量事项请通过导入接口上报")
    body = json_object(request)
    if body is None or not isinstance(body.get("data", {}), dict):
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"data\": {...}, \"submit\": true}")
    if problem := (field_problem(body, "submit", bool, "submit 须为 true 或 false")
                   or field_problem(body, "change", bool, "change 须为 true 或 false")):
        return api_error(request, 400, problem)
    catalogue = request.registry["catalogue"]
    session, account = request.dbsession, request.account
    data = body.get("data", {})
    try:
        check_requirements(session, item, account)
        case = None
        if body.get("change"):
            # A change of the case in force: its data and files first, then what the body sends.
            case = start_change(session, catalogue, item, account)
            data = {**(case.data or {}), **data}
        if body.get("submit"):
            case = submit(session, catalogue, item, account, data, case=case)
        else:
            case = save_draft(session, catalogue, item, account, data, case=case)
    except ValidationFailed as e:
        restart_transaction(request)
        return api_error(request, status_of(e), "提交失败，请修改错误", errors=[x.as_dict() for x in e.errors])
    except CaseExists as e:
        restart_transaction(request)
        return refusal(request, e, existing=_existing(request, e))
    except WorkflowError as e:
        restart_transaction(request)
        return refusal(request, e)
    request.response.status_int = 201
    request.response.headers["Location"] = request.route_path("api_case", id=case.id)
    return detail.case_document(request.dbsession, catalogue, case, request.account, deadline_board(request))
