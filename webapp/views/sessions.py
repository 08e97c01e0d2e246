"""登录设备 (each sign-in of the person, ended one by one or all but this one) and staff's second factor
(the code page after a password, enrolment with a QR code and recovery codes) — pages and JSON twins."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.security import forget
from pyramid.view import view_config

from engine import clock
from engine.accounts import second_factor, sessions
from engine.models import row_id
from engine.roles import STAFF_ROLES
from engine.validation import FieldError
from webapp.security import second_factor_needed, second_factor_passed
from webapp.views.accounts import landing, safe_came_from


# ---- the second factor ------------------------------------------------------------------

def _onward(request, account) -> str:
    return safe_came_from(request.params.get("came_from")) or landing(request, account)


@view_config(route_name="staff_code", renderer="staff_code.jinja2", request_method=("GET", "POST"))
def staff_code(request):
    """After a staff password: the 6-digit code from the authenticator (or a recovery code)."""
    need = second_factor_needed(request)
    if need is None:
        return HTTPSeeOther(_onward(request, request.account) if request.account else request.route_path("staff_login"))
    if need == second_factor.ENROL:
        return HTTPSeeOther(request.route_path("staff_enrol", _query=request.GET))
    account = request.auth.who
    errors: list[FieldError] = []
    if request.method == "POST":
        try:
            how = second_factor.verify(request.dbsession, account, request.POST.get("code", ""), request.client_address)
        except (second_factor.SecondFactorError, second_factor.TooManyCodes) as e:
            errors.append(FieldError("code", e.message))
            request.response.status_int = 422 if isinstance(e, second_factor.SecondFactorError) else 429
        else:
            second_factor_passed(request)
            if how == "recovery":
                left = second_factor.recovery_left(request.dbsession, account)
                request.session.flash(f"已使用一个恢复码登录，还剩{left}个。"
                                      + ("恢复码将用完，请联系系统管理员重置两步验证。" if left <= 2 else ""), "success")
            return HTTPSeeOther(_onward(request, account))
    return {"page_title": "两步验证", "errors": errors, "who": account,
            "came_from": safe_came_from(request.params.get("came_from"))}


def _enrolling(request):
    """Whose second factor this page enrols: a staff member between password and enrolment, or signed in."""
    if second_factor_needed(request) == second_factor.ENROL:
        return request.auth.who
    account = request.account
    return account if account is not None and account.role in STAFF_ROLES else None


@view_config(route_name="staff_enrol", renderer="staff_enrol.jinja2", request_method=("GET", "POST"))
def staff_enrol(request):
    account = _enrolling(request)
    if account is None:
        if request.auth.pending is not None:
            return HTTPSeeOther(request.route_path("staff_code", _query=request.GET))
        if request.account is not None:
            raise HTTPNotFound()     # units and individuals have no second factor
        return HTTPSeeOther(request.route_path("staff_login"))
    came_from = safe_came_from(request.params.get("came_from"))
    data = {"page_title": "两步验证", "who": account, "came_from": came_from, "errors": [],
            "required": request.registry["jianxi.staff_totp"] == "required"}
    db = request.dbsession
    if second_factor.confirmed(db, account) is not None:
        return {**data, "state": "enrolled", "status": second_factor.status(db, account)}
    factor = second_factor.pending(db, account)
    if request.method == "POST":
        try:
            codes = second_factor.confirm(db, account, request.POST.get("code", ""), request.client_address)
        except (second_factor.SecondFactorError, second_factor.TooManyCodes) as e:
            data["errors"] = [FieldError("code", e.message)]
            request.response.status_int = 422 if isinstance(e, second_factor.SecondFactorError) else 429
        else:
            if request.auth.pending is not None:
                second_factor_passed(request)
            # Shown this once, in this answer: no page shows them again.
            return {**data, "state": "done", "codes": codes, "onward": came_from or landing(request, account)}
    uri = second_factor.provisioning_uri(account, factor)
    secret = factor.secret
    return {**data, "state": "enrol", "qr_svg": second_factor.qr_svg(uri), "uri": uri,
            "secret_groups": [secret[i:i + 4] for i in range(0, len(secret), 4)]}


# ---- 登录设备 ---------------------------------------------------------------------------

def device_json(device) -> dict:
    return {"id": device.id, "created_at": clock.isoformat(device.created_at),
            "last_seen_at": clock.isoformat(device.last_seen_at), "address": device.remote_addr,
            "browser": device.browser, "current": device.current}


def _current_id(request) -> int | None:
    return request.auth.session_id


@view_config(route_name="my_sessions", renderer="sessions.jinja2", request_method="GET", permission="authenticated")
def my_sessions(request):
    return {"page_title": "登录设备", "active_top": "account",
            "devices": sessions.devices(request.dbsession, request.account, _current_id(request))}


def _end(request, device_id) -> bool:
    """End one of the person's sessions (404 if it is none of theirs); True if it was the one asking, who is
    then signed out."""
    if row_id(device_id) == _current_id(request):
        forget(request)
        return True
    if not sessions.end_device(request.dbsession, request.account, device_id, request.client_address):
        raise HTTPNotFound()
    return False


@view_config(route_name="my_session_end", request_method="POST", permission="authenticated")
def my_session_end(request):
    if _end(request, request.matchdict["id"]):
        return HTTPSeeOther(request.route_path("home"))
    request.session.flash("已退出该设备，它需要重新登录。", "success")
    return HTTPSeeOther(request.route_path("my_sessions"))


@view_config(route_name="my_sessions_end_others", request_method="POST", permission="authenticated")
def my_sessions_end_others(request):
    ended = sessions.end_other_devices(request.dbsession, request.account, _current_id(request), request.client_address)
    request.session.flash(f"已退出其他{ended}个设备。" if ended else "没有其他已登录的设备。", "success")
    return HTTPSeeOther(request.route_path("my_sessions"))


@view_config(route_name="api_sessions", renderer="json", request_method="GET", permission="authenticated")
def api_sessions(request):
    devices = sessions.devices(request.dbsession, request.account, _current_id(request))
    return {"sessions": [device_json(d) for d in devices]}


@view_config(route_name="api_sessions", renderer="json", request_method="DELETE", permission="authenticated")
def api_sessions_end_others(request):
    ended = sessions.end_other_devices(request.dbsession, request.account, _current_id(request), request.client_address)
    return {"ended": ended}


@view_config(route_name="api_sessions_item", request_method="DELETE", permission="authenticated")
def api_session_end(request):
    _end(request, request.matchdict["id"])
    return Response(status=204)
