"""好差评: the owner's rating of a finished case (page and /api/cases/{id}/rating), the reviewers' 差评整改 list and
close (pages and /api/review/followups), and the administrators' statistics (/admin/ratings).

Each view reads the request and makes one call of engine/ratings; the scale, the rules and who may do what
are the engine's (engine/ratings/scale.py, engine/access.py)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from engine.models import row_id
from engine.paging import page_count
from engine.ratings import followups, scale, stats
from engine.ratings.followups import RatingError
from engine.ratings.rating import rate, rating_document, rating_panel
from webapp.payloads import json_object
from webapp.responses import api_error, status_of
from webapp.services import deadline_board
from webapp.views.api_docs import query_errors

THANKS = "感谢您的评价"
PASSED_ON = "您的意见已转交审核人员整改，将在{deadline}前回访"


def _catalogue(request):
    return request.registry["catalogue"]


def _refused(request, error: RatingError):
    """A refusal as the API's body: with every field's problem when there are some."""
    return api_error(request, status_of(error), error.message,
                     **({"errors": [x.as_dict() for x in error.errors]} if error.errors else {}))


# ---- the owner: rating a case ---------------------------------------------------------

def _rating_page(request, values=None, errors=(), message=None):
    case = request.context.case
    catalogue = _catalogue(request)
    panel = rating_panel(request.dbsession, catalogue, case, request.account, deadline_board(request))
    item = catalogue.item(case.item_key)
    return {"page_title": "办件评价", "active_top": "个人中心", "case": case, "panel": panel,
            "item_title": item.title if item else case.item_key, "scale": scale, "values": values or {},
            "errors": list(errors), "message": message, "followup_days": followups.FOLLOWUP_DAYS,
            "state_label": catalogue.workflows[case.workflow_key].label(case.state)}


@view_config(route_name="case_rating", renderer="case_rating.jinja2", permission="rate", request_method="GET")
def rating_form(request):
    return _rating_page(request)


@view_config(route_name="case_rating", renderer="case_rating.jinja2", permission="rate", request_method="POST")
def rating_submit(request):
    case = request.context.case
    keys = [d.key for d in scale.ALL] + [scale.COMMENT_FIELD]
    values = {k: request.POST.get(k) for k in keys if k in request.POST}
    try:
        rating = rate(request.dbsession, _catalogue(request), case, request.account, values, text=True)
    except RatingError as e:
        request.response.status_int = status_of(e)
        return _rating_page(request, values, e.errors, None if e.errors else e.message)
    request.session.flash(THANKS, "success")
    if rating.bad:
        found = followups.of_rating(request.dbsession, rating.id)
        request.session.flash(PASSED_ON.format(deadline=found.deadline_on.isoformat()), "success")
    return HTTPSeeOther(request.route_path("case_detail", id=case.id))


@view_config(route_name="api_case_rating", renderer="json", permission="read", request_method="GET")
def api_rating(request):
    return rating_document(request.dbsession, _catalogue(request), request.context.case, request.account,
                           deadline_board(request))


@view_config(route_name="api_case_rating", renderer="json", permission="rate", request_method="POST")
def api_rate(request):
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象")
    case = request.context.case
    try:
        rate(request.dbsession, _catalogue(request), case, request.account, body)
    except RatingError as e:
        return _refused(request, e)
    request.response.status_int = 201
    return rating_document(request.dbsession, _catalogue(request), case, request.account, deadline_board(request))


# ---- reviewers: 差评整改 ------------------------------------------------------------------

@view_config(route_name="review_followups", renderer="review_followups.jinja2", permission="reviewer",
             request_method="GET")
def followups_page(request):
    query, errors = followups.FollowupQuery.from_params(request.GET)
    listing = followups.followups(request.dbsession, _catalogue(request), request.account, query,
                                  deadline_board(request))

    def url(**over):
        return request.route_path("review_followups", _query=query.params(**over))

    return {"page_title": "差评整改", "active_top": "review", "listing": listing, "query": query, "errors": errors,
            "url": url, "page_url": lambda n: url(page=n), "statuses": followups.STATUS_LABELS,
            "deadline_filters": followups.DEADLINE_FILTERS}


def _followup(request):
    """The follow-up of the address if this reviewer may see it (engine.access), else None."""
    return followups.visible_followup(request.dbsession, request.account, row_id(request.matchdict["id"]))


def _followup_page(request, followup, value="", errors=(), message=None):
    row = followups.followup_row(request.dbsession, _catalogue(request), followup, deadline_board(request))
    return {"page_title": f"差评整改：{row.reference or row.followup.case_id}", "active_top": "review", "row": row,
            "value": value, "errors": list(errors), "message": message, "outcome_max": followups.OUTCOME_MAX}


@view_config(route_name="review_followup", renderer="review_followup.jinja2", permission="reviewer",
             request_method="GET")
def followup_page(request):
    if (followup := _followup(request)) is None:
        raise HTTPNotFound()
    return _followup_page(request, followup)


@view_config(route_name="review_followup", renderer="review_followup.jinja2", permission="reviewer",
             request_method="POST")
def followup_close(request):
    if (followup := _followup(request)) is None:
        raise HTTPNotFound()
    value = request.POST.get(followups.OUTCOME_FIELD, "")
    try:
        followups.close_followup(request.dbsession, _catalogue(request), followup, request.account, value)
    except RatingError as e:
        request.response.status_int = status_of(e)
        return _followup_page(request, followup, value, e.errors, None if e.errors else e.message)
    request.session.flash("已办结该差评整改，申请人将收到整改情况和回访结果", "success")
    return HTTPSeeOther(request.route_path("review_followups"))


@view_config(route_name="api_review_followups", renderer="json", permission="reviewer", request_method="GET")
def api_followups(request):
    if errors := query_errors(request, "status", "deadline", "page"):
        return api_error(request, 422, "筛选条件有误", errors=errors)
    query, problems = followups.FollowupQuery.from_params(request.GET)
    if problems:
        return api_error(request, 422, "筛选条件有误",
                         errors=[{"field": k, "message": v} for k, v in problems.items()])
    listing = followups.followups(request.dbsession, _catalogue(request), request.account, query,
                                  deadline_board(request))
    return {"items": [r.as_dict() for r in listing.rows], "total": listing.page.total,
            "page": listing.page.number, "pages": listing.page.pages, "per_page": listing.page.per_page,
            "counts": listing.counts}


def _followup_json(request, followup):
    return followups.followup_row(request.dbsession, _catalogue(request), followup, deadline_board(request)).as_dict()


@view_config(route_name="api_review_followup", renderer="json", permission="reviewer", request_method="GET")
def api_followup(request):
    if (followup := _followup(request)) is None:
        return api_error(request, 404, followups.GONE)
    return _followup_json(request, followup)


@view_config(route_name="api_review_followup", renderer="json", permission="reviewer", request_method="POST")
def api_followup_close(request):
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象")
    if (followup := _followup(request)) is None:
        return api_error(request, 404, followups.GONE)
    try:
        followups.close_followup(request.dbsession, _catalogue(request), followup, request.account,
                                 body.get(followups.OUTCOME_FIELD))
    except RatingError as e:
        return _refused(request, e)
    return _followup_json(request, followup)


# ---- administrators: the statistics ---------------------------------------------------------

@view_config(route_name="admin_ratings", renderer="admin_ratings.jinja2", permission="admin", request_method="GET")
def statistics_page(request):
    catalogue = _catalogue(request)
    query, errors = stats.StatsQuery.from_params(request.GET, catalogue)
    found = stats.statistics(request.dbsession, catalogue, query, deadline_board(request))

    def url(**over):
        return request.route_path("admin_ratings", _query=query.params(**over))

    return {"page_title": "好差评统计", "active_top": "admin", "admin_active": "ratings", "s": found,
            "query": query, "errors": errors, "url": url, "scale": scale, "items": list(catalogue.items.values()),
            "page_url": lambda n: url(page=n), "city_url": lambda code: url(city=code, page=None),
            "bad_pages": page_count(found.bad_page.total, found.bad_page.per_page)}
