"""Reading values the way every rule does: empty is missing, dates parsed once per text."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from engine import formats

EMPTY = (None, "")


def present(data: dict, *keys) -> bool:
    # A plain loop: this runs for every row and rule of a 100k-row batch.
    for k in keys:
        v = data.get(k)
        if v is None or v == "":
            return False
    return True


_DATES: dict[str, date | None] = {}


def as_date(v) -> date | None:
    # A batch of 100k rows repeats a few hundred date texts and every rule asks again: parse each text once.
    if v.__class__ is str:
        d = _DATES.get(v, _DATES)
        if d is _DATES:
            if len(_DATES) > 8192:
                _DATES.clear()
            d = _DATES[v] = formats.parse_date_text(v)
        return d
    if isinstance(v, date):
        return v
    return formats.parse_date_text(v)


# Pure date arithmetic on the few distinct agreement dates of a batch, asked for once per row.
months_between = lru_cache(maxsize=8192)(formats.months_between)
add_months = lru_cache(maxsize=8192)(formats.add_months)


def rows_with(rows, *keys) -> list:
    """The rows where every one of these fields is filled (a comprehension: it runs over 100k rows per rule)."""
    if len(keys) == 1:
        k, = keys
        return [r for r in rows if r[1].get(k) not in EMPTY]
    if len(keys) == 2:
        k, m = keys
        return [r for r in rows if r[1].get(k) not in EMPTY and r[1].get(m) not in EMPTY]
    if len(keys) == 3:
        k, m, n = keys
        return [r for r in rows
                if r[1].get(k) not in EMPTY and r[1].get(m) not in EMPTY and r[1].get(n) not in EMPTY]
    return [r for r in rows if present(r[1], *keys)]
