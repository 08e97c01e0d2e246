"""见习岗位查询 (public), position detail, 我有意向 / 我的意向, and the unit's 就业见习岗位查询 with intents."""
from __future__ import annotations

import functools
import json
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.settings import asbool
from pyramid.view import view_config
from pyramid_jinja2 import IJinja2Environment

from engine import access, clock, positions as P
from engine.errors import AccessDenied
from engine.regions import load_regions
from webapp.payloads import json_object
from webapp.responses import api_error, http_refusal, refusal, status_of, xlsx_download
from webapp.views.accounts import safe_came_from
from webapp.views.api_docs import query_errors


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def choices(request) -> P.search.Choices:
    return P.search.search_choices(request.registry["catalogue"])


def _use_cache(request) -> bool:
    return asbool(request.registry.settings.get("jianxi.search_cache", True))


def search(request, filters: P.search.PositionFilters) -> P.search.SearchResult:
    if not _use_cache(request):
        return P.search.search_positions(request.dbsession, filters, cache=False)
    return (P.search.cached_search(request.registry["db_engine"], filters)
            or P.search.search_positions(request.dbsession, filters))


def back_query(request) -> str:
    """The list's query string carried to the detail page; only known filters survive."""
    raw = request.params.get("back", "")
    pairs = [(k, v) for k, v in parse_qsl(raw, keep_blank_values=False) if k in P.search.FILTER_KEYS]
    return urlencode(pairs)


def list_url(request, back: str) -> str:
    return request.route_path("positions") + ("?" + back if back else "")


def detail_url(request, position_id: int, back: str = "") -> str:
    return request.route_path("position", id=position_id, _query={"back": back} if back else {})


def _can_see(request, position) -> bool:
    return access.may_see_position(request.account, position)




# ---------------------------------------------------------------------------
# Public search and detail
# ---------------------------------------------------------------------------

class _Fragments:
    """The search page's content per cached SearchResult (held here, so its id is not reused)."""

    def __init__(self, size: int = 512):
        self.entries = P.cache.LruCache(size)

    def get(self, result):
        entry = self.entries.get(id(result))
        return entry[1] if entry is not None and entry[0] is result else None

    def put(self, result, html: str) -> None:
        self.entries.put(id(result), (result, html))


FRAGMENTS = _Fragments(256)


def _results_html(request, result: P.search.SearchResult, errors: list) -> Markup:
    """Everything on the page below the title depends only on the result (and on bad input, if any),
    so it is rendered once per cached result instead of on every request."""
    html = FRAGMENTS.get(result) if not errors else None
    if html is None:
        env = request.registry.queryUtility(IJinja2Environment, name=".jinja2")
        html = env.get_template("positions_results.jinja2").render(_results_values(request, result, errors))
        if not errors:
            FRAGMENTS.put(result, html)
    return Markup(html)


def _results_values(request, result: P.search.SearchResult, errors: list) -> dict:
    regions = load_regions()
    current = result.filters
    offered = choices(request)
    back = urlencode(current.params())
    # Thirty-odd links a page: built from the route's path once, not through route_path each time.
    base = request.route_path("positions")
    detail_prefix = request.route_path("position", id=0)[:-1]
    detail_query = "?" + urlencode({"back": back}) if back else ""

    def url(**changes) -> str:
        query = current.params(**changes)
        return base + ("?" + urlencode(query) if query else "")

    return {
        "request": request, "result": result, "filters": current, "errors": errors, "values": request.GET,
        "cities": regions.cities(), "counties": regions.counties(current.city) if current.city else [],
        "educations": offered.educations, "industries": offered.industries, "periods": P.search.PERIODS, "sorts": P.search.SORTS,
        "err": {e.field: e.message for e in errors},
        "url": url, "page_url": lambda n: url(page=n), "detail_url": lambda pid: f"{detail_prefix}{pid}{detail_query}",
    }


@view_config(route_name="positions", renderer="positions.jinja2", request_method="GET", permission="public")
def positions_page(request):
    filters, errors = P.search.parse_filters(request.GET, choices(request))
    result = search(request, filters)
    return {"page_title": "见习岗位查询", "active_top": "公共就业", "active_key": "positions",
            "body": _results_html(request, result, errors)}


@view_config(route_name="position", renderer="position.jinja2", request_method="GET", permission="public")
def position_page(context, request):
    position = context.position
    if not _can_see(request, position):
        raise HTTPNotFound()
    back = back_query(request)
    account = request.account
    manage = bool(request.has_permission("manage"))
    review = bool(request.has_permission("review"))   # engine.access grants it to reviewers only
    page = P.detail.position_page(request.dbsession, request.registry["catalogue"], position, account, manage or review)
    here = detail_url(request, position.id, back)
    return {
        "page_title": position.name, "active_top": "公共就业", "active_key": "positions",
        "p": page.detail, "back_url": list_url(request, back), "back": back,
        "published_at": position.published_at,
        "intent": page.intent, "here": here,
        "login_url": request.route_path("login", _query={"tab": "individual", "came_from": here}),
        "can_take_down": (manage or review) and position.status == "open",
        "history": page.history, "action_labels": P.takedown.ACTION_LABELS, "is_owner": manage,
    }


# ---------------------------------------------------------------------------
# 我有意向 / 我的意向
# ---------------------------------------------------------------------------

@view_config(route_name="position_intent", request_method="POST", permission="public")
def position_intent(context, request):
    position = context.position
    back = back_query(request)
    here = detail_url(request, position.id, back)
    if request.account is None:
        # The session ended between page and click: log in, then back to the position.
        return HTTPSeeOther(request.route_path("login", _query={"tab": "individual", "came_from": here}))
    if not _can_see(request, position):
        raise HTTPNotFound()
    try:
        P.intents.register_intent(request.dbsession, position, request.account, request.POST.get("consent"),
                                  remote_addr=request.client_address)
    except P.status.PositionError as e:
        request.session.flash(e.message, "error")
    else:
        request.session.flash(f"已登记意向：{position.name}。您已同意向该单位提供姓名、身份证号、手机号、学历、"
                              "毕业院校和专业，可随时在“我的意向”中撤回。", "success")
    return HTTPSeeOther(here)


@view_config(route_name="my_intents", renderer="my_intents.jinja2", request_method="GET", permission="individual")
def my_intents(request):
    rows = P.intents.intents_of_account(request.dbsession, request.account.id)
    return {"page_title": "我的意向", "active_top": "公共就业", "active_key": "my_intents",
            "active": [r for r in rows if r.withdrawn_at is None],
            "withdrawn": [r for r in rows if r.withdrawn_at is not None]}


@view_config(route_name="intent_withdraw", request_method="POST", permission="individual")
def intent_withdraw(request):
    intent = P.intents.find_intent(request.dbsession, request.matchdict["id"])
    if intent is None:
        raise HTTPNotFound()
    try:
        P.intents.withdraw_intent(request.dbsession, intent, request.account)
    except P.status.PositionError as e:
        if e.kind == "forbidden":   # another person's intent: refused as a page, not as a message
            raise http_refusal(e) from None
        request.session.flash(e.message, "error")
    else:
        request.session.flash("已撤回意向。如需要，可在岗位详情页重新登记。", "success")
    return HTTPSeeOther(safe_came_from(request.POST.get("next")) or request.route_path("my_intents"))


# ---------------------------------------------------------------------------
# Unit side: 就业见习岗位查询
# ---------------------------------------------------------------------------

@view_config(route_name="unit_positions", renderer="positions_unit.jinja2", request_method="GET", permission="unit")
def unit_positions_page(request):
    status = request.GET.get("status", "")
    status = status if status in P.status.STATUS_LABELS else ""
    q = request.GET.get("q", "").strip()[:50]
    rows = P.unit.unit_positions(request.dbsession, request.account.unit_id, status=status or None, q=q or None)
    apply = P.unit.application_item(request.registry["catalogue"])
    return {"page_title": "就业见习岗位查询", "active_top": "法人办事", "active_key": "unit_positions",
            "rows": rows, "status": status, "q": q, "statuses": P.status.STATUS_LABELS, "apply": apply}


def _intent_filters(request) -> tuple[str, str]:
    education = request.params.get("education", "").strip()[:10]
    q = request.params.get("q", "").strip()[:50]
    return education, q


@view_config(route_name="unit_position", renderer="position_unit.jinja2", request_method="GET", permission="manage")
def unit_position_page(context, request):
    position = context.position
    education, q = _intent_filters(request)
    page = P.unit.unit_position_page(request.dbsession, request.registry["catalogue"], position,
                                education=education or None, q=q or None)
    query = {k: v for k, v in (("education", education), ("q", q)) if v}
    return {"page_title": f"岗位详情 · {position.name}", "active_top": "法人办事", "active_key": "unit_positions",
            "position": position, "summary": page.summary, "p": page.detail,
            "people": page.people, "all_count": page.all_count, "education": education, "q": q,
            "educations": page.educations,
            "export_url": request.route_path("unit_position_intents_xlsx", id=position.id, _query=query),
            "history": page.history, "action_labels": P.takedown.ACTION_LABELS,
            "can_take_down": position.status == "open"}


@view_config(route_name="unit_position_intents_xlsx", request_method="GET", permission="manage")
def unit_position_intents_xlsx(context, request):
    position = context.position
    education, q = _intent_filters(request)
    body = P.workbooks.intents_xlsx(request.dbsession, position, education=education or None, q=q or None)
    return xlsx_download(body, f"意向人员-{position.name}.xlsx", f"intents-{position.id}.xlsx")


@view_config(route_name="unit_position_match_template", request_method="POST", permission="manage")
def unit_position_match_template(context, request):
    position = context.position
    ids = []
    for raw in request.POST.getall("intent"):
        if raw.isdigit():
            ids.append(int(raw))
    try:
        body = P.workbooks.match_template(request.dbsession, request.registry["catalogue"], position, ids)
    except P.status.PositionError as e:
        raise http_refusal(e) from None
    if body is None:
        request.session.flash("请先勾选要填入见习匹配结果模板的人员", "error")
        return HTTPSeeOther(request.route_path("unit_position", id=position.id))
    return xlsx_download(body, f"见习匹配结果-{position.name}.xlsx", f"match-template-{position.id}.xlsx")


@view_config(route_name="unit_position_takedown", request_method="POST", permission="public")
def unit_position_takedown(context, request):
    position = context.position
    target = safe_came_from(request.POST.get("next")) or (
        request.route_path("unit_position", id=position.id) if request.has_permission("manage")
        else request.route_path("position", id=position.id))
    try:
        P.takedown.take_down(request.dbsession, position, request.account, request.POST.get("reason"),
                             catalogue=request.registry["catalogue"])
    except AccessDenied:
        raise HTTPForbidden() from None   # engine.access: neither the unit nor a reviewer of its jurisdiction
    except P.status.PositionError as e:
        request.session.flash(e.message, "error")
    else:
        request.session.flash("岗位已下架，不再出现在见习岗位查询中。", "success")
    return HTTPSeeOther(target)


# ---------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------

@functools.cache
def _regions_json() -> bytes:
    return json.dumps(P.search.regions_tree(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@view_config(route_name="api_regions", request_method="GET", permission="public")
def api_regions(request):
    return Response(body=_regions_json(), content_type="application/json", charset="utf-8")


@view_config(route_name="api_positions", renderer="json", request_method="GET", permission="public")
# The page of results is serialised once per cached result, not on every request.
def api_positions(request):
    if errors := query_errors(request, "education", "sort", "page", "q"):
        return api_error(request, 422, "查询条件有误", errors=errors)
    filters, errors = P.search.parse_filters(request.GET, choices(request))
    if errors:
        return api_error(request, 422, "查询条件有误", errors=[e.as_dict() for e in errors])
    body = search(request, filters).json_bytes()
    return Response(body=body, content_type="application/json", charset="utf-8")


@view_config(route_name="api_position", renderer="json", request_method="GET", permission="public")
def api_position(context, request):
    if not _can_see(request, context.position):
        return api_error(request, 404, "岗位不存在或已下架")
    return P.detail.position_detail(request.dbsession, request.registry["catalogue"], context.position)


@view_config(route_name="api_position_intents", renderer="json", request_method="POST", permission="public")
def api_register_intent(context, request):
    if request.account is None:
        return api_error(request, 401, "请先以个人用户登录")
    if not _can_see(request, context.position):
        return api_error(request, 404, "岗位不存在或已下架")
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"consent\": \"1\"}")
    consent = body.get("consent")
    try:
        intent = P.intents.register_intent(request.dbsession, context.position, request.account,
                                           consent if isinstance(consent, str) else None,
                                           remote_addr=request.client_address)
    except P.status.PositionError as e:
        return refusal(request, e)
    request.dbsession.flush()
    request.response.status_int = 201
    return {"id": intent.id, "position_id": intent.position_id, "created_at": clock.isoformat(intent.created_at)}


@view_config(route_name="api_position_intents", renderer="json", request_method="GET", permission="manage")
def api_position_intents(context, request):
    education, q = _intent_filters(request)
    people = P.unit.position_intents(request.dbsession, context.position, education=education or None, q=q or None)
    return {"position_id": context.position.id, "total": len(people), "intents": [p.as_json() for p in people]}


@view_config(route_name="api_intent", request_method="DELETE", permission="individual")
def api_withdraw_intent(request):
    intent = P.intents.find_intent(request.dbsession, request.matchdict["id"])
    if intent is None:
        return _json(request, 404, "意向不存在")
    try:
        P.intents.withdraw_intent(request.dbsession, intent, request.account)
    except P.status.PositionError as e:
        return _json(request, status_of(e), e.message)
    return Response(status=204)


def _json(request, status: int, message: str):
    from pyramid.renderers import render_to_response
    response = render_to_response("json", {"error": message}, request=request)
    response.status_int = status
    return response

