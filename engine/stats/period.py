"""The month range of 数据统计: from/to "YYYY-MM" in Beijing time, the last 12 months up to this month by default,
at most MAX_MONTHS; a field typed wrong gets its Chinese message and the range falls back to the default."""
from __future__ import annotations

from dataclasses import dataclass

from engine import clock, formats

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
FIRST_YEAR, LAST_YEAR = 2000, 2999


def shift(month: str, by: int) -> str:
    """A month "YYYY-MM" moved by `by` months."""
    y, m = map(int, month.split("-"))
    n = y * 12 + (m - 1) + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """first..last, both included ([] when last is before first)."""
    out, m = [], first
    while m <= last:
        out.append(m)
        m = shift(m, 1)
    return out


@dataclass
class Period:
    first: str
    last: str
    typed_from: str = ""     # as typed, kept on the page when it is wrong
    typed_to: str = ""

    @property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)

    @property
    def label(self) -> str:
        return f"{self.first} 至 {self.last}"

    def params(self) -> dict:
        return {"from": self.first, "to": self.last}

    @classmethod
    def default(cls, today_month: str | None = None) -> "Period":
        last = today_month or clock.this_month()
        first = shift(last, 1 - DEFAULT_MONTHS)
        return cls(first, last, first, last)

    @classmethod
    def from_params(cls, params, today_month: str | None = None) -> tuple["Period", dict[str, str]]:
        """The period and a message per field typed wrong (the page and the API answer 422 then)."""
        default = cls.default(today_month)
        typed = {k: formats.trim(formats.drop_control_chars(str(params.get(k) or ""))) for k in ("from", "to")}
        errors: dict[str, str] = {}
        parsed: dict[str, str | None] = {}
        for key in ("from", "to"):
            month = formats.parse_month_text(typed[key]) if typed[key] else None
            if typed[key] and not (month and FIRST_YEAR <= int(month[:4]) <= LAST_YEAR):
                errors[key] = "月份格式应为“年-月”，如2026-03"
                month = None
            parsed[key] = month
        first, last = parsed["from"], parsed["to"]
        if first and not last:
            last = min(shift(first, DEFAULT_MONTHS - 1), default.last) if first <= default.last else first
        if last and not first:
            first = shift(last, 1 - DEFAULT_MONTHS)
        if first and last and not errors:
            if last < first:
                errors["to"] = "结束月份不能早于开始月份"
            elif len(months_between(first, last)) > MAX_MONTHS:
                errors["to"] = f"统计范围最多{MAX_MONTHS}个月"
        if errors or not first:
            out = cls(default.first, default.last, typed["from"], typed["to"])
            if not errors:
                out.typed_from, out.typed_to = default.first, default.last
            return out, errors
        return cls(first, last, first, last), {}
