"""Passwords: hashed with argon2, and the rule every password must meet (registration and staff alike):
at least 8 characters, letters and digits, not containing the login, not one of the common passwords
(engine/data/common_passwords.txt: its header names the source and licence)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from engine.validation import FieldError


def _make_hasher() -> PasswordHasher:
    # The test suite hashes thousands of passwords; it may ask for the cheapest argon2id parameters.
    # Production never sets this, and a hash made either way verifies under both.
    if os.environ.get("JIANXI_FAST_PASSWORD_HASH") == "1":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _make_hasher()

MIN_PASSWORD = 8
COMMON_LIST = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with other parameters than today's (it is then remade at the next login)."""
    return _hasher.check_needs_rehash(stored)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list, lower-cased (read once per process: about 44,000 entries, a few MB)."""
    with open(COMMON_LIST, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    return password.lower() in common_passwords()


def check_password(password: str, confirm: str | None, errors: list[FieldError], login: str | None = None) -> None:
    """The password rule; a problem is added to `errors` by its field, so a form reports all at once.
    `login`: the name the account signs in with (credit code, ID number, user name), which it may not contain."""
    login = (login or "").strip().lower()
    if not password:
        errors.append(FieldError("/password", "请填写密码"))
    elif len(password) < MIN_PASSWORD:
        errors.append(FieldError("/password", f"密码至少{MIN_PASSWORD}位"))
    elif not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
        errors.append(FieldError("/password", "密码须同时包含字母和数字"))
    elif login and login in password.lower():
        errors.append(FieldError("/password", "密码不能包含登录账号"))
    elif is_common(password):
        errors.append(FieldError("/password", "该密码过于常见，容易被猜中，请换一个"))
    if confirm is not None and password and confirm != password:
        errors.append(FieldError("/password_confirm", "两次输入的密码不一致"))
