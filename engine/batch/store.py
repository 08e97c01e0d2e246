"""Writing a clean batch: one case plus its rows, replacing earlier rows with the same natural key."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import select, update

from engine import formats
from engine.definitions import Catalogue, ItemDefinition
from engine.models import Account, BatchRow, Case, Position
from engine.rules import TransitionContext


INSERT_CHUNK = 5000


@lru_cache(maxsize=4096)
def _date(text: str) -> date | None:
    # Agreement dates repeat across a batch: parse each distinct text once.
    return formats.parse_date_text(text)


def row_key(item: ItemDefinition, data: dict) -> str:
    return "|".join(str(data.get(k, "")) for k in item.batch["row_key"])


def store_batch(session, catalogue: Catalogue, item: ItemDefinition, account: Account,
                rows: list[tuple[int, dict]], filename: str | None = None, today: date | None = None) -> Case:
    """Rows must already have passed every check; this only writes."""
    from engine.cases import actor_of, ensure_snapshot, new_case
    from engine.workflow import fire

    case = new_case(session, catalogue, item, account)
    case.data = {"filename": filename, "rows": len(rows)}
    case.row_count = len(rows)
    ensure_snapshot(session, item)
    keys = {row_key(item, d): (n, d) for n, d in rows}
    replaced = 0
    existing = {}
    key_list = sorted(keys)
    for chunk in range(0, len(key_list), 900):
        for old in session.scalars(select(BatchRow).where(
                BatchRow.unit_id == account.unit_id, BatchRow.item_key == item.key, BatchRow.active.is_(True),
                BatchRow.row_key.in_(key_list[chunk:chunk + 900]))):
            existing[old.id] = old
    if existing:
        replaced = len(existing)
        ids = list(existing)
        for chunk in range(0, len(ids), 900):
            session.execute(update(BatchRow).where(BatchRow.id.in_(ids[chunk:chunk + 900])).values(active=False))
    matched: dict[int, int] = {}
    payload = []
    insert = BatchRow.__table__.insert()
    # Plain values, read once: ORM attribute access per row adds up over 100k rows.
    case_id, item_key, unit_id = case.id, item.key, account.unit_id
    position_ids: dict[int, int] = {}
    for key, (n, d) in keys.items():
        position = d.pop("__position", None)
        pid = None
        if position is not None:
            pid = position_ids.get(id(position))
            if pid is None:
                pid = position_ids[id(position)] = position.id
            matched[pid] = matched.get(pid, 0) + 1
        payload.append({
            "case_id": case_id, "item_key": item_key, "unit_id": unit_id, "row_number": n,
            "row_key": key, "id_number": d.get("id_number"), "month": d.get("month"),
            "start_date": _date(d["start_date"]) if d.get("start_date") else None,
            "end_date": _date(d["end_date"]) if d.get("end_date") else None,
            "position_id": pid, "active": True, "data": d,
        })
        if len(payload) == INSERT_CHUNK:
            # Chunks keep memory flat for 100k rows (bound parameters and JSON text exist per chunk only).
            session.execute(insert, payload)
            payload = []
    if payload:
        session.execute(insert, payload)
    for old in existing.values():
        if old.position_id and old.position_id in matched:
            matched[old.position_id] -= 1
    for pid, n in matched.items():
        if n:
            session.execute(update(Position).where(Position.id == pid).values(matched=Position.matched + n))
    now = date.today() if today is None else today
    case.submitted_month = now.strftime("%Y-%m")
    from engine.models import utcnow
    case.submitted_at = utcnow()
    wf = catalogue.workflow_for(item)
    actor = actor_of(account)
    event = fire(case, wf, "accept", actor, TransitionContext(session, catalogue, actor, now))
    case.data = {**case.data, "replaced": replaced}
    if replaced:
        event.comment = f"导入{len(rows)}行，其中{replaced}行替换了此前上报的同一人员同一期间的记录"
    else:
        event.comment = f"导入{len(rows)}行"
    return case


def deactivate_rows(session, case: Case) -> None:
    session.execute(update(BatchRow).where(BatchRow.case_id == case.id).values(active=False))


