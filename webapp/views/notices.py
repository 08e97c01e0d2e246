"""消息中心: a signed-in person's notices, a page at a time; opening one marks it read; all read at once; the
JSON twins under /api/notices. What is whose is engine.access's (engine.notices.center asks it)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from engine.notices import center
from engine.paging import parse_page, parse_per_page
from webapp.responses import api_error
from webapp.views.api_docs import query_errors

def _unread_only(request) -> bool:
    return request.GET.get("unread") in ("1", "true")


def _safe_link(link: str | None) -> str | None:
    """A notice's own link, only ever a path of this app."""
    return link if link and link.startswith("/") and not link.startswith("//") else None


@view_config(route_name="notices", renderer="notices.jinja2", request_method="GET", permission="authenticated")
def notices_page(request):
    unread_only = _unread_only(request)
    listing = center.notices_page(request.dbsession, request.account, parse_page(request.GET.get("page")),
                                  unread_only)

    def page_url(n):
        query = {k: v for k, v in {"unread": "1" if unread_only else "", "page": n if n > 1 else ""}.items() if v}
        return request.route_path("notices", _query=query)

    return {"page_title": "消息中心", "active_top": "notices", "listing": listing,
            "page_url": page_url, "here": request.path_qs}


@view_config(route_name="notice_read", request_method="POST", permission="authenticated")
def notice_read(request):
    """Mark one read and go where it points (or back to the list)."""
    notice = center.mark_read(request.dbsession, request.account, request.matchdict["id"])
    if notice is None:
        raise HTTPNotFound()
    if request.POST.get("open") == "1" and _safe_link(notice.link):
        return HTTPSeeOther(notice.link)
    back = request.POST.get("next") or ""
    return HTTPSeeOther(back if back.startswith("/me/notices") else request.route_path("notices"))


@view_config(route_name="notices_read_all", request_method="POST", permission="authenticated")
def notices_read_all(request):
    marked = center.mark_all_read(request.dbsession, request.account)
    request.session.flash(f"已将{marked}条消息标为已读" if marked else "没有未读消息", "success")
    return HTTPSeeOther(request.route_path("notices"))


# ---- JSON API ----------------------------------------------------------------------

@view_config(route_name="api_notices", renderer="json", request_method="GET", permission="authenticated")
def api_notices(request):
    errors = query_errors(request, "page", "per_page", "unread")
    if errors:
        return api_error(request, 422, "查询条件有误", errors=errors)
    per_page = parse_per_page(request.GET.get("per_page"), center.PER_PAGE, 100)
    listing = center.notices_page(request.dbsession, request.account, parse_page(request.GET.get("page")),
                                  _unread_only(request), per_page)
    return {"items": [center.as_json(n) for n in listing.rows], "total": listing.page.total,
            "page": listing.page.number, "pages": listing.page.pages, "per_page": per_page,
            "unread": listing.unread}


@view_config(route_name="api_notice_read", renderer="json", request_method="POST", permission="authenticated")
def api_notice_read(request):
    notice = center.mark_read(request.dbsession, request.account, request.matchdict["id"])
    if notice is None:
        return api_error(request, 404, "消息不存在")
    return {**center.as_json(notice), "unread": center.unread_count(request.dbsession, request.account)}


@view_config(route_name="api_notices_read_all", renderer="json", request_method="POST", permission="authenticated")
def api_notices_read_all(request):
    return {"marked": center.mark_all_read(request.dbsession, request.account), "unread": 0}
