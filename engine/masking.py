"""How personal data is shown where it is not shown in full: the one home of every mask.

docs/privacy.md says, field by field, who sees a value in full, masked or not at all on each page, JSON
answer, workbook and log; every surface that masks calls these functions (pages through the template
filters, JSON bodies and workbooks through the engine functions that build them).
"""
from __future__ import annotations

import re

from engine import formats

# A format's mask; fields of other formats are shown as they are (or not at all, per docs/privacy.md).
ID_MASK, MOBILE_MASK = "id", "mobile"


def _mask(s: str, head: int, tail: int) -> str:
    return s[:head] + "*" * (len(s) - head - tail) + (s[len(s) - tail:] if tail else "")


def mask_id(id_number) -> str:
    """"140105199001011234" -> "1401**********1234"; short input keeps at most a quarter each side."""
    v = formats.normalize_code(id_number)
    if v is None:
        return ""
    v = v if isinstance(v, str) else str(v)
    k = min(4, len(v) // 4)
    return _mask(v, k, k)


def mask_mobile(mobile) -> str:
    """"13812345678" -> "138****5678"; other lengths are masked so that most digits are hidden."""
    v = formats.normalize_mobile(mobile)
    if v is None:
        return ""
    v = v if isinstance(v, str) else str(v)
    if len(v) >= 11:
        return _mask(v, 3, 4)
    k = len(v) // 4
    return _mask(v, k, k)


def mask_bank_account(account) -> str:
    """"050212345678901234" -> "****1234": only the last four digits, as the payment page shows a payee's
    account (the full number is for finance staff in the payment workbook, engine/subsidy/payment.py)."""
    v = re.sub(r"\s", "", str(account or ""))
    return f"****{v[-4:]}" if v else ""


_BY_FORMAT = {formats.ID_NUMBER: (ID_MASK, mask_id), formats.MOBILE: (MOBILE_MASK, mask_mobile)}


def mask_name(name: str) -> str:
    """A person's name where only a hint of it may show (an SMS, a public list): 张晓明 -> 张*明, 李红 -> 李*,
    欧阳晓明 -> 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def masked_fields(item) -> dict[str, str]:
    """Field key -> the mask a list of an item's records applies to it (ID numbers and mobiles)."""
    return {f.key: _BY_FORMAT[f.format][0] for f in item.fields if f.format in _BY_FORMAT}


def masked_record(item, data: dict) -> dict:
    """One record of an item (a batch row) as a list shows it: ID numbers and mobiles masked, the rest as
    stored. Used by the unit's 导入明细 and the reviewer's 上报明细 alike."""
    out = dict(data or {})
    for f in item.fields:
        if f.format in _BY_FORMAT and out.get(f.key) not in (None, ""):
            out[f.key] = _BY_FORMAT[f.format][1](out[f.key])
    return out


def shown_login(role: str | None, login_name: str | None) -> str:
    """An account's login name as staff pages and the audit log show it: an individual signs in with
    their ID number, which is masked; a unit's credit code and a staff user name are not personal."""
    if not login_name:
        return ""
    return mask_id(login_name) if role == "individual" else login_name


# Anything shaped like an ID number inside free text: 18 characters (17 digits and a check character)
# or a legacy 15 digits, not part of a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def redact_text(text: str | None) -> str:
    """Free text (a log line, an audit comment) with every ID-number-shaped run masked."""
    if not text:
        return text or ""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)


# 登录设备 names a session's browser and system, never the whole User-Agent, which can single a person out.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("MicroMessenger/", "微信"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Version/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def browser_label(user_agent: str | None) -> str:
    """"Mozilla/5.0 (Windows NT 10.0; ...) Chrome/120.0.0.0 Safari/537.36" -> "Chrome 120 · Windows"; a
    program's agent ("curl/8.5.0") by its name; nothing known -> "未知浏览器"."""
    ua = user_agent or ""
    browser = next((f"{name} {m.group(1)}" for key, name in _BROWSERS
                    if (m := re.search(re.escape(key) + r"(\d+)", ua))), None)
    system = next((name for key, name in _SYSTEMS if key in ua), None)
    if browser is None and not ua.startswith("Mozilla/") and (m := re.match(r"([A-Za-z][\w.-]{0,30})/(\d+)", ua)):
        browser = f"{m.group(1)} {m.group(2)}"
    return " · ".join(x for x in (browser, system) if x) or "未知浏览器"
