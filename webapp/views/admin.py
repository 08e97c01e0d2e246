"""系统管理: accounts, the item catalogue with each workflow drawn, the working-day calendar, and the audit log
with its export."""
from __future__ import annotations

from markupsafe import Markup
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from engine import clock, masking
from engine.admin import audit, calendar, catalogue, deliveries, overview, staff
from engine.paging import page_count, parse_page
from engine.formats import FORMAT_LABELS, TYPE_LABELS
from engine.regions import load_regions
from engine.rules.registry import EFFECTS, GUARDS
from engine.roles import ROLE_LABELS, ROLES, STAFF_ROLES
from engine.validation import FieldError
from engine.workdays import PACKAGE, SOURCE_LABELS, coverage
from webapp.drawing import transition_caption, workflow_svg
from webapp.responses import status_of, xlsx_download

# Staff first: the accounts an administrator manages.
ROLE_CHOICES = [("", "全部角色"), *((r, ROLE_LABELS[r]) for r in sorted(ROLES, key=lambda r: r not in STAFF_ROLES))]


def _base(request, active: str, title: str) -> dict:
    return {"page_title": title, "active_top": "admin", "admin_active": active}


@view_config(route_name="admin_home", renderer="admin_home.jinja2", permission="admin", request_method="GET")
def home(request):
    data = _base(request, "home", "系统管理")
    data.update(vars(overview.summary(request.dbsession, request.registry["catalogue"])))
    return data


# ---- accounts -------------------------------------------------------------------

def _accounts_page(request, values=None, errors=()):
    role = request.params.get("role", "")
    role = role if role in dict(ROLE_CHOICES) else ""
    q = (request.params.get("q") or "").strip()
    page = parse_page(request.params.get("page"))
    rows, total = staff.list_accounts(request.dbsession, role or None, q or None, page)
    data = _base(request, "accounts", "账号管理")
    pages = page_count(total, staff.ACCOUNTS_PER_PAGE)
    data.update(rows=rows, total=total, role=role, q=q, roles=ROLE_CHOICES, page=page, pages=pages,
                page_url=lambda n: request.route_path("admin_accounts", _query={
                    k: v for k, v in {"role": role, "q": q, "page": n}.items() if v and not (k == "page" and n == 1)}),
                values=values or {}, errors=list(errors), choices=staff.jurisdiction_choices())
    return data


@view_config(route_name="admin_accounts", renderer="admin_accounts.jinja2", permission="admin", request_method="GET")
def accounts(request):
    return _accounts_page(request)


@view_config(route_name="admin_accounts", renderer="admin_accounts.jinja2", permission="admin",
             request_method="POST")
def create_reviewer(request):
    values = {k: request.POST.get(k, "") for k in ("login_name", "name", "jurisdiction")}
    try:
        account = staff.create_reviewer(request.dbsession, request.account, values["login_name"], values["name"],
                                        values["jurisdiction"], request.POST.get("password", ""),
                                        request.POST.get("password_confirm", ""), request.client_address)
    except staff.AdminError as e:
        request.response.status_int = status_of(e)
        return _accounts_page(request, values, e.errors)
    request.session.flash(f"已创建审核人员账号“{account.login_name}”", "success")
    return HTTPSeeOther(request.route_path("admin_account", id=account.id))


def _found(value):
    if value is None:
        raise HTTPNotFound()
    return value


def _account_page(request, account_id, errors=(), form=None):
    detail = _found(staff.account_detail(request.dbsession, request.registry["catalogue"], account_id))
    data = _base(request, "accounts", f"账号：{detail.account.name}")
    data.update(target=detail.account, errors=list(errors), form=form, choices=staff.jurisdiction_choices(),
                recent=detail.recent, second_factor=detail.second_factor, session_count=detail.session_count)
    return data


@view_config(route_name="admin_account", renderer="admin_account.jinja2", permission="admin", request_method="GET")
def account_page(request):
    return _account_page(request, request.matchdict["id"])


@view_config(route_name="admin_account", renderer="admin_account.jinja2", permission="admin", request_method="POST")
def account_action(request):
    account = _found(staff.get_account(request.dbsession, request.matchdict["id"]))
    action = request.POST.get("action", "")
    session, me, ip = request.dbsession, request.account, request.client_address
    login = masking.shown_login(account.role, account.login_name)
    try:
        if action == "disable":
            staff.set_active(session, me, account, False, ip)
            message = f"已停用账号“{login}”，该账号将无法登录"
        elif action == "enable":
            staff.set_active(session, me, account, True, ip)
            message = f"已启用账号“{login}”"
        elif action == "reset_password":
            staff.reset_password(session, me, account, request.POST.get("password", ""),
                                 request.POST.get("password_confirm", ""), ip, keep_session=request.auth.session_id)
            message = f"已重置“{login}”的密码，其登录设备均已退出；请将新密码当面或电话告知本人"
        elif action == "reset_second_factor":
            staff.reset_second_factor(session, me, account, ip)
            message = f"已重置“{login}”的两步验证，其登录设备均已退出；下次登录时需重新绑定"
        elif action == "jurisdiction":
            staff.change_jurisdiction(session, me, account, request.POST.get("jurisdiction", ""), ip)
            message = f"已将“{login}”的管辖范围改为{load_regions().label(account.jurisdiction)}"
        elif action in ("finance_grant", "finance_revoke"):
            staff.set_finance(session, me, account, action == "finance_grant", ip)
            message = f"已{'授予' if account.finance else '取消'}“{login}”的拨付权限"
        else:
            raise staff.AdminError([FieldError("", "未知的操作")])
    except staff.AdminError as e:
        request.response.status_int = status_of(e)
        return _account_page(request, account.id, e.errors, form=action)
    request.session.flash(message, "success")
    return HTTPSeeOther(request.route_path("admin_account", id=account.id))


# ---- the catalogue ---------------------------------------------------------------

@view_config(route_name="admin_items", renderer="admin_items.jinja2", permission="admin", request_method="GET")
def items(request):
    data = _base(request, "items", "事项目录")
    data.update(infos=catalogue.catalogue_overview(request.dbsession, request.registry["catalogue"]))
    return data


@view_config(route_name="admin_item", renderer="admin_item.jinja2", permission="admin", request_method="GET")
def item(request):
    info = _found(catalogue.item_info(request.dbsession, request.registry["catalogue"], request.matchdict["key"]))
    data = _base(request, "items", f"事项：{info.item.title}")
    data.update(info=info, diagram=Markup(workflow_svg(info.workflow)), caption=transition_caption,
                guard_labels=GUARDS.labels, effect_labels=EFFECTS.labels, format_labels=FORMAT_LABELS,
                type_labels=TYPE_LABELS)
    return data


# ---- the working-day calendar ----------------------------------------------------

WEEKDAY_NAMES = "一二三四五六日"


def _calendar_page(request, year: int, month: int, values=None, errors=()):
    view = calendar.year_view(request.dbsession, year, month)
    first, last = coverage()
    data = _base(request, "calendar", "工作日历")

    def month_url(y, m):
        return request.route_path("admin_calendar", _query={"year": y, "month": m})

    data.update(view=view, values=values or {}, errors=list(errors), package=PACKAGE, first=first, last=last,
                weekdays=WEEKDAY_NAMES, month_url=month_url, kinds=calendar.KIND_LABELS, sources=SOURCE_LABELS,
                years=range(calendar.FIRST_YEAR, max(last, clock.today().year) + 3))
    return data


@view_config(route_name="admin_calendar", renderer="admin_calendar.jinja2", permission="admin", request_method="GET")
def calendar_page(request):
    return _calendar_page(request, *calendar.parse_month(request.params.get("year"), request.params.get("month")))


@view_config(route_name="admin_calendar", renderer="admin_calendar.jinja2", permission="admin",
             request_method="POST")
def calendar_change(request):
    year, month = calendar.parse_month(request.POST.get("year"), request.POST.get("month"))
    action = request.POST.get("action", "")
    values = {k: request.POST.get(k, "") for k in ("start", "end", "kind", "note")}
    try:
        if action == "remove":
            day = calendar.remove_day(request.dbsession, request.account, request.POST.get("day", ""),
                                      request.client_address)
            message = f"已删除{day:%Y-%m-%d}的管理员设置，该日恢复为内置安排"
        elif action == "set":
            days = calendar.set_days(request.dbsession, request.account, values["start"], values["end"],
                                     values["kind"], values["note"], request.client_address)
            day = days[0]
            span = f"{days[0]:%Y-%m-%d}" + (f"至{days[-1]:%Y-%m-%d}（{len(days)}天）" if len(days) > 1 else "")
            message = f"已将{span}设为{calendar.KIND_LABELS[values['kind']]}"
        else:
            raise calendar.CalendarError([FieldError("", "未知的操作")])
    except calendar.CalendarError as e:
        request.response.status_int = status_of(e)
        return _calendar_page(request, year, month, values, e.errors)
    request.session.flash(message, "success")
    return HTTPSeeOther(request.route_path("admin_calendar", _query={"year": day.year, "month": day.month}))


# ---- the audit log ---------------------------------------------------------------

@view_config(route_name="admin_audit", renderer="admin_audit.jinja2", permission="admin", request_method="GET")
def audit_page(request):
    f, errors = audit.AuditFilter.from_params(request.GET)
    rows, total, pages = audit.audit_log(request.dbsession, request.registry["catalogue"], f)
    data = _base(request, "audit", "审计日志")
    shown = str(total) if total <= audit.AUDIT_COUNT_CAP else f"{audit.AUDIT_COUNT_CAP}+"
    data.update(rows=rows, total=shown, pages=pages, f=f, errors=errors,
                page_url=lambda n: request.route_path("admin_audit", _query=f.params(page=n)),
                export_url=request.route_path("admin_audit_xlsx", _query=f.params(page=1)))
    return data


@view_config(route_name="admin_audit_xlsx", permission="admin", request_method="GET")
def audit_export(request):
    f, _ = audit.AuditFilter.from_params(request.GET)
    body, _, _ = audit.audit_xlsx(request.dbsession, request.registry["catalogue"], f)
    day = f"{clock.today():%Y%m%d}"
    return xlsx_download(body, f"审计日志-{day}.xlsx", f"audit-{day}.xlsx")


# ---- deliveries of notices ---------------------------------------------------------

@view_config(route_name="admin_deliveries", renderer="admin_deliveries.jinja2", permission="admin",
             request_method="GET")
def deliveries_page(request):
    f = deliveries.DeliveryFilter.from_params(request.GET)
    rows, page, counts = deliveries.list_deliveries(request.dbsession, f)
    data = _base(request, "deliveries", "通知发送")
    data.update(rows=rows, page=page, counts=counts, f=f, states=deliveries.STATE_LABELS,
                channels=[(c, deliveries.CHANNEL_LABELS[c]) for c in deliveries.CHANNELS],
                page_url=lambda n: request.route_path("admin_deliveries", _query=f.params(page=n)),
                state_url=lambda state: request.route_path("admin_deliveries", _query=f.params(state=state, page=1)),
                here=request.path_qs)
    return data


@view_config(route_name="admin_delivery_resend", permission="admin", request_method="POST")
def delivery_resend(request):
    back = request.POST.get("next") or ""
    back = back if back.startswith("/admin/deliveries") else request.route_path("admin_deliveries")
    try:
        d = deliveries.resend(request.dbsession, request.account, request.matchdict["id"], request.client_address)
    except deliveries.ResendRefused as e:
        if e.kind == "not_found":
            raise HTTPNotFound() from None
        request.session.flash(e.message, "error")
    else:
        request.session.flash(f"已重新加入发送队列（{deliveries.CHANNEL_LABELS.get(d.channel, d.channel)}，"
                              f"编号{d.id}），稍后由发送进程发出", "success")
    return HTTPSeeOther(back)
