"""403 / 404 / CSRF failures: Chinese pages for people, JSON for the API, login for the anonymous."""
from __future__ import annotations

from urllib.parse import urlencode

from pyramid.csrf import BadCSRFOrigin, BadCSRFToken
from pyramid.exceptions import PredicateMismatch
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from engine.accounts import second_factor
from engine.errors import EngineError
from webapp.responses import status_of
from webapp.security import second_factor_needed


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _page(request, status: int, title: str, message: str):
    request.response.status_int = status
    if is_api(request):
        request.response.content_type = "application/json"
        return {"error": message}
    return {"title": title, "message": message}


def _render(request, status, title, message):
    from pyramid.renderers import render_to_response
    data = _page(request, status, title, message)
    renderer = "json" if is_api(request) else "error.jinja2"
    response = render_to_response(renderer, data, request=request)
    response.status_int = status
    return response


@forbidden_view_config()
def forbidden(exc, request):
    if request.account is None:
        if is_api(request):
            return _render(request, 401, "请先登录", "请先登录")
        if request.method == "GET":
            query = urlencode({"came_from": request.path_qs})
            need = second_factor_needed(request)
            if need is not None:   # between password and code: the code (or enrolment) page, then back here
                page = "staff_code" if need == second_factor.CODE else "staff_enrol"
                return HTTPSeeOther(request.route_path(page) + "?" + query)
            # Staff pages send to the staff login; units and individuals have no account there.
            staff = request.path.startswith(("/review", "/admin"))
            return HTTPSeeOther(request.route_path("staff_login" if staff else "login") + "?" + query)
        return _render(request, 401, "请先登录", "登录已失效，请重新登录后再操作。")
    from webapp.resources import CaseResource, PositionResource
    if request.account.role == "reviewer" and isinstance(request.context, (CaseResource, PositionResource)):
        # Outside a reviewer's jurisdiction a case does not exist, as far as they can tell.
        return _render(request, 404, "页面不存在", "您访问的页面不存在，或无权查看。")
    message = getattr(exc, "message", "") or ""
    if not message or message.startswith("Unauthorized"):
        message = "您的账号无权访问此页面。"
    return _render(request, 403, "无权访问", message)


@notfound_view_config()
def notfound(exc, request):
    if is_api(request) and isinstance(exc, PredicateMismatch) and request.matched_route is not None:
        allowed = _route_methods(request)
        if allowed and request.method not in allowed:
            # The address exists, the method does not (RFC 9110: 405 with the methods it does take).
            response = _render(request, 405, "不支持该请求方法", f"此接口不支持 {request.method} 请求")
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
    return _render(request, 404, "页面不存在", "您访问的页面不存在，或无权查看。")


def _route_methods(request) -> set[str]:
    """Methods the views of the matched route answer; empty if one of them takes any method."""
    introspector = request.registry.introspector
    route = introspector.get("routes", request.matched_route.name)
    methods: set[str] = set()
    for view in introspector.related(route) if route is not None else ():
        if view.category_name == "views":
            declared = view["request_methods"]  # as given to view_config: None, one name or several
            if declared is None:
                return set()
            methods.update((declared,) if isinstance(declared, str) else declared)
    if "GET" in methods:
        methods.add("HEAD")  # Pyramid answers HEAD wherever it answers GET
    return methods


@exception_view_config(BadCSRFToken)
@exception_view_config(BadCSRFOrigin)
def bad_csrf(exc, request):
    return _render(request, 400, "页面已过期", "页面已过期或来源不明，请刷新页面后重新提交。")


@exception_view_config(EngineError)
def refused(exc, request):
    """An engine refusal no view caught: its kind decides the status (the transaction is rolled back)."""
    titles = {404: "页面不存在", 403: "无权访问", 409: "无法办理"}
    status = status_of(exc)
    return _render(request, status, titles.get(status, "无法办理"), exc.message)


@exception_view_config(Exception)
def server_error(exc, request):
    """Anything unexpected: log it, roll back, and answer plainly without a traceback."""
    import logging
    logging.getLogger("webapp").exception("unhandled error on %s %s", request.method, request.path)
    return _render(request, 500, "系统繁忙", "系统暂时无法完成您的请求，已记录该问题，请稍后再试。")
