"""Page numbers and page sizes from a query string, and the arithmetic of one page.

Every listing (个人中心, the review queue, the public search, the audit log, accounts, batch rows) reads
its page here, bounded: a number too big for the database's OFFSET must never reach it. The JSON API
documents the same bounds (webapp/openapi: page 1–MAX_PAGE) and refuses what lies outside them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_PAGE = 10_000
_DIGITS = re.compile(r"[0-9]{1,9}")   # anything longer is beyond MAX_PAGE (and int() of it costs)


def _number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if _DIGITS.fullmatch(text) else None


def parse_page(value, default: int = 1, maximum: int = MAX_PAGE) -> int:
    """A page number from 1 to `maximum`; anything else (empty, not a number, negative, huge) is `default`."""
    n = _number(value)
    return n if n is not None and 1 <= n <= maximum else default


def parse_per_page(value, default: int, maximum: int) -> int:
    """A page size from 1 up; more than `maximum` is `maximum`, anything else is `default`."""
    n = _number(value)
    return default if n is None or n < 1 else min(n, maximum)


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill; an empty list still has its (empty) first page."""
    return max(1, math.ceil(total / per_page))


@dataclass(frozen=True)
class Page:
    """One page of a listing: the number asked for, the page size and how many rows there are in all."""
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def within(self) -> "Page":
        """The same page, or the last one when the number lies past the end."""
        return Page(min(self.number, self.pages), self.per_page, self.total)
