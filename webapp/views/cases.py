"""个人中心: the account's cases by state and month, a case's detail with its history, print, files."""
from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import and_, func, or_, select

from engine import access, clock
from engine.attachments import current_attachments
from engine.batch.store import source_import
from engine.cases import definition_for
from engine.models import Case
from engine.paging import Page, page_count, parse_page
from engine.roles import role_label
from engine.states import state_index
from webapp.forms import build_sections, display_value
from webapp.responses import stored_file

PAGE_SIZE = 20
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def case_filters(request) -> dict:
    """Filters from the query string, each checked; bad ones are dropped with a message."""
    catalogue = request.registry["catalogue"]
    state = request.params.get("state", "")
    month = request.params.get("month", "").strip()
    item = request.params.get("item", "")
    problems = []
    if month and not MONTH.match(month):
        problems.append("申办月份格式应为YYYY-MM，如2026-11")
        month = ""
    if item and catalogue.item(item) is None:
        item = ""
    role = request.account.role if request.account else None
    if state and state_index(catalogue, role).get(state) is None:
        state = ""
    page = parse_page(request.params.get("page"))
    return {"state": state, "month": month, "item": item, "page": page, "problems": problems}


def query_cases(request, filters: dict):
    account = request.account
    base = select(Case).where(access.owner_clause(account))
    if filters["item"]:
        base = base.where(Case.item_key == filters["item"])
    if filters["month"]:
        # Drafts have no 申办月份 yet; they are found by the (Beijing) month they were started in.
        start, end = clock.beijing_month(filters["month"])
        base = base.where(or_(Case.submitted_month == filters["month"],
                              and_(Case.submitted_month.is_(None), Case.created_at >= start, Case.created_at < end)))
    index = state_index(request.registry["catalogue"], account.role)
    sub = base.subquery()
    by_state = {(wf, st): n for wf, st, n in request.dbsession.execute(
        select(sub.c.workflow_key, sub.c.state, func.count()).group_by(sub.c.workflow_key, sub.c.state))}
    counts = index.counts(by_state)
    choice = index.get(filters["state"])
    listed = base.where(choice.condition()) if choice else base
    total = request.dbsession.scalar(select(func.count()).select_from(listed.subquery()))
    rows = request.dbsession.scalars(
        listed.order_by(func.coalesce(Case.submitted_at, Case.created_at).desc(), Case.id.desc())
        .limit(PAGE_SIZE).offset(Page(filters["page"], PAGE_SIZE, total).offset)).all()
    return rows, total, counts


def case_summary(request, case: Case) -> dict:
    catalogue = request.registry["catalogue"]
    wf = catalogue.workflows[case.workflow_key]
    item = catalogue.item(case.item_key)
    return {
        "id": case.id, "item": case.item_key, "item_title": item.title if item else case.item_key,
        "state": case.state, "state_label": wf.label(case.state), "reference": case.reference,
        "submitted_month": case.submitted_month,
        "submitted_at": clock.isoformat(case.submitted_at),
        "created_at": clock.isoformat(case.created_at), "version": case.version,
        "definition_version": case.definition_version, "row_count": case.row_count,
        "editable": wf.editable(case.state),
    }


@view_config(route_name="my_cases", renderer="my_cases.jinja2", request_method="GET", permission="authenticated")
def my_cases(request):
    filters = case_filters(request)
    rows, total, counts = query_cases(request, filters)
    catalogue = request.registry["catalogue"]
    items = [i for i in catalogue.items.values() if request.account.role in i.roles]

    def url_for(page=None, **change):
        params = {k: filters[k] for k in ("state", "month", "item") if filters[k]}
        params.update({k: v for k, v in change.items()})
        params = {k: v for k, v in params.items() if v}
        if page and page > 1:
            params["page"] = page
        return request.route_path("my_cases", _query=params)

    index = state_index(catalogue, request.account.role)
    # The page shows 提交时间 through the dt filter, like every other time: the datetime, not the API's text.
    cases = [{**case_summary(request, c), "submitted_at": c.submitted_at} for c in rows]
    return {"cases": cases, "total": total, "counts": counts,
            "all_count": sum(counts[c.key] for c in index.choices), "filters": filters, "tabs": index.tabs,
            "active_tab": getattr(index.tab_for(filters["state"]), "key", None),
            "items": items, "pages": page_count(total, PAGE_SIZE), "url_for": url_for,
            "active_top": "个人中心", "state_choices": index.filter_choices()}


def detail_sections(request, case: Case):
    item = definition_for(request.dbsession, request.registry["catalogue"], case)
    sections = build_sections(item, case.data or {}, [], case)
    for section in sections:
        section.fields = [fv for fv in section.fields if not fv.f.transient]
        for fv in section.fields:
            fv.value = display_value(fv.f, fv.value)
    return item, sections


def timeline(request, case: Case) -> list[dict]:
    wf = request.registry["catalogue"].workflows[case.workflow_key]
    out = []
    for e in case.events:
        transition = next((t for t in wf.transitions if t.trigger == e.trigger), None)
        who = ""
        if e.actor is not None:
            who = role_label(e.actor.role) if e.actor.role in ("unit", "individual") else \
                f"{role_label(e.actor.role)}（{e.actor.name}）"
        out.append({"at": e.at, "action": transition.label if transition else e.trigger,
                    "from": wf.label(e.from_state) if e.from_state else "", "to": wf.label(e.to_state),
                    "to_state": e.to_state, "comment": e.comment, "who": who})
    return out


@view_config(route_name="case_detail", renderer="case_detail.jinja2", request_method="GET", permission="view")
def case_detail(context, request):
    case = context.case
    catalogue = request.registry["catalogue"]
    wf = catalogue.workflows[case.workflow_key]
    item, sections = detail_sections(request, case)
    current = catalogue.item(case.item_key)
    return {"case": case, "item": item, "sections": sections, "timeline": timeline(request, case),
            "state_label": wf.label(case.state), "editable": wf.editable(case.state) and item.kind == "form",
            "newer_definition": current is not None and current.version != case.definition_version,
            "active_top": "个人中心", "attachments": current_attachments(case),
            "source": source_import(request.dbsession, case)}


@view_config(route_name="case_done", renderer="case_done.jinja2", request_method="GET", permission="view")
def case_done(context, request):
    case = context.case
    catalogue = request.registry["catalogue"]
    wf = catalogue.workflows[case.workflow_key]
    item = catalogue.item(case.item_key)
    choice = state_index(catalogue, request.account.role).of(case.workflow_key, case.state)
    return {"case": case, "item": item, "state_label": wf.label(case.state), "active_top": "个人中心",
            "center_state": choice.key if choice else case.state}


@view_config(route_name="case_print", renderer="case_print.jinja2", request_method="GET", permission="read")
def case_print(context, request):
    case = context.case
    item, sections = detail_sections(request, case)
    return {"case": case, "item": item, "sections": sections, "unit": case.unit}


@view_config(route_name="attachment_file", request_method="GET", permission="read")
def attachment_file(context, request):
    case = context.case
    attachment_id = int(request.matchdict["attachment_id"])
    attachment = next((a for a in case.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise HTTPNotFound()
    return stored_file(request, attachment.storage_key, attachment.content_type, attachment.filename,
                       inline=bool(request.params.get("inline")))
