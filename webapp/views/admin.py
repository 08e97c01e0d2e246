"""系统管理: accounts, the item catalogue with each workflow drawn, and the audit log with its export."""
from __future__ import annotations

from markupsafe import Markup
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select

from engine import admin, clock
from engine.models import Account, Case, row_id
from engine.paging import page_count, parse_page
from engine.regions import load_regions
from engine.roles import ROLE_LABELS, ROLES, STAFF_ROLES
from engine.validation import FieldError
from webapp.responses import xlsx_download

# Staff first: the accounts an administrator manages.
ROLE_CHOICES = [("", "全部角色"), *((r, ROLE_LABELS[r]) for r in sorted(ROLES, key=lambda r: r not in STAFF_ROLES))]


def _base(request, active: str, title: str) -> dict:
    return {"page_title": title, "active_top": "admin", "admin_active": active}


@view_config(route_name="admin_home", renderer="admin_home.jinja2", permission="admin", request_method="GET")
def home(request):
    session = request.dbsession
    catalogue = request.registry["catalogue"]
    data = _base(request, "home", "系统管理")
    data.update(roles=admin.account_counts(session), cases=session.scalar(select(func.count()).select_from(Case)),
                items=len(catalogue.items), workflows=len(catalogue.workflows),
                recent=admin.audit_log(session, catalogue, admin.AuditFilter(), per_page=10)[0])
    return data


# ---- accounts -------------------------------------------------------------------

def _accounts_page(request, values=None, errors=()):
    role = request.params.get("role", "")
    role = role if role in dict(ROLE_CHOICES) else ""
    q = (request.params.get("q") or "").strip()
    page = parse_page(request.params.get("page"))
    rows, total = admin.list_accounts(request.dbsession, role or None, q or None, page)
    data = _base(request, "accounts", "账号管理")
    pages = page_count(total, admin.ACCOUNTS_PER_PAGE)
    data.update(rows=rows, total=total, role=role, q=q, roles=ROLE_CHOICES, page=page, pages=pages,
                page_url=lambda n: request.route_path("admin_accounts", _query={
                    k: v for k, v in {"role": role, "q": q, "page": n}.items() if v and not (k == "page" and n == 1)}),
                values=values or {}, errors=list(errors), choices=admin.jurisdiction_choices())
    return data


@view_config(route_name="admin_accounts", renderer="admin_accounts.jinja2", permission="admin", request_method="GET")
def accounts(request):
    return _accounts_page(request)


@view_config(route_name="admin_accounts", renderer="admin_accounts.jinja2", permission="admin",
             request_method="POST")
def create_reviewer(request):
    values = {k: request.POST.get(k, "") for k in ("login_name", "name", "jurisdiction")}
    try:
        account = admin.create_reviewer(request.dbsession, request.account, values["login_name"], values["name"],
                                        values["jurisdiction"], request.POST.get("password", ""),
                                        request.POST.get("password_confirm", ""), request.remote_addr)
    except admin.AdminError as e:
        request.response.status_int = 422
        return _accounts_page(request, values, e.errors)
    request.session.flash(f"已创建审核人员账号“{account.login_name}”", "success")
    return HTTPSeeOther(request.route_path("admin_account", id=account.id))


def _account_or_404(request) -> Account:
    account_id = row_id(request.matchdict["id"])
    account = request.dbsession.get(Account, account_id) if account_id is not None else None
    if account is None:
        raise HTTPNotFound()
    return account


def _account_page(request, account, errors=(), form=None):
    data = _base(request, "accounts", f"账号：{account.name}")
    recent, _, _ = admin.audit_log(request.dbsession, request.registry["catalogue"],
                                   admin.AuditFilter(q=account.login_name), per_page=10)
    data.update(target=account, errors=list(errors), form=form, choices=admin.jurisdiction_choices(),
                recent=recent)
    return data


@view_config(route_name="admin_account", renderer="admin_account.jinja2", permission="admin", request_method="GET")
def account_page(request):
    return _account_page(request, _account_or_404(request))


@view_config(route_name="admin_account", renderer="admin_account.jinja2", permission="admin", request_method="POST")
def account_action(request):
    account = _account_or_404(request)
    action = request.POST.get("action", "")
    session, me, ip = request.dbsession, request.account, request.remote_addr
    try:
        if action == "disable":
            admin.set_active(session, me, account, False, ip)
            message = f"已停用账号“{account.login_name}”，该账号将无法登录"
        elif action == "enable":
            admin.set_active(session, me, account, True, ip)
            message = f"已启用账号“{account.login_name}”"
        elif action == "reset_password":
            admin.reset_password(session, me, account, request.POST.get("password", ""),
                                 request.POST.get("password_confirm", ""), ip)
            message = f"已重置“{account.login_name}”的密码，请将新密码当面或电话告知本人"
        elif action == "jurisdiction":
            admin.change_jurisdiction(session, me, account, request.POST.get("jurisdiction", ""), ip)
            message = f"已将“{account.login_name}”的管辖范围改为{load_regions().label(account.jurisdiction)}"
        else:
            raise admin.AdminError([FieldError("", "未知的操作")])
    except admin.AdminError as e:
        request.response.status_int = 422
        return _account_page(request, account, e.errors, form=action)
    request.session.flash(message, "success")
    return HTTPSeeOther(request.route_path("admin_account", id=account.id))


# ---- the catalogue ---------------------------------------------------------------

@view_config(route_name="admin_items", renderer="admin_items.jinja2", permission="admin", request_method="GET")
def items(request):
    data = _base(request, "items", "事项目录")
    data.update(infos=admin.catalogue_overview(request.dbsession, request.registry["catalogue"]))
    return data


@view_config(route_name="admin_item", renderer="admin_item.jinja2", permission="admin", request_method="GET")
def item(request):
    info = admin.item_info(request.dbsession, request.registry["catalogue"], request.matchdict["key"])
    if info is None:
        raise HTTPNotFound()
    data = _base(request, "items", f"事项：{info.item.title}")
    data.update(info=info, diagram=Markup(admin.workflow_svg(info.workflow)),
                caption=admin.transition_caption)
    return data


# ---- the audit log ---------------------------------------------------------------

@view_config(route_name="admin_audit", renderer="admin_audit.jinja2", permission="admin", request_method="GET")
def audit(request):
    f, errors = admin.AuditFilter.from_params(request.GET)
    rows, total, pages = admin.audit_log(request.dbsession, request.registry["catalogue"], f)
    data = _base(request, "audit", "审计日志")
    shown = str(total) if total <= admin.AUDIT_COUNT_CAP else f"{admin.AUDIT_COUNT_CAP}+"
    data.update(rows=rows, total=shown, pages=pages, f=f, errors=errors,
                page_url=lambda n: request.route_path("admin_audit", _query=f.params(page=n)),
                export_url=request.route_path("admin_audit_xlsx", _query=f.params(page=1)))
    return data


@view_config(route_name="admin_audit_xlsx", permission="admin", request_method="GET")
def audit_xlsx(request):
    f, _ = admin.AuditFilter.from_params(request.GET)
    body, _, _ = admin.audit_xlsx(request.dbsession, request.registry["catalogue"], f)
    day = f"{clock.today():%Y%m%d}"
    return xlsx_download(body, f"审计日志-{day}.xlsx", f"audit-{day}.xlsx")
