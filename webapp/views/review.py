"""审核工作台: the queue, one case, confirmation of each action, claims, bulk approval, files, JSON twin."""
from __future__ import annotations

from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from engine import access, review
from engine.attachments import case_attachment
from engine.cases.lifecycle import moves_unit, relocation
from engine.models import row_id
from engine.regions import load_regions
from engine.errors import ClaimConflict, StaleCase, WorkflowError
from engine.workflow import comment_problem, compose_comment
from webapp.payloads import json_object
from webapp.responses import api_error, stored_file, xlsx_download
from webapp.services import deadline_board
from webapp.views.api_docs import query_errors



def _catalogue(request):
    return request.registry["catalogue"]


def _region_choices(account):
    """Cities and counties a reviewer may filter by: only those inside the jurisdiction."""
    regions = load_regions()
    level = access.level_of(account.jurisdiction)
    if level == "province":
        return regions.cities(), [(c, regions.counties(c.code)) for c in regions.cities()]
    if level == "city":
        city = regions.get(account.jurisdiction)
        return [], [(city, regions.counties(city.code))]
    return [], []


# ---- the queue -----------------------------------------------------------------

@view_config(route_name="review_queue", renderer="review_queue.jinja2", permission="reviewer",
             request_method="GET")
def queue_page(request):
    catalogue = _catalogue(request)
    query, errors = review.filters.QueueQuery.from_params(request.GET, catalogue)
    page = review.queue.queue(request.dbsession, catalogue, request.account, query, board=deadline_board(request))
    cities, counties = _region_choices(request.account)

    def url(**over):
        return request.route_path("review_queue", _query=query.params(**over))

    # The way back to this exact list, encoded once rather than once per row.
    back_suffix = "?" + urlencode({"back": request.path_qs})

    def case_url(case_id):
        return request.route_path("review_case", id=case_id) + back_suffix

    return {"page_title": "审核工作台", "active_top": "review", "p": page, "query": query, "errors": errors,
            "items": list(catalogue.items.values()), "cities": cities, "counties": counties, "url": url,
            "page_url": lambda n: url(page=n), "case_url": case_url,
            "bulk_triggers": review.bulk.bulk_triggers(catalogue, request.account),
            "back": request.path_qs, "deadline_filters": review.filters.DEADLINE_FILTERS,
            "supervise_url": request.route_path("review_queue", _query={"scope": "below", "deadline": "overdue",
                                                                         "order": "deadline"})}


# ---- one case ------------------------------------------------------------------

def _case_view(request, case):
    return review.page.case_page(request.dbsession, _catalogue(request), case, request.account,
                                 deadline_board(request), lines=(request.GET.get("page"), request.GET.get("flag")))


@view_config(route_name="review_case", renderer="review_case.jinja2", permission="review", request_method="GET")
def case_page(request):
    case = request.context.case
    data = _case_view(request, case)
    back = request.params.get("back")
    back = back if back and back.startswith("/review") and not back.startswith("//") else None

    def lines_url(n, flag=request.GET.get("flag")):
        # A claim's lines page by page, keeping the way back to the queue.
        query = {k: v for k, v in (("page", n if n > 1 else None), ("flag", flag), ("back", back)) if v}
        return request.route_path("review_case", id=case.id, _query=query) + "#h-subsidy"

    data.update(page_title=f"审核：{data['item'].title if data['item'] else ''}", active_top="review", back=back,
                lines_url=lines_url)
    return data


def _transition_or_404(request):
    case = request.context.case
    wf = _catalogue(request).workflows[case.workflow_key]
    trigger = request.matchdict["trigger"]
    if not any(t.trigger == trigger for t in wf.transitions):
        raise HTTPNotFound()
    return case, wf, trigger


def _version(request):
    try:
        return int(request.params.get("version", ""))
    except ValueError:
        return None


@view_config(route_name="review_transition", renderer="review_confirm.jinja2", permission="review",
             request_method=("GET", "POST"))
def confirm_transition(request):
    case, wf, trigger = _transition_or_404(request)
    case_id = case.id
    catalogue = _catalogue(request)
    version = _version(request)
    t = wf.transition(trigger, case.state)
    values = {"reason": request.POST.get("reason", ""), "comment": request.POST.get("comment", "")}
    errors: dict[str, str] = {}
    allowed = t is not None and any(a.trigger == trigger for a in review.actions.actions(catalogue, case, request.account))
    if not allowed or (version is not None and version != case.version):
        # Someone else moved the case since this page was drawn (or it never allowed this action).
        if version is not None and version != case.version:
            request.session.flash(f"该申请已被他人处理，当前状态：{wf.label(case.state)}", "error")
        else:
            request.session.flash(review.actions.why_not(request.dbsession, catalogue, case, trigger, request.account)
                                  or "当前不能执行此操作", "error")
        return HTTPSeeOther(request.route_path("review_case", id=case.id))
    if request.method == "POST":
        comment, problem = compose_comment(values["reason"], values["comment"])
        problem = problem or comment_problem(t, comment)
        if problem:
            errors["comment"] = problem
        if request.POST.get("confirm") != "1":
            errors["confirm"] = "请勾选“确认”后再提交"
        if not errors:
            try:
                review.actions.act(request.dbsession, catalogue, case, trigger, request.account, comment=comment,
                           expected_version=version)
            except StaleCase:
                request.session.flash("该申请已被他人处理，请查看当前状态", "error")
                # Raised, not returned, so the transaction is aborted; after a failed flush the case row
                # must not be touched again in this request, hence the id taken beforehand.
                raise HTTPSeeOther(request.route_path("review_case", id=case_id))
            except ClaimConflict as e:
                request.session.flash(e.message, "error")
                return HTTPSeeOther(request.route_path("review_case", id=case.id))
            except WorkflowError as e:
                errors["comment" if e.info.get("field") == "comment" else "form"] = e.message
            else:
                request.session.flash(f"已{t.label}：{case.reference or case.id}", "success")
                return HTTPSeeOther(request.route_path("review_queue"))
    return {"page_title": f"确认{t.label}", "active_top": "review", "case": case, "t": t, "wf": wf,
            "item": catalogue.item(case.item_key), "values": values, "errors": errors,
            "version": version if version is not None else case.version,
            "relocation": relocation(request.dbsession, catalogue, case) if moves_unit(t) else None}


@view_config(route_name="review_claim", permission="review", request_method="POST")
def claim(request):
    case = request.context.case
    case_id = case.id
    action = request.POST.get("action", "claim")
    try:
        if action == "release":
            review.claims.release(request.dbsession, case, request.account, expected_version=_version(request))
            request.session.flash("已释放认领，其他审核人员可以处理该申请", "success")
        else:
            review.claims.claim(request.dbsession, case, request.account, expected_version=_version(request))
            request.session.flash("已认领，其他审核人员会看到由您处理", "success")
    except StaleCase:
        request.session.flash("该申请已被他人处理，请查看当前状态", "error")
        raise HTTPSeeOther(request.route_path("review_case", id=case_id))
    except ClaimConflict as e:
        request.session.flash(e.message, "error")
    return HTTPSeeOther(request.route_path("review_case", id=case.id))


@view_config(route_name="review_file", permission="review", request_method="GET")
def case_file(request):
    case = request.context.case
    attachment_id = row_id(request.matchdict["attachment_id"])
    att = case_attachment(request.dbsession, case, attachment_id)
    if att is None:
        raise HTTPNotFound()
    return stored_file(request, att.storage_key, att.content_type, att.filename,
                       inline=not request.params.get("download"))


# ---- bulk ---------------------------------------------------------------------

def _bulk_trigger(request):
    trigger = request.params.get("trigger", "")
    triggers = dict(review.bulk.bulk_triggers(_catalogue(request), request.account))
    return trigger, triggers.get(trigger)


def _relocations(request, cases, trigger) -> dict:
    """Case id -> the move of its unit that this action would make (the confirmation says so case by case)."""
    catalogue, out = _catalogue(request), {}
    for case, _ in cases:
        t = catalogue.workflows[case.workflow_key].transition(trigger, case.state)
        if t is not None and moves_unit(t) and (moved := relocation(request.dbsession, catalogue, case)):
            out[case.id] = moved
    return out


@view_config(route_name="review_bulk", renderer="review_bulk.jinja2", permission="reviewer", request_method="POST")
def bulk(request):
    catalogue = _catalogue(request)
    trigger, label = _bulk_trigger(request)
    selection = review.bulk.parse_selection(request.POST.getall("case"))
    back = request.POST.get("back") or request.route_path("review_queue")
    back = back if back.startswith("/review") else request.route_path("review_queue")
    if label is None:
        request.session.flash("请选择批量操作", "error")
        return HTTPSeeOther(back)
    if not selection:
        request.session.flash("请先勾选要批量处理的申请", "error")
        return HTTPSeeOther(back)
    if len(selection) > review.bulk.MAX_BULK:
        request.session.flash(f"一次最多批量处理{review.bulk.MAX_BULK}件，请减少勾选", "error")
        return HTTPSeeOther(back)
    if request.POST.get("confirm") != "1":
        cases = review.bulk.cases_for_bulk(request.dbsession, request.account, [i for i, _ in selection])
        return {"page_title": f"确认批量{label}", "active_top": "review", "step": "confirm", "label": label,
                "trigger": trigger, "selection": selection, "cases": cases, "back": back, "catalogue": catalogue,
                "relocations": _relocations(request, cases, trigger)}
    after = review.bulk.bookmark(request.dbsession)
    results = review.bulk.bulk(request.dbsession, catalogue, request.account, trigger, selection)
    done = sum(r.ok for r in results)
    request.session.flash(f"批量{label}：成功{done}件，未处理{len(results) - done}件",
                          "success" if done == len(results) else "error")
    ids = ",".join(str(i) for i, _ in selection)
    return HTTPSeeOther(request.route_path("review_bulk", _query={"trigger": trigger, "ids": ids, "after": after}))


@view_config(route_name="review_bulk", renderer="review_bulk.jinja2", permission="reviewer", request_method="GET")
def bulk_result(request):
    catalogue = _catalogue(request)
    trigger, label = _bulk_trigger(request)
    ids = [i for i, _ in review.bulk.parse_selection(request.params.get("ids", "").split(","))][:review.bulk.MAX_BULK]
    try:
        after = int(request.params.get("after", "0"))
    except ValueError:
        after = 0
    results = review.bulk.bulk_outcome(request.dbsession, catalogue, request.account, trigger, ids, after)
    return {"page_title": "批量处理结果", "active_top": "review", "step": "result", "label": label or trigger,
            "results": results, "back": request.route_path("review_queue")}


# ---- JSON ---------------------------------------------------------------------

@view_config(route_name="api_review_cases", renderer="json", permission="reviewer", request_method="GET")
def api_queue(request):
    if errors := query_errors(request, "city", "county", "order", "deadline", "scope", "page", "per_page"):
        return api_error(request, 422, "筛选条件有误", errors=errors)
    catalogue = _catalogue(request)
    query, errors = review.filters.QueueQuery.from_params(request.GET, catalogue)
    if errors:
        return api_error(request, 422, "筛选条件有误", errors=[{"field": k, "message": v} for k, v in errors.items()])
    page = review.queue.queue(request.dbsession, catalogue, request.account, query, board=deadline_board(request))
    return {"items": [r.as_dict() for r in page.rows], "total": page.total, "page": query.page,
            "pages": page.pages, "per_page": query.per_page, "queue_count": page.queue_count,
            "deadline_counts": page.deadline_counts,
            "counts": [{"state": c.state, "label": c.label, "count": c.count, **({"capped": True} if c.capped else {})}
                       for c in page.counts]}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@view_config(route_name="api_review_cases", renderer="json", permission="reviewer", request_method="POST")
def api_bulk(request):
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象")
    trigger = body.get("trigger")
    triggers = dict(review.bulk.bulk_triggers(_catalogue(request), request.account))
    if not isinstance(trigger, str) or trigger not in triggers:
        return api_error(request, 422, "该操作不能批量执行",
                         errors=[{"field": "trigger", "message": f"可批量执行的操作：{'、'.join(triggers) or '无'}"}])
    raw = body.get("cases")
    if not isinstance(raw, list) or not raw:
        return api_error(request, 422, "请提供要处理的申请",
                         errors=[{"field": "cases", "message": "cases 须为非空数组"}])
    selection = []
    for entry in raw:
        entry = entry if isinstance(entry, dict) else {"id": entry}
        # A version of the wrong type is refused rather than ignored, which would skip the stale check.
        if _is_int(entry.get("id")) and ("version" not in entry or _is_int(entry["version"])):
            selection.append((entry["id"], entry.get("version")))
        else:
            return api_error(request, 422, "cases 的每一项须为申请编号或 {id, version}",
                             errors=[{"field": "cases", "message": "格式错误"}])
    if len(selection) > review.bulk.MAX_BULK:
        return api_error(request, 422, f"一次最多批量处理{review.bulk.MAX_BULK}件",
                         errors=[{"field": "cases", "message": f"最多{review.bulk.MAX_BULK}件"}])
    results = review.bulk.bulk(request.dbsession, _catalogue(request), request.account, trigger, selection)
    return {"results": [r.as_dict() for r in results], "succeeded": sum(r.ok for r in results),
            "failed": sum(not r.ok for r in results)}


# ---- 缺报名单 ----------------------------------------------------------------------

def _missing_query(request):
    return review.missing.MissingQuery.from_params(request.GET, _catalogue(request), request.dbsession)


@view_config(route_name="review_missing", renderer="review_missing.jinja2", permission="oversee",
             request_method="GET")
def missing_page(request):
    query, errors = _missing_query(request)
    page = review.missing.missing_page(request.dbsession, _catalogue(request), request.account, query)

    def url(**over):
        return request.route_path("review_missing", _query=query.params(**over))

    return {"page_title": "缺报名单", "active_top": "review" if request.account.role == "reviewer" else "admin",
            "p": page, "query": query, "errors": errors, "page_url": lambda n: url(page=n),
            "export_url": request.route_path("review_missing_xlsx", _query=query.params(page=1))}


@view_config(route_name="review_missing_xlsx", permission="oversee", request_method="GET")
def missing_export(request):
    query, _ = _missing_query(request)
    body = review.missing.missing_xlsx(request.dbsession, _catalogue(request), request.account, query)
    item = _catalogue(request).item(query.item) if query.item else None
    if item is None:
        return xlsx_download(body, "缺报名单.xlsx", "missing.xlsx")
    return xlsx_download(body, f"缺报名单-{item.title}-{query.month}.xlsx", f"missing-{item.key}-{query.month}.xlsx")


@view_config(route_name="api_review_missing", renderer="json", permission="oversee", request_method="GET")
def api_missing(request):
    if errors := query_errors(request, "item", "month", "page", "per_page"):
        return api_error(request, 422, "查询条件有误", errors=errors)
    query, errors = _missing_query(request)
    if errors:
        return api_error(request, 422, "查询条件有误", errors=[{"field": k, "message": v} for k, v in errors.items()])
    page = review.missing.missing_page(request.dbsession, _catalogue(request), request.account, query)
    return {"item": query.item or None, "item_title": page.item.title if page.item else None,
            "month": query.month or None, "due_on": page.due_on.isoformat() if page.due_on else None,
            "overdue_days": page.overdue_days, "counts": page.counts, "items": [r.as_dict() for r in page.rows],
            "total": page.total, "page": query.page, "pages": page.pages, "per_page": query.per_page}
