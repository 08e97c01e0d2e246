"""Staff accounts: reviewers and administrators, created, disabled, given a new password or jurisdiction,
their second factor reset, and listed. Every change is written to the audit log; disabling an account and
resetting its password or second factor end its sessions (engine.accounts.sessions.end_sessions)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from engine import formats, masking
from engine.accounts import second_factor
from engine.accounts.passwords import check_password, hash_password
from engine.accounts.contact import AccountError
from engine.accounts.sessions import devices, end_sessions
from engine.admin.audit import RECENT, AuditFilter, AuditRow, audit, audit_log
from engine.definitions.model import Catalogue
from engine.models import Account, row_id
from engine.paging import Page, parse_page
from engine.regions import load_regions
from engine.validation import FieldError

LOGIN_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")


class AdminError(AccountError):
    """Problems with what an administrator typed, each by its field."""


def _about(session, actor: Account | None, action: str, account: Account, detail: dict,
           remote_addr: str | None) -> None:
    """An entry about an account: named by its login as staff see it (an individual's ID number masked)
    and linked by id, so the account's page finds it without the log holding the number."""
    audit(session, actor, action, masking.shown_login(account.role, account.login_name),
          {**detail, "account": account.id}, remote_addr)


def jurisdiction_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(city code, city name, [(county code, county name)]) for a select with one optgroup per city."""
    regions = load_regions()
    return [(c.code, c.name, [(k.code, k.name) for k in regions.counties(c.code)]) for c in regions.cities()]


def _check_jurisdiction(code: str, errors: list[FieldError]) -> str:
    code = (code or "").strip()
    regions = load_regions()
    if not code:
        errors.append(FieldError("/jurisdiction", "请选择管辖范围"))
    elif regions.get(code) is None:
        errors.append(FieldError("/jurisdiction", "管辖范围须为山西省、一个地市或一个县（市、区）"))
    return code


def _check_login(session, login_name: str, errors: list[FieldError]) -> str:
    login_name = (login_name or "").strip().lower()
    if not login_name:
        errors.append(FieldError("/login_name", "请填写用户名"))
    elif not LOGIN_RE.match(login_name):
        errors.append(FieldError("/login_name", "用户名为3至32位小写字母、数字或 _ . -，以字母开头"))
    elif session.scalar(select(Account.id).where(Account.login_name == login_name)):
        errors.append(FieldError("/login_name", "该用户名已被使用"))
    return login_name


def _check_name(name: str, errors: list[FieldError]) -> str:
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("/name", "请填写姓名"))
    elif len(name) > 64:
        errors.append(FieldError("/name", "姓名不能超过64个字"))
    return name


def create_staff(session, login_name: str, name: str, role: str, password: str,
                 jurisdiction: str | None = None) -> Account:
    if role not in ("reviewer", "admin"):
        raise ValueError(role)
    account = Account(login_name=login_name, role=role, name=name, password_hash=hash_password(password),
                      jurisdiction=jurisdiction)
    session.add(account)
    session.flush()
    return account


def create_reviewer(session, actor: Account | None, login_name: str, name: str, jurisdiction: str,
                    password: str, password_confirm: str | None = None, remote_addr: str | None = None) -> Account:
    errors: list[FieldError] = []
    login_name = _check_login(session, login_name, errors)
    name = _check_name(name, errors)
    jurisdiction = _check_jurisdiction(jurisdiction, errors)
    check_password(password or "", password_confirm, errors, login=login_name)
    if errors:
        raise AdminError(errors)
    account = create_staff(session, login_name, name, "reviewer", password, jurisdiction=jurisdiction)
    _about(session, actor, "account_create", account,
           {"role": "reviewer", "jurisdiction": jurisdiction, "via": "console" if actor is None else "web"},
           remote_addr)
    return account


def create_admin(session, login_name: str, name: str, password: str, password_confirm: str | None = None,
                 actor: Account | None = None, remote_addr: str | None = None) -> Account:
    errors: list[FieldError] = []
    login_name = _check_login(session, login_name, errors)
    name = _check_name(name, errors)
    check_password(password or "", password_confirm, errors, login=login_name)
    if errors:
        raise AdminError(errors)
    account = create_staff(session, login_name, name, "admin", password)
    _about(session, actor, "account_create", account, {"role": "admin", "via": "console" if actor is None else "web"},
           remote_addr)
    return account


def set_active(session, actor: Account, account: Account, active: bool, remote_addr: str | None = None) -> None:
    if account.id == actor.id and not active:
        raise AdminError([FieldError("", "不能停用自己的账号")])
    if account.active == active:
        return
    account.active = active
    if not active:
        end_sessions(session, account.id)
    _about(session, actor, "account_enable" if active else "account_disable", account, {"role": account.role},
           remote_addr)


def reset_password(session, actor: Account, account: Account, password: str, password_confirm: str | None,
                   remote_addr: str | None = None, keep_session: int | None = None) -> None:
    """A new password; every session of the account ends (but `keep_session`, the actor's own when they
    reset their own password)."""
    errors: list[FieldError] = []
    check_password(password or "", password_confirm, errors, login=account.login_name)
    if errors:
        raise AdminError(errors)
    account.password_hash = hash_password(password)
    ended = end_sessions(session, account.id, except_id=keep_session if account.id == actor.id else None)
    # The password itself is never logged, only that it was reset and by whom.
    _about(session, actor, "password_reset", account, {"role": account.role, "sessions_ended": ended}, remote_addr)


def reset_second_factor(session, actor: Account, account: Account, remote_addr: str | None = None) -> None:
    """Forget a staff account's TOTP secret and recovery codes (a lost phone): it enrols again at its next
    sign-in, and every session it has ends now."""
    if account.role not in ("reviewer", "admin"):
        raise AdminError([FieldError("", "只有工作人员账号有两步验证")])
    if account.id == actor.id:
        raise AdminError([FieldError("", "不能重置自己的两步验证，请由另一位系统管理员操作")])
    had = second_factor.remove(session, account)
    ended = end_sessions(session, account.id)
    _about(session, actor, "second_factor_reset", account, {"role": account.role, "had": had,
                                                            "sessions_ended": ended}, remote_addr)


def change_jurisdiction(session, actor: Account, account: Account, jurisdiction: str,
                        remote_addr: str | None = None) -> None:
    errors: list[FieldError] = []
    if account.role != "reviewer":
        errors.append(FieldError("/jurisdiction", "只有审核人员有管辖范围"))
    jurisdiction = _check_jurisdiction(jurisdiction, errors)
    if errors:
        raise AdminError(errors)
    if account.jurisdiction == jurisdiction:
        return
    before, account.jurisdiction = account.jurisdiction, jurisdiction
    _about(session, actor, "jurisdiction_change", account, {"from": before, "to": jurisdiction}, remote_addr)


def set_finance(session, actor: Account, account: Account, finance: bool, remote_addr: str | None = None) -> None:
    """Grant or withdraw 拨付权限 (engine.access.is_finance): a reviewer's right to export the payment workbook
    of the claims 待拨付 in their jurisdiction and to mark them 已拨付."""
    if account.role != "reviewer":
        raise AdminError([FieldError("/finance", "只有审核人员可以授予拨付权限")])
    if bool(account.finance) == finance:
        return
    account.finance = finance
    _about(session, actor, "finance_grant" if finance else "finance_revoke", account, {"role": account.role},
           remote_addr)


ACCOUNTS_PER_PAGE = 50


def list_accounts(session, role: str | None = None, q: str | None = None, page: int = 1,
                  per_page: int = ACCOUNTS_PER_PAGE) -> tuple[list[Account], int]:
    conds = []
    if role:
        conds.append(Account.role == role)
    # Control characters typed or pasted (NUL breaks a PostgreSQL query) count for nothing.
    q = formats.trim(formats.drop_control_chars(q or ""))
    if q:
        conds.append(or_(Account.login_name.contains(q, autoescape=True), Account.name.contains(q, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(Account).where(*conds))
    rows = session.scalars(select(Account).where(*conds).order_by(Account.role.desc(), Account.id)
                           .limit(per_page).offset(Page(parse_page(page), per_page, total).offset)).all()
    return list(rows), total


def account_counts(session) -> dict[str, int]:
    return dict(session.execute(select(Account.role, func.count()).group_by(Account.role)).all())


def get_account(session, account_id) -> Account | None:
    """The account an id from a URL names, or None (also for text no row id can be)."""
    account_id = row_id(account_id)
    return session.get(Account, account_id) if account_id is not None else None


@dataclass
class AccountDetail:
    account: Account
    recent: list[AuditRow]      # the newest log entries naming it
    second_factor: second_factor.Status
    session_count: int          # its live sign-ins (登录设备)


def account_detail(session, catalogue: Catalogue, account_id) -> AccountDetail | None:
    account = get_account(session, account_id)
    if account is None:
        return None
    recent, _, _ = audit_log(session, catalogue, AuditFilter(account_id=account.id, account_login=account.login_name),
                             per_page=RECENT)
    return AccountDetail(account, recent, second_factor.status(session, account),
                         len(devices(session, account, None)))
