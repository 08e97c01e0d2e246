"""Importing a batch workbook: a dry run over every row, then one case with its rows, or every error.

Speed matters (100,000 rows in seconds), so the common case takes a short path: cells are converted and
checked column by column (engine.batch.columns: each distinct value against its field's schema once, or
the whole row through a compiled fastjsonschema validator when fields depend on one another), then each
row meets the item's row rules. Only a row that fails goes through engine.validation.validate, which says
every problem in Chinese exactly as the web form would. Cross-record rules run once over all rows with a
handful of set-based queries, and store_batch writes a clean file in bulk.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import fastjsonschema

from engine import clock, declarations, formats
from engine.batch.columns import as_predicate, column_checks, suspect_rows
from engine.batch.gc_pause import cycle_collector_paused
from engine.batch.paid import paid_month_errors
from engine.batch.reader import (
    HEADER_ONLY, BadFile, CellProblem, HeaderColumn, Sheet, column_converter, display_value, open_sheet,
)
from engine.batch.store import store_batch
from engine.definitions.model import Catalogue, ItemDefinition
from engine.errors import EngineError
from engine.models import Account, BatchImport, Case
from engine.notices.outbox import link, raise_notice
from engine.rules import RuleContext, row_rules_checker, run_batch_rules
from engine.storage import FileStorage
from engine.validation import validate


class ImportRefused(EngineError):
    """The import cannot start or the file cannot be read: one message, its kind, nothing written."""


@dataclass(frozen=True)
class RowError:
    row: int | None          # Excel row number
    column: str | None       # the column's label (its header without the required mark)
    value: object
    message: str
    field: str | None = None
    col: int | None = None   # index of the column in the file, for marking the cell

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class CheckResult:
    rows: list[tuple[int, dict]]
    errors: list[RowError]
    columns: list[HeaderColumn]
    version: int

    @property
    def row_count(self) -> int:
        return len(self.rows)


@dataclass
class ImportResult:
    record: BatchImport
    case: Case | None
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0
    replaced: int = 0

    @property
    def ok(self) -> bool:
        return self.case is not None


# ---- the short path ------------------------------------------------------------

@lru_cache(maxsize=4096)
def _date_ok(v: str) -> bool:
    return formats.check_date(v) is None


@lru_cache(maxsize=4096)
def _month_ok(v: str) -> bool:
    return formats.check_month(v) is None


def fast_formats(ctx: RuleContext) -> dict:
    """Our format checks as fastjsonschema wants them: value -> bool (every format of the catalogue)."""
    today = ctx.today
    out = {name: (lambda fn: lambda v: fn(v) is None)(fn) for name, fn in formats.FORMAT_CHECKS.items()}
    out[formats.ID_NUMBER] = lambda v: formats.check_id_number(v, today=today) is None
    out[formats.DATE] = _date_ok
    out[formats.MONTH] = _month_ok
    out[formats.SHANXI_CITY] = ctx.regions.is_city
    out[formats.SHANXI_COUNTY] = ctx.regions.is_county
    return out


_VALIDATORS: dict = {}


def fast_validator(item: ItemDefinition, ctx: RuleContext):
    """A validator that raises on any row engine.validation would find fault with (rules aside)."""
    key = (item.sha256, ctx.today, id(ctx.regions))
    v = _VALIDATORS.get(key)
    if v is None:
        if len(_VALIDATORS) > 32:  # a new day or new definitions: forget the old ones
            _VALIDATORS.clear()
        v = _VALIDATORS[key] = fastjsonschema.compile(item.schema, formats=fast_formats(ctx))
    return v


CHUNK_ROWS = 4096   # rows converted together, column by column
_COLUMN_CHECKS: dict = {}


def field_checks(item: ItemDefinition, ctx: RuleContext) -> dict | None:
    """engine.batch.columns' checks for this item and day (None: the schema needs whole rows)."""
    key = (item.sha256, ctx.today, id(ctx.regions))
    if key not in _COLUMN_CHECKS:
        if len(_COLUMN_CHECKS) > 32:
            _COLUMN_CHECKS.clear()
        _COLUMN_CHECKS[key] = column_checks(item, fast_formats(ctx))
    return _COLUMN_CHECKS[key]


def _row_validator(item: ItemDefinition, ctx: RuleContext):
    """(index, row) -> whether the whole row passes the compiled schema: for schemas that need whole rows."""
    ok = as_predicate(fast_validator(item, ctx))
    return lambda _index, data: ok(data)


# ---- the dry run -----------------------------------------------------------------

def check_sheet(item: ItemDefinition, sheet: Sheet, ctx: RuleContext) -> CheckResult:
    """Every error of every row (schema, formats, row rules, cross-record rules, duplicates); nothing written."""
    ctx.item = item
    ctx.labels = {k: v["title"] for k, v in item.schema["properties"].items()}
    columns = sheet.columns
    header_of = {c.field.key: c for c in columns if c.field is not None}
    rules = item.rules
    row_rules = row_rules_checker(item, ctx)

    rows: list[tuple[int, dict]] = []
    errors: list[RowError] = []
    bad_fields: dict[int, set] = {}   # index in rows -> fields with an error

    def column_of(key):
        c = header_of.get(key)
        return (item.label(key), c.index) if c else ((item.label(key), None) if key else (None, None))

    # One converter per column position (unknown columns give None), applied a chunk of rows at a time.
    logged: list = []
    width = max((c.index for c in columns if c.field is not None), default=-1) + 1
    funcs = [None] * width
    keys: list = [None] * width
    for c in columns:
        if c.field is not None:
            funcs[c.index] = column_converter(c.field, logged, date1904=sheet.date1904)
            keys[c.index] = c.field.key
    plain = None not in keys

    # Phase 1, while calamine holds the sheet: each row as a compact tuple of converted values. Then the
    # sheet is freed before any dict exists, so the two never share memory (100k rows within 250 MiB).
    packed: list = []
    with_problems: set = set()
    for chunk in sheet.chunks(CHUNK_ROWS):
        raws = [raw if len(raw) >= width else list(raw) + [""] * (width - len(raw)) for _, raw in chunk]
        cells = list(zip(*raws))[:width]  # one tuple per column
        nothing = [None] * len(chunk)
        converted = [fn(cells[i]) if fn is not None else nothing for i, fn in enumerate(funcs)]
        del raws, cells
        first = len(packed)
        packed.extend((n, values) for (n, _), values in zip(chunk, zip(*converted))
                      if values.count(None) != width)
        if logged:  # a cell that cannot be trusted: its row is validated in full
            with_problems.update(p for p in range(first, len(packed))
                                 if any(v.__class__ is CellProblem for v in packed[p][1]))
            logged.clear()
    sheet.close()

    # Each distinct value of each column checked once; only the rows that failed are validated whole (with
    # messages) below. Without per-field checks, every row goes through the compiled whole-row validator.
    checks = field_checks(item, ctx)
    suspect = suspect_rows([v for _, v in packed], keys, item, checks) if checks is not None else None
    schema_ok = (lambda p, data: p not in suspect) if suspect is not None else _row_validator(item, ctx)

    # Phase 2: validate each row.
    for p, (n, values) in enumerate(packed):
        packed[p] = None
        problems = None
        if p in with_problems:
            data = {}
            for key, v in zip(keys, values):
                if v is None:
                    continue
                if v.__class__ is CellProblem:
                    problems = problems or {}
                    problems[key] = v
                    v = v.value
                data[key] = v
        elif plain and None not in values:
            data = dict(zip(keys, values))
        else:
            data = {k: v for k, v in zip(keys, values) if v is not None}
        if problems is None and schema_ok(p, data) and (not rules or not row_rules(data)):
            rows.append((n, data))
            continue
        # The slow path: the same messages the web form gives, for this row only.
        _, found = validate(item, data, ctx)
        by_field: dict[str, list[str]] = {}
        for e in found:
            by_field.setdefault(e.field, []).append(e.message)
        for key, problem in (problems or {}).items():
            by_field[key] = [problem.message]
        if by_field:
            bad_fields[len(rows)] = set(by_field)
            for key, messages in by_field.items():
                label, col = column_of(key)
                value = display_value(data.get(key))
                for m in messages:
                    errors.append(RowError(n, label, value, m, key or None, col))
        rows.append((n, data))
    del packed

    # Cross-record rules see only fields that passed their own checks, so one mistake gives one message.
    checked = rows
    if bad_fields:
        checked = list(rows)
        for i, bad in bad_fields.items():
            n, data = rows[i]
            checked[i] = (n, {k: v for k, v in data.items() if k not in bad})
    found = list(run_batch_rules(item, checked, ctx))
    found += _duplicate_keys(item, checked, ctx)
    if ctx.session is not None:   # a month already paid (已拨付) is never changed by a re-import
        found += paid_month_errors(ctx.session, item, ctx.unit_id, checked)
    if found:
        values = dict(checked)
        seen = set()
        for n, key, message in found:
            if (n, key, message) in seen:
                continue
            seen.add((n, key, message))
            label, col = column_of(key)
            errors.append(RowError(n, label, values.get(n, {}).get(key), message, key or None, col))
    order = {c.field.key: c.index for c in columns if c.field is not None}
    errors.sort(key=lambda e: (e.row or 0, order.get(e.field, 10_000) if e.field else -1))
    return CheckResult(rows, errors, columns, sheet.version)


def _duplicate_keys(item: ItemDefinition, rows, ctx: RuleContext) -> list[tuple[int, str, str]]:
    """Two rows with the same natural key, unless a unique_in_file rule already says so."""
    key = list((item.batch or {}).get("row_key", []))
    if not key:
        return []
    for spec in (item.batch or {}).get("rules", []):
        if spec.get("rule") == "unique_in_file" and set(spec.get("fields", [])) <= set(key):
            return []
    first: dict[tuple, int] = {}
    out = []
    for n, data in rows:
        if all(data.get(k) not in (None, "") for k in key):
            k = tuple(data[f] for f in key)
            if k in first:
                out.append((n, key[0], f"{'、'.join(ctx.label(f) for f in key)}与第{first[k]}行相同，同一文件中只能出现一次"))
            else:
                first[k] = n
    return out


# ---- the whole import --------------------------------------------------------------

def _save_errors(storage: FileStorage, errors: list[RowError]) -> str:
    body = json.dumps([[e.row, e.column, e.value, e.message, e.field, e.col] for e in errors],
                      ensure_ascii=False, default=str).encode()
    return storage.save(gzip.compress(body, 5)).key


def load_errors(storage: FileStorage, record: BatchImport) -> list[RowError]:
    if not record.errors_key:
        return []
    rows = json.loads(gzip.decompress(storage.read(record.errors_key)))
    return [RowError(*r) for r in rows]


def import_workbook(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: bytes,
                    filename: str, *, storage: FileStorage, max_rows: int = 100_000, max_mb: float = 20,
                    today: date | None = None) -> ImportResult:
    """Check every row; store a clean file as one case in the caller's transaction, or record its errors.

    Raises ImportRefused when the account may not import or the file cannot be read at all; then
    nothing is written, not even the file.
    """
    from engine.cases.lifecycle import check_can_use, unmet_requirement
    from engine.workflow import TransitionNotAllowed

    if not item.is_batch:
        raise ImportRefused("该事项不支持Excel批量导入", "not_found")
    try:
        check_can_use(item, account)
    except TransitionNotAllowed as e:
        raise ImportRefused(e.message, "forbidden") from None
    blocked = unmet_requirement(session, item, account.unit_id, account.id)
    if blocked:
        raise ImportRefused(blocked, "forbidden")
    today = today or clock.today()
    max_rows = declarations.max_rows(item, max_rows)
    max_bytes = int(max_mb * 1024 * 1024)
    if len(data) > max_bytes:
        raise ImportRefused(BadFile.too_large(len(data), max_bytes).message, "too_large")
    with cycle_collector_paused():
        return _check_and_store(session, catalogue, item, account, data, filename, storage=storage,
                                max_rows=max_rows, max_bytes=max_bytes, today=today)


def _check_and_store(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: bytes,
                     filename: str, *, storage: FileStorage, max_rows: int, max_bytes: int,
                     today: date) -> ImportResult:
    from engine.attachments import clean_filename

    # Kept with the case (or for the error workbook); calamine reads it from disk, not from another copy.
    stored = storage.save(data)
    try:
        sheet = open_sheet(data, item, max_rows=max_rows, max_bytes=max_bytes, catalogue=catalogue,
                           path=storage.path(stored.key))
    except BadFile as e:
        storage.delete(stored.key)
        raise ImportRefused(e.message, e.kind) from None
    ctx = RuleContext(today=today, session=session, unit_id=account.unit_id, catalogue=catalogue)
    try:
        result = check_sheet(item, sheet, ctx)
    except BaseException:
        storage.delete(stored.key)
        raise
    finally:
        sheet.close()
    if not result.rows:  # rows of spaces only: as empty as a header-only sheet
        storage.delete(stored.key)
        raise ImportRefused(HEADER_ONLY, "invalid")
    name = clean_filename(filename)
    record = BatchImport(token=secrets.token_hex(16), item_key=item.key, definition_version=result.version,
                         account_id=account.id, unit_id=account.unit_id, filename=name, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), storage_key=stored.key,
                         row_count=result.row_count, error_count=len(result.errors))
    session.add(record)
    if result.errors:
        record.errors_key = _save_errors(storage, result.errors)
        session.flush()
        raise_notice(session, catalogue, "import_failed", item=item, uploader=account, actor_role=account.role,
                     params={"filename": name, "rows": result.row_count, "errors": len(result.errors)},
                     links={"uploader": link("import_errors", token=record.token)})
        return ImportResult(record, None, result.errors, result.row_count)
    case = store_batch(session, catalogue, item, account, result.rows, name, today=today)
    record.case_id = case.id
    session.flush()
    return ImportResult(record, case, [], result.row_count, int((case.data or {}).get("replaced", 0)))
