"""Normalisers and format checks shared by the validation engine and the Excel importer.

Standard library only.  Conventions:

* ``normalize_*`` functions clean up what people type or paste (full-width
  characters, stray spaces, ``+86`` prefixes ...).  Anything that is not a
  ``str`` is returned unchanged, so callers can pass raw cell values through.
* ``check_*`` functions take an already-normalised value and return ``None``
  when it is valid, otherwise a Simplified Chinese message *fragment* that the
  caller appends to the field label, e.g. ``"统一社会信用代码" + "校验位错误，请核对第18位"``.
  They never raise: ``None`` and other non-strings are checked as their text.
* ``parse_*`` helpers turn the many ways a date or month is written into a
  ``date`` / ``"YYYY-MM"``; they return ``None`` rather than raising.
"""

from __future__ import annotations

import calendar
import operator
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Callable

from engine import clock   # standard library only, too

__all__ = [
    "FORMATS",
    "REGION_FORMATS",
    "to_halfwidth",
    "normalize_text",
    "normalize_code",
    "normalize_mobile",
    "normalize_digits",
    "has_control_chars",
    "drop_control_chars",
    "check_credit_code",
    "check_id_number",
    "check_mobile",
    "check_landline",
    "check_month",
    "check_date",
    "check_bank_account",
    "check_bank_code",
    "FORMAT_CHECKS",
    "FORMAT_NORMALIZERS",
    "id_birth_date",
    "id_gender",
    "mask_id",
    "mask_mobile",
    "parse_date_text",
    "parse_month_text",
    "months_between",
    "add_months",
    "age_on",
]

# ---------------------------------------------------------------------------
# Format names: the one spelling of each value a definition's "format" may take. Every other module
# (validation, the importer and its reader, the Excel template, the review pages) names them by these.
# ---------------------------------------------------------------------------

CREDIT_CODE = "credit-code"
ID_NUMBER = "id-number"
MOBILE = "mobile"
LANDLINE = "landline"
MONTH = "month"
DATE = "date"
BANK_ACCOUNT = "bank-account"
BANK_CODE = "bank-code"
SHANXI_CITY = "shanxi-city"
SHANXI_COUNTY = "shanxi-county"
# Checked against the region table (engine.regions), not by a function of this module.
REGION_FORMATS = (SHANXI_CITY, SHANXI_COUNTY)

# ---------------------------------------------------------------------------
# Normalisers
# ---------------------------------------------------------------------------

# Zero-width / invisible characters that survive copy-paste from web pages and Word.
_ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
_EDGE_JUNK_RE = re.compile(rf"^[\s{_ZERO_WIDTH}]+|[\s{_ZERO_WIDTH}]+$")
_ANY_SPACE_RE = re.compile(rf"[\s{_ZERO_WIDTH}]+")

# Control characters other than tab and line breaks: nobody types them, PostgreSQL refuses NUL in text
# and Excel files cannot hold any of them.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")

_FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH_TABLE[0x3000] = 0x20


def to_halfwidth(s: str) -> str:
    """Full-width ASCII (U+FF01..U+FF5E) to half-width; U+3000 ideographic space to ' '."""
    return s.translate(_FULLWIDTH_TABLE)


def normalize_text(s):
    """Half-width and trimmed (incl. NBSP and zero-width chars at the ends). Non-str unchanged."""
    if not isinstance(s, str):
        return s
    return _EDGE_JUNK_RE.sub("", to_halfwidth(s))


def trim(s):
    """Trimmed only: free text keeps its Chinese punctuation (，（）) as typed."""
    if not isinstance(s, str):
        return s
    return _EDGE_JUNK_RE.sub("", s)


def has_control_chars(s) -> bool:
    return isinstance(s, str) and _CONTROL_RE.search(s) is not None


def drop_control_chars(s):
    """Each run of control characters becomes a space (for search words). Non-str unchanged."""
    if not isinstance(s, str):
        return s
    return _CONTROL_RE.sub(" ", s)


def normalize_code(s):
    """For credit codes and ID numbers: no spaces at all, upper-case (``x`` -> ``X``)."""
    if not isinstance(s, str):
        return s
    return _ANY_SPACE_RE.sub("", normalize_text(s)).upper()


_MOBILE_PREFIX_RE = re.compile(r"^(?:\+86|0086|86)(\d{11})$")


def normalize_mobile(s):
    """Drop spaces and hyphens, then a leading +86 / 0086 / 86 before 11 digits."""
    if not isinstance(s, str):
        return s
    v = _ANY_SPACE_RE.sub("", normalize_text(s)).replace("-", "")
    m = _MOBILE_PREFIX_RE.match(v)
    return m.group(1) if m else v


def normalize_digits(s):
    """For bank account numbers: half-width with every space removed."""
    if not isinstance(s, str):
        return s
    return _ANY_SPACE_RE.sub("", normalize_text(s))


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

_ASCII_DIGITS = frozenset("0123456789")


def _text(v) -> str:
    """Checks never raise: None -> "", other non-strings -> their text."""
    if v is None:
        return ""
    return v if isinstance(v, str) else str(v)


def _all_digits(v: str) -> bool:
    # str.isdigit() also accepts things like '²' and Arabic-Indic digits.
    # isascii() first leaves only 0-9 for isdigit() to accept.
    return bool(v) and v.isascii() and v.isdigit()


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(_CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(v) -> str | None:
    v = _text(v)
    if len(v) != 18:
        return f"应为18位，当前为{len(v)}位"
    for i, c in enumerate(v, start=1):
        if c not in _CREDIT_VALUE:
            return f"第{i}位字符“{c}”不合法（不使用I、O、Z、S、V）"
    if _credit_check_char(v[:17]) != v[17]:
        return "校验位错误，请核对第18位"
    return None


# --- 居民身份证号码 (GB 11643-1999) -----------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_PROVINCE_CODES = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
                      *range(50, 55), *range(61, 66), 71, 81, 82, 83, 91)]
)


_ID_ZERO = ord("0") * sum(_ID_WEIGHTS)


def _id_check_char(first17: str) -> str:
    # Digits only (checked by the caller): sum((ord(c) - 48) * w) without a Python loop per digit.
    return _ID_CHECK_CHARS[(sum(map(operator.mul, first17.encode("ascii"), _ID_WEIGHTS)) - _ID_ZERO) % 11]


@lru_cache(maxsize=65536)
def _parse_yyyymmdd(s: str) -> date | None:
    # Birth dates repeat across the ID numbers of a 100k-row batch.
    if len(s) != 8 or not _all_digits(s):
        return None
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return None


def check_id_number(v, today: date | None = None) -> str | None:
    v = _text(v).upper()
    if len(v) != 18:
        return f"应为18位，当前为{len(v)}位"
    if not _all_digits(v[:17]):
        for i, c in enumerate(v[:17], start=1):
            if c not in _ASCII_DIGITS:
                return f"第{i}位字符“{c}”不合法，前17位只能是数字"
    if v[17] not in _ASCII_DIGITS and v[17] != "X":
        return f"第18位字符“{v[17]}”不合法，只能是数字或X"
    if v[:2] not in _PROVINCE_CODES:
        return f"地区码不正确（前2位“{v[:2]}”不是有效的省级代码），请核对"
    birth = _parse_yyyymmdd(v[6:14])
    if birth is None:
        return f"出生日期“{v[6:14]}”不是有效日期，请核对第7-14位"
    if birth > (today or clock.today()):
        return "出生日期不能晚于今天，请核对第7-14位"
    if _id_check_char(v[:17]) != v[17]:
        return "校验位错误，请核对第18位"
    return None


# --- phones, dates, bank -----------------------------------------------------

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$", re.ASCII)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)


def check_mobile(v) -> str | None:
    if _MOBILE_RE.match(_text(v)):
        return None
    return "应为11位手机号码，如13812345678"


def check_landline(v) -> str | None:
    if _LANDLINE_RE.match(_text(v)):
        return None
    return "应为“区号-号码”格式，如0351-1234567"


def check_month(v) -> str | None:
    v = _text(v)
    m = _MONTH_RE.match(v)
    if not m:
        return "应为“年-月”格式，如2025-03"
    if not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        return f"“{v}”不是有效月份，月份应在01-12之间，如2025-03"
    return None


def check_date(v) -> str | None:
    v = _text(v)
    m = _DATE_RE.match(v)
    if not m:
        return "应为“年-月-日”格式，如2025-03-01"
    why = _why_not_a_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return f"{v}不是有效日期（{why}）" if why else None


def check_bank_account(v) -> str | None:
    v = _text(v)
    if not _all_digits(v):
        return "只能填写数字（6-32位），请删除其中的字母或符号"
    if not 6 <= len(v) <= 32:
        return f"应为6-32位数字，当前为{len(v)}位"
    return None


def check_bank_code(v) -> str | None:
    v = _text(v)
    if not _all_digits(v):
        return "应为12位数字，请删除其中的字母或符号（可向开户银行查询）"
    if len(v) != 12:
        return f"应为12位数字，当前为{len(v)}位，请向开户银行核实"
    return None


FORMAT_CHECKS: dict[str, Callable[[str], str | None]] = {
    CREDIT_CODE: check_credit_code,
    ID_NUMBER: check_id_number,
    MOBILE: check_mobile,
    LANDLINE: check_landline,
    MONTH: check_month,
    DATE: check_date,
    BANK_ACCOUNT: check_bank_account,
    BANK_CODE: check_bank_code,
}

FORMAT_NORMALIZERS: dict[str, Callable] = {
    CREDIT_CODE: normalize_code,
    ID_NUMBER: normalize_code,
    MOBILE: normalize_mobile,
    LANDLINE: normalize_text,
    MONTH: normalize_text,
    DATE: normalize_text,
    BANK_ACCOUNT: normalize_digits,
    BANK_CODE: normalize_digits,
}

# Every format a definition may name (`jianxi check` refuses any other).
FORMATS = frozenset(FORMAT_CHECKS) | frozenset(REGION_FORMATS)


# ---------------------------------------------------------------------------
# ID-number helpers and masking
# ---------------------------------------------------------------------------


def id_birth_date(id_number: str) -> date | None:
    """Birth date from an 18-digit ID (or a legacy 15-digit one, 19YYMMDD); None if unreadable."""
    v = normalize_code(id_number)
    if not isinstance(v, str):
        return None
    if len(v) == 18 and _all_digits(v[:17]):
        return _parse_yyyymmdd(v[6:14])
    if len(v) == 15 and _all_digits(v):
        return _parse_yyyymmdd("19" + v[6:12])
    return None


def id_gender(id_number) -> str | None:
    """"男" / "女" from the sequence digit (17th of 18, 15th of a legacy 15-digit ID)."""
    v = normalize_code(id_number)
    if not isinstance(v, str):
        return None
    if len(v) == 18 and _all_digits(v[:17]):
        digit = v[16]
    elif len(v) == 15 and _all_digits(v):
        digit = v[14]
    else:
        return None
    return "男" if int(digit) % 2 else "女"


def _mask(s: str, head: int, tail: int) -> str:
    return s[:head] + "*" * (len(s) - head - tail) + (s[len(s) - tail:] if tail else "")


def mask_id(id_number: str) -> str:
    """Keep the first 4 and last 4 characters; short input keeps at most a quarter each side."""
    v = normalize_code(id_number)
    if v is None:
        return ""
    v = v if isinstance(v, str) else str(v)
    k = min(4, len(v) // 4)
    return _mask(v, k, k)


def mask_mobile(m: str) -> str:
    """"13812345678" -> "138****5678"; other lengths are masked so that most digits are hidden."""
    v = normalize_mobile(m)
    if v is None:
        return ""
    v = v if isinstance(v, str) else str(v)
    if len(v) >= 11:
        return _mask(v, 3, 4)
    k = len(v) // 4
    return _mask(v, k, k)


# ---------------------------------------------------------------------------
# Parsing dates and months written in the usual ways
# ---------------------------------------------------------------------------

# A trailing time such as " 00:00:00" or "T08:30" (text exported from other systems).
_TIME_SUFFIX_RE = re.compile(
    r"(?<=[0-9])(?:\s*T|\s+)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?$"
)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$", re.ASCII),
    re.compile(r"^(\d{4})(年)(\d{1,2})月(\d{1,2})[日号]?$", re.ASCII),
    re.compile(r"^(\d{4})()(\d{2})(\d{2})$", re.ASCII),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$", re.ASCII),
    re.compile(r"^(\d{4})年(\d{1,2})月?$", re.ASCII),
    re.compile(r"^(\d{4})(\d{2})$", re.ASCII),
)


def _as_text(v) -> str | None:
    """Text for parsing: strings are normalised; whole numbers (Excel numeric cells) become digits."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else None
    if isinstance(v, str):
        return normalize_text(v)
    return None


def parse_date_text(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _as_text(v)
    if not s:
        return None
    s = _ANY_SPACE_RE.sub("", _TIME_SUFFIX_RE.sub("", s))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
            except ValueError:
                return None
    return None


def _why_not_a_date(year: int, month: int, day: int) -> str | None:
    """What is wrong with a year, month and day that make no date ("2月没有30日"), or None."""
    if not 1 <= month <= 12:
        return "月份应在1至12之间"
    if year < 1:
        return "年份不正确"
    if day < 1:
        return "日应从1日起"
    last = calendar.monthrange(year, month)[1]
    if day <= last:
        return None
    if month == 2 and day == 29:
        return f"{year}年不是闰年，2月没有29日"
    return f"{month}月没有{day}日"


def date_text_problem(v) -> str | None:
    """For text written as a date but naming no real day ("2025/2/30"): why, as a sentence; else None.

    Lets a reader say "2025/2/30不是有效日期（2月没有30日）" rather than that the format is wrong."""
    s = _as_text(v)
    if not s:
        return None
    s = _ANY_SPACE_RE.sub("", _TIME_SUFFIX_RE.sub("", s))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            why = _why_not_a_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
            return f"{s}不是有效日期（{why}）" if why else None
    return None


def parse_month_text(v) -> str | None:
    if isinstance(v, (date, datetime)):
        return f"{v.year:04d}-{v.month:02d}"
    s = _as_text(v)
    if not s:
        return None
    compact = _ANY_SPACE_RE.sub("", s)
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(compact)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if year >= 1 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
            return None
    d = parse_date_text(v)  # a full date written in a month column -> its month
    return f"{d.year:04d}-{d.month:02d}" if d else None


# ---------------------------------------------------------------------------
# Date arithmetic
# ---------------------------------------------------------------------------


def _to_date(d) -> date:
    return d.date() if isinstance(d, datetime) else d


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamped to month end (2025-01-31 + 1 -> 2025-02-28)."""
    years, month0 = divmod(d.month - 1 + n, 12)
    year = d.year + years
    day = min(d.day, calendar.monthrange(year, month0 + 1)[1])
    return d.replace(year=year, month=month0 + 1, day=day)


def _months_from(start: date, stop: date) -> float:
    """Months from ``start`` to the exclusive ``stop`` (stop >= start): whole months + fraction."""
    whole = (stop.year - start.year) * 12 + (stop.month - start.month)
    anchor = add_months(start, whole)
    if anchor > stop:
        whole -= 1
        anchor = add_months(start, whole)
    rest = (stop - anchor).days
    if not rest:
        return float(whole)
    period = (add_months(start, whole + 1) - anchor).days
    return whole + rest / period


def months_between(start: date, end: date) -> float:
    """Length of an agreement running from ``start`` to ``end`` inclusive, in months.

    2025-03-01..2025-08-31 == 6.0; 2025-03-01..2025-03-15 == 15/31.  Whole months
    are exact; a partial month is counted as a fraction of the month it falls in.
    Negative when ``end`` is before ``start - 1 day``.
    """
    start = _to_date(start)
    stop = _to_date(end) + timedelta(days=1)
    if stop >= start:
        return _months_from(start, stop)
    return -_months_from(stop, start)


def age_on(birth: date, on: date) -> int:
    """Age in full years (周岁) on ``on``."""
    birth, on = _to_date(birth), _to_date(on)
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
