"""登录, 注册, 退出, 账号信息 — pages and the JSON session and account endpoints."""
from __future__ import annotations

from urllib.parse import quote

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.security import forget, remember
from pyramid.view import view_config

from engine.accounts.contact import AccountError, mobile_label, update_contact
from engine.accounts.login import Throttled, authenticate
from engine.accounts.registration import TooManyRegistrations, admit, register_individual, register_unit
from engine.masking import shown_login
from engine.validation import FieldError
from webapp.payloads import json_object
from webapp.responses import api_error, refusal, throttled

TABS = ("unit", "individual")


def safe_came_from(value: str | None) -> str | None:
    """Only paths on this site, so the login page cannot send people elsewhere.

    A control character (a newline pasted into the address, or an attempt at a second header) makes the
    address worthless: the login still succeeds and lands on the usual page. Chinese text in the path is
    percent-encoded, since a Location header is ASCII."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    return quote(value, safe="/?&=%#:;@!$'()*+,~-._[]")


def landing(request, account) -> str:
    return {"reviewer": request.route_path("review_queue"), "admin": request.route_path("admin_home")}.get(
        account.role, request.route_path("home"))


def _login(request, tab: str, template_action: str):
    came_from = safe_came_from(request.params.get("came_from"))
    values = {"login": request.POST.get("login", "")}
    errors: list[FieldError] = []
    if request.method == "POST":
        try:
            result = authenticate(request.dbsession, tab, values["login"], request.POST.get("password", ""),
                                  request.client_address, request.registry.settings["jianxi.login_limits"])
        except Throttled as e:
            throttled(request, e)
            errors.append(FieldError("", e.message))
        else:
            if result.account is not None:
                remember(request, result.account.id)
                return HTTPSeeOther(came_from or landing(request, result.account))
            errors.append(FieldError("", result.message))
    return {"tab": tab, "values": values, "errors": errors, "came_from": came_from, "action": template_action}


@view_config(route_name="login", renderer="login.jinja2", request_method=("GET", "POST"))
def login(request):
    tab = request.params.get("tab", "unit")
    tab = tab if tab in TABS else "unit"
    return _login(request, tab, request.route_path("login"))


@view_config(route_name="staff_login", renderer="login.jinja2", request_method=("GET", "POST"))
def staff_login(request):
    return _login(request, "staff", request.route_path("staff_login"))


@view_config(route_name="logout", request_method="POST")
def logout(request):
    forget(request)
    return HTTPSeeOther(request.route_path("home"))


def _register(request, kind: str):
    fields = (("unit_name", "credit_code", "contact_name", "mobile", "email") if kind == "unit"
              else ("name", "id_number", "mobile", "email", "education", "school", "major"))
    values = {k: request.POST.get(k, "") for k in fields}
    errors: list[FieldError] = []
    if request.method == "POST":
        try:
            admit(request.dbsession, request.client_address, request.registry.settings["jianxi.registration_limit"])
            if kind == "unit":
                account = register_unit(request.dbsession, values["unit_name"], values["credit_code"],
                                        values["contact_name"], values["mobile"], request.POST.get("password", ""),
                                        request.POST.get("password_confirm", ""), email=values["email"])
            else:
                profile = {k: values[k].strip() for k in ("education", "school", "major") if values[k].strip()}
                account = register_individual(request.dbsession, values["name"], values["id_number"],
                                              values["mobile"], request.POST.get("password", ""),
                                              request.POST.get("password_confirm", ""), profile=profile,
                                              email=values["email"])
        except AccountError as e:
            errors = e.errors
        except TooManyRegistrations as e:
            throttled(request, e)
            errors = [FieldError("", e.message)]
        else:
            remember(request, account.id)
            request.session.flash("注册成功，已为您登录。", "success")
            return HTTPSeeOther(request.route_path("home"))
    return {"kind": kind, "values": values, "errors": errors}


@view_config(route_name="register_unit", renderer="register.jinja2", request_method=("GET", "POST"))
def register_unit_view(request):
    return _register(request, "unit")


@view_config(route_name="register_individual", renderer="register.jinja2", request_method=("GET", "POST"))
def register_individual_view(request):
    return _register(request, "individual")


@view_config(route_name="api_session", request_method="POST", renderer="json", require_csrf=False)
def api_login(request):
    """JSON login. CSRF does not apply before a session exists; the answer carries the token for later calls."""
    from pyramid.csrf import new_csrf_token
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"kind\": \"unit\", \"login\": \"…\", \"password\": \"…\"}")
    kind = body.get("kind", "unit")
    if kind not in ("unit", "individual", "staff"):
        return api_error(request, 422, "kind 须为 unit、individual 或 staff")
    login, password = body.get("login", ""), body.get("password", "")
    if not isinstance(login, str) or not isinstance(password, str):
        return api_error(request, 422, "login 和 password 须为字符串")
    try:
        result = authenticate(request.dbsession, kind, login, password, request.client_address,
                              request.registry.settings["jianxi.login_limits"])
    except Throttled as e:
        return refusal(request, e)
    if result.account is None:
        return api_error(request, 401, result.message)
    remember(request, result.account.id)
    account = result.account
    return {"account": {"id": account.id, "role": account.role, "name": account.name,
                        "unit": {"name": account.unit.name, "credit_code": account.unit.credit_code}
                        if account.unit else None},
            "csrf_token": new_csrf_token(request)}


@view_config(route_name="api_session", request_method="DELETE")
def api_logout(request):
    forget(request)
    return Response(status=204)


# ---- 账号信息: the signed-in person's own contact details ------------------------------

def account_json(account) -> dict:
    """What the person is shown of their own account (their login as anyone sees it: an ID number masked)."""
    return {"id": account.id, "role": account.role, "name": account.name,
            "login": shown_login(account.role, account.login_name),
            "unit": {"name": account.unit.name, "credit_code": account.unit.credit_code} if account.unit else None,
            "mobile": account.mobile, "email": account.email}


@view_config(route_name="account", renderer="account.jinja2", request_method=("GET", "POST"),
             permission="authenticated")
def account_page(request):
    account = request.account
    values = {"email": account.email or "", "mobile": account.mobile or ""}
    errors: list[FieldError] = []
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            changed = update_contact(request.dbsession, account, values["email"], values["mobile"],
                                     request.client_address)
        except AccountError as e:
            errors = e.errors
            request.response.status_int = 422
        else:
            request.session.flash("联系方式已保存。" if changed else "联系方式没有变化。", "success")
            return HTTPSeeOther(request.route_path("account"))
    return {"page_title": "账号信息", "active_top": "account", "values": values, "errors": errors,
            "shown": account_json(account), "mobile_label": mobile_label(account)}


@view_config(route_name="api_account", renderer="json", request_method="GET", permission="authenticated")
def api_account(request):
    return account_json(request.account)


@view_config(route_name="api_account", renderer="json", request_method="PATCH", permission="authenticated")
def api_account_update(request):
    """Change email and/or mobile; a field left out keeps its value, null or "" clears it (where allowed)."""
    body = json_object(request) if request.body else None
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"email\": \"zhangsan@example.com\"}")
    account = request.account
    wrong = [k for k in ("email", "mobile") if k in body and not isinstance(body[k], (str, type(None)))]
    unknown = sorted(set(body) - {"email", "mobile"})
    if wrong or unknown:
        return api_error(request, 422, "只能修改 email 和 mobile，取值须为字符串或 null",
                         errors=[{"field": k, "message": "须为字符串或 null" if k in wrong else "不能修改此项"}
                                 for k in (*wrong, *unknown)])
    email = body["email"] if "email" in body else account.email
    mobile = body["mobile"] if "mobile" in body else account.mobile
    try:
        update_contact(request.dbsession, account, email, mobile, request.client_address)
    except AccountError as e:
        return api_error(request, 422, e.errors[0].message, errors=[x.as_dict() for x in e.errors])
    return account_json(account)
