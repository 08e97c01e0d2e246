"""The generic form page: renders, saves and submits any `form` item from its definition."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from engine.attachments import AttachmentRejected, attach, current_attachments
from engine.cases import drafts_of, save_draft, submit, unmet_requirement
from engine.models import Case
from engine.validation import FieldError, ValidationFailed, normalize
from engine.workflow import GuardFailed, StaleCase, TransitionNotAllowed
from webapp.forms import build_sections, regions_json
from webapp.responses import status_of
from webapp.services import doom_on_abort_delete, restart_transaction, storage

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
    from engine.cases import prefill_values
    values = {**values, **prefill_values(item, account)}
    blocked = unmet_requirement(request.dbsession, item, account.unit_id, account.id)
    all_errors = list(errors) + [FieldError(f"/attachment-{slot}", m)
                                 for slot, ms in (slot_errors or {}).items() for m in ms]
    response = render_to_response(RENDERER, {
        "item": item, "case": case, "sections": build_sections(item, values, errors, case, slot_errors),
        "errors": all_errors, "summary_title": summary, "blocked": blocked,
        "drafts": _drafts(request, item) if case is None else [],
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

    if unmet_requirement(request.dbsession, item, account.unit_id, account.id):
        return render_form(request, item, case, values=values, status=403)

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
            status = status_of(e) if not isinstance(e, GuardFailed) else 422
            return render_form(request, item, stored, values=values, errors=errors, slot_errors=slot_errors,
                               status=status)
        return HTTPSeeOther(request.route_path("case_done", id=case.id))

    # 暂存 or 上传: keep what was typed (unvalidated) and the chosen files.
    try:
        case = save_draft(request.dbsession, catalogue, item, account, values, case=case, expected_version=expected)
    except (StaleCase, TransitionNotAllowed) as e:
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
    if case_id is None:
        return None
    return request.dbsession.get(Case, case_id)


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
