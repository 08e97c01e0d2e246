"""A unit's imports read back: its recent imports of an item, the case an import just made, the error
workbook of a refused file, a batch case in figures and its rows a page at a time, and the reviewers' copy
of the uploaded file.

An import belongs to the account that made it (engine.access.made_by): the error workbook and the case
shown back right after an import are for that account alone, not for the rest of its unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case as sql_case, func, select

from engine import access, masking
from engine.batch.errorbook import build_error_workbook
from engine.batch.importer import load_errors
from engine.batch.template import choices_for, open_position_names
from engine.cases.lifecycle import definition_for
from engine.cases.detail import source_import
from engine.definitions.model import Catalogue, ItemDefinition
from engine.models import Account, BatchImport, BatchRow, Case, row_id
from engine.paging import Page, parse_page
from engine.spreadsheet import neutralised_copy
from engine.storage import FileStorage

RECENT = 10
ROWS_PER_PAGE = 100


@dataclass(frozen=True)
class RecentImport:
    record: BatchImport
    case: Case | None          # None: the file was refused
    state_label: str | None


def recent_imports(session, catalogue: Catalogue, item: ItemDefinition, account: Account,
                   limit: int = RECENT) -> list[RecentImport]:
    """This account's latest imports of the item, newest first, each with the case it became, if any."""
    records = session.scalars(
        select(BatchImport).where(access.made_by_clause(account, BatchImport), BatchImport.item_key == item.key)
        .order_by(BatchImport.id.desc()).limit(limit)).all()
    ids = [r.case_id for r in records if r.case_id]
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))} if ids else {}
    wf = catalogue.workflow_for(item)
    out = []
    for r in records:
        case = cases.get(r.case_id)
        out.append(RecentImport(r, case, wf.label(case.state) if case else None))
    return out


def imported_case(session, item: ItemDefinition, account: Account, case_id) -> Case | None:
    """The case of this item an import by this account made (the item page shows it back), else None."""
    case_id = row_id(case_id)
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None or case.item_key != item.key or not access.made_by(account, case):
        return None
    return case


def error_record(session, account: Account, token: str) -> BatchImport | None:
    """A refused import by the token of its error workbook; to anyone but its importer it does not exist."""
    record = session.scalar(select(BatchImport).where(BatchImport.token == token))
    if record is None or not access.made_by(account, record) or not record.error_count:
        return None
    return record


@dataclass(frozen=True)
class ErrorWorkbook:
    record: BatchImport
    body: bytes
    saved_key: str | None      # made now and kept for next time: the caller deletes it if its transaction fails


def error_workbook(session, catalogue: Catalogue, store: FileStorage, account: Account,
                   token: str) -> ErrorWorkbook | None:
    """The uploaded file with every error marked, made once and then kept; None if there is no such
    workbook for this account, or its item is gone."""
    record = error_record(session, account, token)
    if record is None:
        return None
    if record.errorbook_key and store.exists(record.errorbook_key):
        return ErrorWorkbook(record, store.read(record.errorbook_key), None)
    item = catalogue.item(record.item_key)
    if item is None:
        return None
    choices = choices_for(item, open_position_names(session, record.unit_id))
    body = build_error_workbook(store.read(record.storage_key), item, load_errors(store, record),
                                choices=choices, version=record.definition_version)
    record.errorbook_key = store.save(body).key
    return ErrorWorkbook(record, body, record.errorbook_key)


@dataclass(frozen=True)
class SourceCopy:
    record: BatchImport
    body: bytes


def source_copy(session, store: FileStorage, case: Case) -> SourceCopy | None:
    """The workbook a batch case was imported from, as reviewers get it: its values with every formula turned
    into text (engine.spreadsheet.neutralised_copy). None if the case was not imported or the file is gone.

    Made anew on each download rather than kept: reviewers rarely download it (the rows page shows the
    data), a stored copy would need a column to find it and would keep an older neutralising once the rule
    changes, and the file was accepted within the import's limits, so making it is bounded."""
    record = source_import(session, case)
    if record is None or not store.exists(record.storage_key):
        return None
    return SourceCopy(record, neutralised_copy(store.read(record.storage_key)))


@dataclass(frozen=True)
class ShownRow:
    """A stored row as a list shows it: ID numbers and mobiles masked (engine.masking)."""
    row_number: int
    active: bool
    data: dict


def shown_rows(item: ItemDefinition, rows) -> list[ShownRow]:
    return [ShownRow(r.row_number, r.active, masking.masked_record(item, r.data)) for r in rows]


@dataclass(frozen=True)
class RowsPage:
    """A page of a batch case's rows, as imported, under the definition it was imported with."""
    item: ItemDefinition
    rows: list[ShownRow]
    page: Page
    masked: dict[str, str]     # field key -> the mask its values went through (engine.masking)
    state_label: str
    source: BatchImport | None


def rows_page(session, catalogue: Catalogue, case: Case, page) -> RowsPage | None:
    """None when the case's item is no longer a batch item of the catalogue."""
    current = catalogue.item(case.item_key)
    if current is None or not current.is_batch:
        return None
    item = definition_for(session, catalogue, case)
    total = session.scalar(select(func.count()).select_from(BatchRow).where(BatchRow.case_id == case.id))
    shown = Page(parse_page(page), ROWS_PER_PAGE, total).within()
    rows = session.scalars(
        select(BatchRow).where(BatchRow.case_id == case.id).order_by(BatchRow.row_number)
        .limit(ROWS_PER_PAGE).offset(shown.offset)).all()
    return RowsPage(item, shown_rows(item, rows), shown, masking.masked_fields(item),
                    catalogue.workflows[case.workflow_key].label(case.state), source_import(session, case))


@dataclass(frozen=True)
class BatchSummary:
    """A batch case in figures, for its owner's page instead of a form it never had."""
    rows: int
    people: int            # distinct ID numbers
    months: list[str]      # the 申报月份 its rows report (items whose rows have a month), in order
    first_day: date | None  # the period its rows cover (items whose rows have dates: agreements)
    last_day: date | None
    replaced: int          # rows of earlier reports of the same person and period this import replaced
    active: int            # rows still counting (not replaced since, nor revoked)


def batch_summary(session, case: Case) -> BatchSummary:
    of_case = BatchRow.case_id == case.id
    rows, people, active, first, last = session.execute(select(
        func.count(), func.count(BatchRow.id_number.distinct()),
        func.coalesce(func.sum(sql_case((BatchRow.active.is_(True), 1), else_=0)), 0),
        func.min(BatchRow.start_date), func.max(BatchRow.end_date)).where(of_case)).one()
    months = list(session.scalars(select(BatchRow.month).where(of_case, BatchRow.month.is_not(None))
                                  .distinct().order_by(BatchRow.month)))
    return BatchSummary(rows, people, months, first, last, int((case.data or {}).get("replaced", 0)), int(active))
