"""The password rule: length, letters and digits, not the login, not a common password (a shipped list)."""
from __future__ import annotations

import re

import pytest

from engine.accounts.passwords import COMMON_LIST, check_password, common_passwords
from engine.validation import FieldError


def problems(password, login=None, confirm=None):
    errors: list[FieldError] = []
    check_password(password, confirm, errors, login=login)
    return [e.message for e in errors]


@pytest.mark.parametrize("password,login,message", [
    ("", None, "请填写密码"),
    ("Ab3defg", None, "密码至少8位"),
    ("abcdefgh", None, "密码须同时包含字母和数字"),
    ("Taiyuan2026", "taiyuan", "密码不能包含登录账号"),
    ("x91140105MA00001X7y", "91140105ma00001x7", "密码不能包含登录账号"),   # case-insensitive
    ("password1", None, "该密码过于常见，容易被猜中，请换一个"),
    ("PassWord1", None, "该密码过于常见，容易被猜中，请换一个"),          # whatever the case
    ("1qaz2wsx", None, "该密码过于常见，容易被猜中，请换一个"),
    ("woaini1314", None, "该密码过于常见，容易被猜中，请换一个"),
])
def test_a_password_is_refused_for_its_first_problem(password, login, message):
    assert problems(password, login) == [message]


def test_a_good_password_passes_and_a_mismatch_is_said_by_its_field():
    assert problems("Jx-Shanxi-7731", login="taiyuan") == []
    errors: list[FieldError] = []
    check_password("Jx-Shanxi-7731", "Jx-Shanxi-7732", errors)
    assert [(e.field, e.message) for e in errors] == [("password_confirm", "两次输入的密码不一致")]


def test_the_list_names_its_source_and_licence_and_keeps_a_sensible_size():
    header = [line for line in COMMON_LIST.read_text("utf-8").splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "Source:" in text and "SecLists" in text and re.search(r"Licence: MIT", text)
    entries = common_passwords()
    assert 10_000 <= len(entries) <= 100_000
    assert all(len(e) >= 8 and e == e.lower() for e in entries)
    assert "a123456789" in entries and "Passw0rd2026".lower() not in entries   # the suite's own password is not
