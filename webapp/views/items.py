"""The generic form page: renders, saves and submits any `form` item from its definition; with the items'
JSON twins (/api/items/…: the catalogue, one definition, a new case). A case's own JSON calls are in cases.py."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from engine.attachments import AttachmentRejected, attach, current_attachments
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


def _return_comment(case) -> str | None:
    for event in reversed(case.events):
        if event.to_state == case.state:
            return event.comment
    return None


def render_form(request, item, case=None, values=None, errors=(), slot_errors=None, status=200, summary=None):
    catalogue = request.registry["catalogue"]
    account = request.account
    if values is None:
        values = dict(case.data) if case is not None else {}
        for rule in item.rules:
            # A submitted account number was already typed twice; don't make the unit retype it to fix something else.
            if rule.get("rule") == "confirm_equals" and case is not None and not values.get(rule["confirm"]):
                values[rule["confirm"]] = values.get(rule["field"], "")
    values = {**values, **prefill_values(item, account)}
    session = request.dbsession
    blocked = unmet_requirement(session, item, account.unit_id, account.id)
    all_errors = list(errors) + [FieldError(f"/attachment-{slot}", m)
                                 for slot, ms in (slot_errors or {}).items() for m in ms]
    # An item held once: instead of a blank form, the case in progress or the one in force and 申请变更.
    held = standing.for_form(session, catalogue, item, account, case)
    response = render_to_response(RENDERER, {
        "item": item, "case": case, "sections": build_sections(item, values, errors, case, slot_errors),
        "errors": all_errors, "summary_title": summary, "blocked": blocked, "held": held,
        "drafts": _drafts(request, item) if case is None and not held.in_force else [],
        "return_comment": _return_comment(case) if case is not None else None,
        "regions_json": regions_json(),
        "active_key": item.key, "active_top": "法人办事", "workflow": catalogue.workflow_for(item),
    }, request=request)
    response.status_int = status
    return response


@view_config(route_name="item", item_kind="form", request_method="GET", permission="use")
def item_page(context, request):
    return render_form(request, context.item)


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
    catalogue = request.registry["catalogue"]
    account = request.account
    action = request.POST.get("action", "save")
    values = _form_values(item, request)
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    uploads = _uploads(item, request)
    existing_id = case.id if case is not None else None

    if action == "refresh":
        # Without JavaScript the county list follows the chosen city only after a round trip.
        return render_form(request, item, case, values=normalize(item, values))

    try:
        check_requirements(request.dbsession, item, account)
    except TransitionNotAllowed as e:
        # The form says why itself (render_form shows the unmet requirement).
        return render_form(request, item, case, values=values, status=status_of(e))

    if action == "submit":
        slot_errors: dict[str, list[str]] = {}
        try:
            if case is None and (uploads or item.attachments):
                case = save_draft(request.dbsession, catalogue, item, account, values)
            elif case is not None:
                save_draft(request.dbsession, catalogue, item, account, values, case=case, expected_version=expected)
            slot_errors = _store_uploads(request, case, uploads) if case is not None else {}
            if slot_errors:
                raise GuardFailed("附件上传失败，请按提示重新选择文件")
            case = submit(request.dbsession, catalogue, item, account, values, case=case)
        except CaseExists as e:
            return render_form(request, item, _reload(request, existing_id), values=values,
                               errors=[FieldError("", e.message)], status=status_of(e))
        except (ValidationFailed, GuardFailed, StaleCase, TransitionNotAllowed) as e:
            errors = list(getattr(e, "errors", None) or ([] if slot_errors else [FieldError("", e.message)]))
            stored = _reload(request, existing_id)
            if isinstance(e, ValidationFailed):
                # Say everything at once: missing files too, not only after the fields are fixed.
                have = set(current_attachments(stored)) if stored is not None else set()
                for slot in item.required_slots:
                    if slot not in have and slot not in slot_errors:
                        slot_errors[slot] = [f"请上传“{item.attachment(slot)['title']}”"]
            if uploads and stored is None:
                errors.append(FieldError("", "本次选择的附件未保存，请修改上述错误后重新选择文件"))
            return render_form(request, item, stored, values=values, errors=errors, slot_errors=slot_errors,
                               status=status_of(e))
        return HTTPSeeOther(request.route_path("case_done", id=case.id))

    # 暂存 or 上传: keep what was typed (unvalidated) and the chosen files.
    try:
        case = save_draft(request.dbsession, catalogue, item, account, values, case=case, expected_version=expected)
    except (StaleCase, TransitionNotAllowed, CaseExists) as e:
        return render_form(request, item, _reload(request, existing_id), values=values,
                           errors=[FieldError("", e.message)], status=status_of(e))
    only = action.split(":", 1)[1] if action.startswith("upload:") else None
    slot_errors = _store_uploads(request, case, uploads, only=only)
    if only and not any(slot == only for slot, _, _ in uploads):
        slot_errors.setdefault(only, []).append(f"请先选择“{item.attachment(only)['title']}”的文件，再点击上传")
    if slot_errors:
        # The draft is kept; the bad file is not. Show the message by its slot.
        for slot, messages in slot_errors.items():
            for m in messages:
                request.session.flash(f"{slot}|{m}", "slot")
    elif only:
        request.session.flash(f"“{item.attachment(only)['title']}”上传成功", "success")
    else:
        request.session.flash("草稿已保存，可稍后继续填写。", "success")
    return HTTPSeeOther(request.route_path("case_edit", id=case.id) + (f"#slot-{only}" if only else ""))


def _reload(request, case_id: int | None):
    """Roll the failed attempt back entirely, then show the case as it is stored (or none if it was new)."""
    restart_transaction(request)
    return find_case(request.dbsession, case_id)


@view_config(route_name="case_edit", request_method="GET", permission="edit")
def case_edit(context, request):
    case = context.case
    item = request.registry["catalogue"].item(case.item_key)
    wf = request.registry["catalogue"].workflows[case.workflow_key]
    if item is None or item.kind != "form" or not wf.editable(case.state):
        return HTTPSeeOther(request.route_path("case_detail", id=case.id))
    slot_errors: dict[str, list[str]] = {}
    for entry in request.session.pop_flash("slot"):
        slot, _, message = entry.partition("|")
        slot_errors.setdefault(slot, []).append(message)
    return render_form(request, item, case, slot_errors=slot_errors)


@view_config(route_name="case_edit", request_method="POST", permission="edit")
def case_edit_post(context, request):
    case = context.case
    item = request.registry["catalogue"].item(case.item_key)
    if item is None or item.kind != "form":
        return HTTPSeeOther(request.route_path("case_detail", id=case.id))
    return handle_post(request, item, case)


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
