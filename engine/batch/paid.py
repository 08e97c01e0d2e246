"""Paid months stay as they were paid: a re-imported report row that would change a trainee-month of a claim
marked 已拨付 (its claim lines are locked, engine/subsidy/payment.py) is refused, with the claim's reference.

A row touches a paid month when it is the unit's report of a locked (person, month) (an item indexed by month),
or an agreement of that person (an item indexed by start and end dates) whose period, as re-imported or as it
was stored under the same row key, covers a locked month. Such a row is refused unless it is exactly the row
already stored (re-sending an unchanged file is harmless). Set-based: one query for the unit's locked months,
and only when some row touches one, one more for the stored rows it would replace.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine import clock, declarations, formats
from engine.batch.store import row_key
from engine.models import BatchRow, Case, ClaimLine, SubsidyClaim

MESSAGE = "该人员{month}的见习补贴已在申领{reference}中拨付，不能更改；如需更正请联系审核部门"
OPEN_END = "9999-12"


def _month(text) -> str | None:
    d = formats.parse_date_text(text) if isinstance(text, str) and text else None
    return clock.month_of(d) if isinstance(d, date) else None


def _locked(session, unit_id: int) -> dict[str, dict[str, str]]:
    """id_number -> {month -> the paid claim's reference}, for this unit's locked lines."""
    out: dict[str, dict[str, str]] = {}
    rows = session.execute(
        select(ClaimLine.id_number, ClaimLine.month, Case.reference)
        .join(SubsidyClaim, SubsidyClaim.id == ClaimLine.claim_id).join(Case, Case.id == SubsidyClaim.case_id)
        .where(ClaimLine.unit_id == unit_id, ClaimLine.locked_at.is_not(None)))
    for id_number, month, reference in rows:
        out.setdefault(id_number, {})[month] = reference or ""
    return out


def _plain(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("__") and v not in (None, "")}


def paid_month_errors(session, item, unit_id: int | None, rows: list[tuple[int, dict]]) -> list[tuple[int, str, str]]:
    """(row number, field, message) for every row that would change a paid trainee-month of the unit."""
    index = declarations.index_fields(item)
    id_key, month_key = index.get("id_number"), index.get("month")
    start_key, end_key = index.get("start_date"), index.get("end_date")
    if unit_id is None or id_key is None or not (month_key or start_key):
        return []
    locked = _locked(session, unit_id)
    if not locked:
        return []
    touching: list[tuple[int, dict, str, dict[str, str]]] = []   # (row, data, its key, the person's paid months)
    for n, data in rows:
        paid = locked.get(data.get(id_key))
        if paid:
            touching.append((n, data, row_key(item, data), paid))
    if not touching:
        return []
    stored: dict[str, dict] = {}
    keys = sorted({k for _, _, k, _ in touching})
    for chunk in range(0, len(keys), 900):
        stored.update(session.execute(select(BatchRow.row_key, BatchRow.data).where(
            BatchRow.unit_id == unit_id, BatchRow.item_key == item.key, BatchRow.active.is_(True),
            BatchRow.row_key.in_(keys[chunk:chunk + 900]))).all())
    out = []
    for n, data, key, paid in touching:
        before = stored.get(key)
        if before is not None and _plain(before) == _plain(data):
            continue
        hit = _paid_month(data, before, paid, month_key, start_key, end_key)
        if hit is not None:
            out.append((n, month_key or start_key, MESSAGE.format(month=hit, reference=paid[hit])))
    return out


def _paid_month(data: dict, before: dict | None, paid: dict[str, str], month_key, start_key, end_key) -> str | None:
    """The first paid month this row (or the stored row it replaces) covers, or None."""
    if month_key:
        month = data.get(month_key)
        return month if month in paid else None
    spans = []
    for d in (data, before):
        if d is not None and (first := _month(d.get(start_key))):
            spans.append((first, _month(d.get(end_key)) if end_key else None))
    for month in sorted(paid):
        if any(first <= month <= (last or OPEN_END) for first, last in spans):
            return month
    return None
