"""Registration: units and individuals sign themselves up; every problem is reported at once, by its field.

Signing up answers whether a credit code or an ID number is registered already, and makes accounts: each
client address may try it jianxi.register_limit_per_address times (default 10 an hour, page and any
caller alike, every attempt counted), checked by `admit` before anything is read (engine.throttle).
"""
from __future__ import annotations

from sqlalchemy import select

from engine import formats, throttle
from engine.accounts.contact import AccountError, check_email, check_mobile
from engine.accounts.passwords import check_password, hash_password
from engine.models import Account, Unit
from engine.validation import FieldError

__all__ = ["AccountError", "TooManyRegistrations", "admit", "limit", "register_individual", "register_unit"]


NAME_MAX = 30  # a person's name (accounts.name holds 64)
PER_ADDRESS = ("register.address", "jianxi.register_limit_per_address", "10/1h")


class TooManyRegistrations(throttle.Refused):
    def __init__(self, verdict: throttle.Verdict):
        super().__init__(f"注册过于频繁，请{verdict.retry_minutes}分钟后再试", verdict)


def limit(settings: dict) -> throttle.Limit:
    """The sign-ups' limit per client address from the ini (ValueError for a bad value: read at start-up)."""
    return throttle.Limit.from_setting(*PER_ADDRESS[:2], settings.get(PER_ADDRESS[1]), PER_ADDRESS[2])


def admit(session, address: str | None, rule: throttle.Limit) -> None:
    """Count one sign-up attempt of this client address; TooManyRegistrations past the limit."""
    verdict = rule.hit(session, throttle.address_key(address))
    if not verdict.allowed:
        raise TooManyRegistrations(verdict)


def _check_text(value: str, errors: list[FieldError], field: str, label: str, max_len: int) -> None:
    """A name as typed: filled, not too long, and free of control characters pasted in with it."""
    if not value:
        errors.append(FieldError(field, f"请填写{label}"))
    elif len(value) > max_len:
        errors.append(FieldError(field, f"{label}不能超过{max_len}个字"))
    elif formats.has_control_chars(value):
        errors.append(FieldError(field, f"{label}含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"))


def _check_code(session, code: str, errors: list[FieldError], field: str, label: str, check, taken,
                next_step: str) -> None:
    """The code an account is known by: filled, well formed, and not registered already (`taken` finds it)."""
    if not code:
        errors.append(FieldError(field, f"请填写{label}"))
    elif problem := check(code):
        errors.append(FieldError(field, label + problem))
    elif session.scalar(taken):
        errors.append(FieldError(field, f"该{label}已注册，{next_step}"))


def register_unit(session, name: str, credit_code: str, contact_name: str, mobile: str,
                  password: str, password_confirm: str | None = None, email: str | None = None) -> Account:
    errors: list[FieldError] = []
    name = formats.trim(name or "")
    credit_code = formats.normalize_code(credit_code or "")
    contact_name = formats.trim(contact_name or "")
    _check_text(name, errors, "/unit_name", "单位名称", 100)
    _check_code(session, credit_code, errors, "/credit_code", "统一社会信用代码", formats.check_credit_code,
                select(Unit.id).where(Unit.credit_code == credit_code), "请直接登录或找回密码")
    _check_text(contact_name, errors, "/contact_name", "联系人姓名", NAME_MAX)
    mobile = check_mobile(mobile, errors, label="联系人手机号")
    email = check_email(email or "", errors)
    check_password(password, password_confirm, errors, login=credit_code)
    if errors:
        raise AccountError(errors)
    unit = Unit(name=name, credit_code=credit_code)
    session.add(unit)
    # The person who registers a unit administers it (invites and removes its agents: engine/accounts/agents.py).
    account = Account(login_name=credit_code, role="unit", name=contact_name, mobile=mobile, email=email,
                      password_hash=hash_password(password), unit=unit, unit_admin=True)
    session.add(account)
    session.flush()
    return account


def register_individual(session, name: str, id_number: str, mobile: str, password: str,
                        password_confirm: str | None = None, profile: dict | None = None,
                        email: str | None = None, educations: tuple[str, ...] = ()) -> Account:
    """`educations`: the 学历 a person may give (the definitions' one list); empty accepts any."""
    errors: list[FieldError] = []
    name = formats.trim(name or "")
    id_number = formats.normalize_code(id_number or "")
    _check_text(name, errors, "/name", "姓名", NAME_MAX)
    _check_code(session, id_number, errors, "/id_number", "身份证号", formats.check_id_number,
                select(Account.id).where(Account.login_name == id_number), "请直接登录")
    mobile = check_mobile(mobile, errors)
    email = check_email(email or "", errors)
    education = (profile or {}).get("education")
    if education and educations and education not in educations:
        errors.append(FieldError("/education", "请从列表中选择学历"))
    check_password(password, password_confirm, errors, login=id_number)
    if errors:
        raise AccountError(errors)
    account = Account(login_name=id_number, role="individual", name=name, mobile=mobile, email=email,
                      id_number=id_number,
                      password_hash=hash_password(password), profile=profile or {})
    session.add(account)
    session.flush()
    return account
