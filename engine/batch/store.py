"""Writing a clean batch: one case plus its rows, replacing earlier rows with the same natural key."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

from sqlalchemy import case as sql_case, func, select, update

from engine import clock, declarations, formats
from engine.definitions.model import Catalogue, ItemDefinition
from engine.models import Account, BatchRow, Case, Position
from engine.notices.outbox import transition_notices
from engine.rules import TransitionContext, effect


INSERT_CHUNK = 5000


@lru_cache(maxsize=4096)
def _date(text: str) -> date | None:
    # Agreement dates repeat across a batch: parse each distinct text once.
    return formats.parse_date_text(text)


@lru_cache(maxsize=4096)
def _sqlite_date(text: str) -> str | None:
    # What SQLAlchemy's Date type stores in SQLite: YYYY-MM-DD text.
    d = _date(text)
    return d.isoformat() if d else None


def row_key(item: ItemDefinition, data: dict) -> str:
    return "|".join(str(data.get(k, "")) for k in item.batch["row_key"])


_COLUMNS = ("case_id", "item_key", "unit_id", "row_number", "row_key", "id_number", "month", "start_date",
            "end_date", "position_id", "active", "data")
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _row_writer(session):
    """(fn(list of row tuples in _COLUMNS order), whether the tuples hold plain SQLite values).

    On SQLite the rows go straight to sqlite3's executemany on the session's connection, inside its
    transaction: SQLAlchemy's per-row parameter processing would otherwise cost a third of a 100k-row import.
    Elsewhere the Core insert (psycopg batches the rows itself).
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO batch_rows ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
        dbapi = conn.connection.dbapi_connection

        def write(rows):
            dbapi.executemany(sql, rows)
        return write, True
    insert = BatchRow.__table__.insert()

    def write(rows):
        conn.execute(insert, [dict(zip(_COLUMNS, r)) for r in rows])
    return write, False


def store_batch(session, catalogue: Catalogue, item: ItemDefinition, account: Account,
                rows: list[tuple[int, dict]], filename: str | None = None, today: date | None = None) -> Case:
    """Rows must already have passed every check; this only writes."""
    from engine.cases.lifecycle import actor_of, ensure_snapshot, new_case
    from engine.workflow import fire

    case = new_case(session, catalogue, item, account)
    case.data = {"filename": filename, "rows": len(rows)}
    case.row_count = len(rows)
    ensure_snapshot(session, item)
    fields = item.batch["row_key"]
    if len(fields) == 2:  # the usual (person, period) key, without a generator per row
        a, b = fields
        keys = {f"{d.get(a, '')}|{d.get(b, '')}": (n, d) for n, d in rows}
    else:
        keys = {row_key(item, d): (n, d) for n, d in rows}
    replaced = 0
    existing = {}  # id -> position id of the active rows this batch replaces
    active = (BatchRow.unit_id == account.unit_id, BatchRow.item_key == item.key, BatchRow.active.is_(True))
    # A unit's first report of an item has nothing to replace: one query instead of one per 900 keys.
    if session.scalar(select(BatchRow.id).where(*active).limit(1)) is not None:
        key_list = sorted(keys)
        for chunk in range(0, len(key_list), 900):
            existing.update(session.execute(select(BatchRow.id, BatchRow.position_id).where(
                *active, BatchRow.row_key.in_(key_list[chunk:chunk + 900]))).all())
    if existing:
        replaced = len(existing)
        ids = list(existing)
        for chunk in range(0, len(ids), 900):
            session.execute(update(BatchRow).where(BatchRow.id.in_(ids[chunk:chunk + 900])).values(active=False))
    matched: dict[int, int] = {}
    write, plain = _row_writer(session)
    # Plain values, read once: ORM attribute access per row adds up over 100k rows.
    case_id, item_key, unit_id = case.id, item.key, account.unit_id
    # The indexed columns come from the fields batch.index names (an undeclared one: None, never a data key).
    index = declarations.index_fields(item)
    id_key, month_key = index.get("id_number"), index.get("month")
    start_key, end_key = index.get("start_date"), index.get("end_date")
    position_ids: dict[int, int] = {}
    payload = []
    for key, (n, d) in keys.items():
        position = d.pop("__position", None)
        pid = None
        if position is not None:
            pid = position_ids.get(id(position))
            if pid is None:
                pid = position_ids[id(position)] = position.id
            matched[pid] = matched.get(pid, 0) + 1
        start, end = d.get(start_key) or None, d.get(end_key) or None
        if plain:
            payload.append((case_id, item_key, unit_id, n, key, d.get(id_key), d.get(month_key),
                            _sqlite_date(start) if start else None, _sqlite_date(end) if end else None, pid,
                            1, _json(d)))
        else:
            payload.append((case_id, item_key, unit_id, n, key, d.get(id_key), d.get(month_key),
                            _date(start) if start else None, _date(end) if end else None, pid, True, d))
        if len(payload) == INSERT_CHUNK:
            # Chunks keep memory flat for 100k rows (bound parameters and JSON text exist per chunk only).
            write(payload)
            payload = []
    if payload:
        write(payload)
    for old_position in existing.values():
        if old_position and old_position in matched:
            matched[old_position] -= 1
    for pid, n in matched.items():
        if n:
            session.execute(update(Position).where(Position.id == pid).values(matched=Position.matched + n))
    now = today or clock.today()
    case.submitted_month = clock.month_of(now)   # 申办月份: the Beijing month, as for form cases
    case.submitted_at = clock.on_day(now)
    wf = catalogue.workflow_for(item)
    actor = actor_of(account)
    event = fire(case, wf, "accept", actor, TransitionContext(session, catalogue, actor, now))
    case.data = {**case.data, "replaced": replaced}
    if replaced:
        event.comment = f"导入{len(rows)}行，其中{replaced}行替换了此前上报的同一人员同一期间的记录"
    else:
        event.comment = f"导入{len(rows)}行"
    transition_notices(session, catalogue, case, wf.transition("accept", event.from_state), event, account.role)
    return case


def deactivate_rows(session, case: Case) -> None:
    """A revoked batch: its rows stop counting, and the places they took on positions are free again."""
    taken = session.execute(
        select(BatchRow.position_id, func.count()).where(
            BatchRow.case_id == case.id, BatchRow.active.is_(True), BatchRow.position_id.is_not(None))
        .group_by(BatchRow.position_id)).all()
    session.execute(update(BatchRow).where(BatchRow.case_id == case.id).values(active=False))
    for position_id, n in taken:
        session.execute(update(Position).where(Position.id == position_id).values(
            matched=sql_case((Position.matched > n, Position.matched - n), else_=0)))


@effect("deactivate_rows", label="撤销批次的明细行", doc="a revoked batch's rows stop counting and free the places they took on positions")
def _deactivate_rows_effect(case, ctx) -> None:
    deactivate_rows(ctx.session, case)
