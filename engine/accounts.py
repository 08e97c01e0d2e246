"""Accounts: registration, password hashing (argon2) and throttled authentication."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from engine import formats
from engine.models import Account, AuditEntry, LoginAttempt, Unit, utcnow
from engine.validation import FieldError

def _make_hasher() -> PasswordHasher:
    # The test suite hashes thousands of passwords; it may ask for the cheapest argon2id parameters.
    # Production never sets this, and a hash made either way verifies under both.
    if os.environ.get("JIANXI_FAST_PASSWORD_HASH") == "1":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _make_hasher()

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_NAME_MAX = 64  # accounts.login_name and login_attempts.login_name are VARCHAR(64)
MIN_PASSWORD = 8


class AccountError(Exception):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


class Throttled(Exception):
    message = "登录失败次数过多，请15分钟后再试"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_password(password: str, confirm: str | None, errors: list[FieldError]) -> None:
    if not password:
        errors.append(FieldError("/password", "请填写密码"))
    elif len(password) < MIN_PASSWORD:
        errors.append(FieldError("/password", f"密码至少{MIN_PASSWORD}位"))
    elif not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
        errors.append(FieldError("/password", "密码须同时包含字母和数字"))
    if confirm is not None and password and confirm != password:
        errors.append(FieldError("/password_confirm", "两次输入的密码不一致"))


def _check_mobile(mobile: str, errors: list[FieldError], field="/mobile", label="手机号") -> str:
    mobile = formats.normalize_mobile(mobile or "")
    if not mobile:
        errors.append(FieldError(field, f"请填写{label}"))
    elif problem := formats.check_mobile(mobile):
        errors.append(FieldError(field, label + problem))
    return mobile


NAME_MAX = 30  # a person's name (accounts.name holds 64)


def _check_text(value: str, errors: list[FieldError], field: str, label: str, max_len: int) -> None:
    """A name as typed: filled, not too long, and free of control characters pasted in with it."""
    if not value:
        errors.append(FieldError(field, f"请填写{label}"))
    elif len(value) > max_len:
        errors.append(FieldError(field, f"{label}不能超过{max_len}个字"))
    elif formats.has_control_chars(value):
        errors.append(FieldError(field, f"{label}含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"))


def register_unit(session, name: str, credit_code: str, contact_name: str, mobile: str,
                  password: str, password_confirm: str | None = None) -> Account:
    errors: list[FieldError] = []
    name = formats.trim(name or "")
    credit_code = formats.normalize_code(credit_code or "")
    contact_name = formats.trim(contact_name or "")
    _check_text(name, errors, "/unit_name", "单位名称", 100)
    if not credit_code:
        errors.append(FieldError("/credit_code", "请填写统一社会信用代码"))
    elif problem := formats.check_credit_code(credit_code):
        errors.append(FieldError("/credit_code", "统一社会信用代码" + problem))
    elif session.scalar(select(Unit.id).where(Unit.credit_code == credit_code)):
        errors.append(FieldError("/credit_code", "该统一社会信用代码已注册，请直接登录或找回密码"))
    _check_text(contact_name, errors, "/contact_name", "联系人姓名", NAME_MAX)
    mobile = _check_mobile(mobile, errors, label="联系人手机号")
    _check_password(password, password_confirm, errors)
    if errors:
        raise AccountError(errors)
    unit = Unit(name=name, credit_code=credit_code)
    session.add(unit)
    account = Account(login_name=credit_code, role="unit", name=contact_name, mobile=mobile,
                      password_hash=hash_password(password), unit=unit)
    session.add(account)
    session.flush()
    return account


def register_individual(session, name: str, id_number: str, mobile: str, password: str,
                        password_confirm: str | None = None, profile: dict | None = None) -> Account:
    errors: list[FieldError] = []
    name = formats.trim(name or "")
    id_number = formats.normalize_code(id_number or "")
    _check_text(name, errors, "/name", "姓名", NAME_MAX)
    if not id_number:
        errors.append(FieldError("/id_number", "请填写身份证号"))
    elif problem := formats.check_id_number(id_number):
        errors.append(FieldError("/id_number", "身份证号" + problem))
    elif session.scalar(select(Account.id).where(Account.login_name == id_number)):
        errors.append(FieldError("/id_number", "该身份证号已注册，请直接登录"))
    mobile = _check_mobile(mobile, errors)
    _check_password(password, password_confirm, errors)
    if errors:
        raise AccountError(errors)
    account = Account(login_name=id_number, role="individual", name=name, mobile=mobile, id_number=id_number,
                      password_hash=hash_password(password), profile=profile or {})
    session.add(account)
    session.flush()
    return account


def create_staff(session, login_name: str, name: str, role: str, password: str,
                 jurisdiction: str | None = None) -> Account:
    if role not in ("reviewer", "admin"):
        raise ValueError(role)
    account = Account(login_name=login_name, role=role, name=name, password_hash=hash_password(password),
                      jurisdiction=jurisdiction)
    session.add(account)
    session.flush()
    return account


def login_name_for(kind: str, value: str) -> str:
    """Units sign in with their credit code, individuals with their ID number; staff with a user name."""
    if kind in ("unit", "individual"):
        return formats.normalize_code(value or "")
    return formats.trim(value or "")


@dataclass
class LoginResult:
    account: Account | None
    message: str | None = None


def authenticate(session, kind: str, login: str, password: str, remote_addr: str | None = None) -> LoginResult:
    """One message for an unknown name and a wrong password, so neither is revealed."""
    name = login_name_for(kind, login)
    if len(name) > LOGIN_NAME_MAX or "\x00" in name:
        # No account has such a name, and the database could not store it in the attempt log either.
        return LoginResult(None, "账号或密码错误")
    since = utcnow() - FAILURE_WINDOW
    failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.login_name == name, LoginAttempt.ok.is_(False), LoginAttempt.at >= since))
    if failures >= MAX_FAILURES:
        raise Throttled()
    account = session.scalar(select(Account).where(Account.login_name == name))
    roles = {"unit": ("unit",), "individual": ("individual",), "staff": ("reviewer", "admin")}.get(kind, ())
    ok = (account is not None and account.role in roles and verify_password(account.password_hash, password or ""))
    if ok and not account.active:
        session.add(LoginAttempt(login_name=name, ok=False, remote_addr=remote_addr))
        return LoginResult(None, "该账号已停用，请联系管理员")
    session.add(LoginAttempt(login_name=name, ok=ok, remote_addr=remote_addr))
    session.add(AuditEntry(actor_id=account.id if ok else None, action="login" if ok else "login_failed",
                           target=name, remote_addr=remote_addr))
    if not ok:
        left = MAX_FAILURES - failures - 1
        hint = f"，还可尝试{left}次" if 0 < left < MAX_FAILURES - 1 else ""
        return LoginResult(None, f"账号或密码错误{hint}")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return LoginResult(account)
