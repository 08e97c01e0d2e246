"""登录, 注册, 退出, 账号信息 — pages and the JSON session and account endpoints."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.security import forget, remember
from pyramid.view import view_config

from engine.accounts import second_factor
from engine.accounts.contact import AccountError, mobile_label, update_contact
from engine.accounts.login import Throttled, authenticate
from engine.accounts.registration import TooManyRegistrations, admit, register_individual, register_unit
from engine.masking import shown_login
from engine.positions.unit import intent_educations
from engine.validation import FieldError
from webapp.oidc import provider_logout_url, unified
from webapp.payloads import json_object
from webapp.responses import api_error, refusal, throttled
from webapp.security import second_factor_needed

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


def after_password(request, came_from: str | None, account) -> HTTPSeeOther:
    """Where a right password leads: the code page or enrolment for staff who need it, else their page."""
    need = second_factor_needed(request)
    if need is not None:
        route = "staff_code" if need == second_factor.CODE else "staff_enrol"
        return HTTPSeeOther(request.route_path(route, _query={"came_from": came_from} if came_from else {}))
    return HTTPSeeOther(came_from or landing(request, account))
def local_off_message(tab: str) -> str:
    """Where local password login is off (production.ini): units or individuals sign in through the unified login."""
    return f"{'单位' if tab == 'unit' else '个人'}请通过政务服务网统一身份认证登录，首次登录即自动建立账号"


def _login(request, tab: str, template_action: str):
    came_from = safe_came_from(request.params.get("came_from"))
    values = {"login": request.POST.get("login", "")}
    errors: list[FieldError] = []
    config = unified(request)
    local = tab == "staff" or config.local(tab)
    if request.method == "POST" and not local:
        errors.append(FieldError("", local_off_message(tab)))
        request.response.status_int = 403
    elif request.method == "POST":
        try:
            result = authenticate(request.dbsession, tab, values["login"], request.POST.get("password", ""),
                                  request.client_address, request.registry.settings["jianxi.login_limits"])
        except Throttled as e:
            throttled(request, e)
            errors.append(FieldError("", e.message))
        else:
            if result.account is not None:
                remember(request, result.account.id)
                return after_password(request, came_from, result.account)
            errors.append(FieldError("", result.message))
    return {"tab": tab, "values": values, "errors": errors, "came_from": came_from, "action": template_action,
            "local": local, "unified": tab != "staff" and config.offers(tab), "unified_label": config.label}


@view_config(route_name="login", renderer="login.jinja2", request_method=("GET", "POST"))
def login(request):
    tab = request.params.get("tab", "unit")
    tab = tab if tab in TABS else "unit"
    return _login(request, tab, request.route_path("login"))


@view_config(route_name="staff_login", renderer="login.jinja2", request_method=("GET", "POST"))
def staff_login(request):
    return _login(request, "staff", request.route_path("staff_login"))


def _forget_checked(request) -> None:
    """Logout. The CSRF token is checked only while there is a session to end: signing out of one that has
    already ended (elsewhere, or by expiry) changes nothing, and its old token is no longer anyone's."""
    from pyramid.csrf import check_csrf_origin, check_csrf_token
    if request.auth.row is not None:
        check_csrf_origin(request)      # (over HTTPS only, as Pyramid's own check)
        check_csrf_token(request)
    forget(request)


@view_config(route_name="logout", request_method="POST", require_csrf=False)
def logout(request):
    """Our session ends first; a unified login then ends the provider's too (RP-initiated logout)."""
    at_provider = provider_logout_url(request) if request.account is not None else None
    _forget_checked(request)
    return HTTPSeeOther(at_provider or request.route_path("home"))


def _register(request, kind: str):
    if not unified(request).local(kind):
        from pyramid.renderers import render_to_response
        response = render_to_response("error.jinja2", {"title": "无需注册", "message": local_off_message(kind)},
                                      request=request)
        response.status_int = 404
        return response
    fields = (("unit_name", "credit_code", "contact_name", "mobile", "email") if kind == "unit"
              else ("name", "id_number", "mobile", "email", "education", "school", "major"))
    values = {k: request.POST.get(k, "") for k in fields}
    # A person's 学历: the one list, that of the form the units report people in (engine.positions.unit).
    educations = intent_educations(request.registry["catalogue"]) if kind == "individual" else ()
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
                                              email=values["email"], educations=educations)
        except AccountError as e:
            errors = e.errors
        except TooManyRegistrations as e:
            throttled(request, e)
            errors = [FieldError("", e.message)]
        else:
            remember(request, account.id)
            request.session.flash("注册成功，已为您登录。", "success")
            return HTTPSeeOther(request.route_path("home"))
    return {"kind": kind, "values": values, "errors": errors, "educations": educations}


@view_config(route_name="register_unit", renderer="register.jinja2", request_method=("GET", "POST"))
def register_unit_view(request):
    return _register(request, "unit")


@view_config(route_name="register_individual", renderer="register.jinja2", request_method=("GET", "POST"))
def register_individual_view(request):
    return _register(request, "individual")


def cross_site(request) -> bool:
    """A request a page of another site made the browser send: its Origin is not ours (nor jianxi.public_url's),
    or the browser says so (Sec-Fetch-Site). Programs send neither header and are not refused."""
    origin = request.headers.get("Origin")
    if origin is not None:
        public = request.registry.settings.get("jianxi.public_url") or ""
        ours = {request.host_url.rstrip("/"), "{0.scheme}://{0.netloc}".format(urlsplit(public)) if public else ""}
        if origin.rstrip("/") not in ours - {""}:
            return True
    return request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none")


@view_config(route_name="api_session", request_method="POST", renderer="json", require_csrf=False)
def api_login(request):
    """JSON login. CSRF tokens do not apply before a session exists, so a cross-site form (which could log a
    victim into another account) is refused by its headers: another Origin or Sec-Fetch-Site, or a body that
    is not application/json (which no form can send without a CORS preflight). The answer carries the token
    for later calls. Staff who have a second factor send its code (or a recovery code) as `code`."""
    from pyramid.csrf import new_csrf_token
    if cross_site(request):
        return api_error(request, 403, "不接受来自其他网站的登录请求")
    if request.content_type != "application/json":
        return api_error(request, 415, "请求体须为 JSON（Content-Type: application/json）")
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"kind\": \"unit\", \"login\": \"…\", \"password\": \"…\"}")
    kind = body.get("kind", "unit")
    if kind not in ("unit", "individual", "staff"):
        return api_error(request, 422, "kind 须为 unit、individual 或 staff")
    login, password, code = body.get("login", ""), body.get("password", ""), body.get("code")
    if not isinstance(login, str) or not isinstance(password, str) or not isinstance(code, (str, type(None))):
        return api_error(request, 422, "login、password 和 code 须为字符串")
    if kind != "staff" and not unified(request).local(kind):
        return api_error(request, 403, local_off_message(kind))
    try:
        result = authenticate(request.dbsession, kind, login, password, request.client_address,
                              request.registry.settings["jianxi.login_limits"])
    except Throttled as e:
        return refusal(request, e)
    if result.account is None:
        return api_error(request, 401, result.message)
    account = result.account
    need = second_factor.needed(request.dbsession, account, request.registry["jianxi.staff_totp"])
    if need == second_factor.ENROL:
        return api_error(request, 403, "工作人员须先在网页上绑定两步验证（登录 /staff/login 后按提示操作）",
                         second_factor="enrol")
    if need == second_factor.CODE:
        if not code:
            return api_error(request, 401, "请在 code 中提供验证器显示的6位验证码（或一个恢复码）",
                             second_factor="code")
        try:
            second_factor.verify(request.dbsession, account, code, request.client_address)
        except second_factor.TooManyCodes as e:
            return refusal(request, e)
        except second_factor.SecondFactorError as e:
            return api_error(request, 401, e.message, second_factor="code")
    remember(request, account.id, second_factor=True)
    return {"account": {"id": account.id, "role": account.role, "name": account.name,
                        "unit": {"name": account.unit.name, "credit_code": account.unit.credit_code}
                        if account.unit else None},
            "csrf_token": new_csrf_token(request)}


@view_config(route_name="api_session", request_method="DELETE", require_csrf=False)
def api_logout(request):
    _forget_checked(request)
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
            "shown": account_json(account), "mobile_label": mobile_label(account),
            "second_factor_on": second_factor.confirmed(request.dbsession, account) is not None}


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
