"""缺报名单: for an item with `due` and a month, the units overseen by the viewer (engine.access.
unit_jurisdiction_clause: a reviewer's jurisdiction over the units' 业务办理归属地, every unit for an
administrator) that owe that month's report (engine.batch.dues), as a page and as a workbook of the same rows.

Only items with `due` can be chosen; the month defaults to the latest month whose due date has passed. A row:
the unit, its credit code and 业务办理归属地, the trainees on its roster that month, how many of them are
reported, the due date, and its status: 缺报 (nothing reported) or 部分缺报, with 已逾期 N 天 (calendar days
after the due date) or 未到期. 缺报 first, then by region and name. The page counts and pages in SQL; the
workbook holds the whole list (formula-neutralised: unit names are typed by units).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from engine import access, clock, declarations, formats
from engine.batch import dues
from engine.models import Unit
from engine.paging import Page, parse_page, parse_per_page
from engine.regions import load_regions
from engine.spreadsheet import neutralise
from engine.workdays import calendar

PER_PAGE = 50
MAX_PER_PAGE = 200
EXPORT_MAX_ROWS = 100_000
HEADERS = ("单位名称", "统一社会信用代码", "业务办理归属地", "在册见习人员", "已上报", "报送期限", "状态")
FIRST_YEAR, LAST_YEAR = 1900, 9998     # months beyond are no report's (and M+1 must still be a date)


@dataclass
class MissingQuery:
    """What the page or the API asked for, checked: an item with `due`, a month "YYYY-MM", a page."""
    item: str = ""
    month: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    typed_month: str = ""     # as typed, kept on the page when it is wrong

    @classmethod
    def from_params(cls, params, catalogue, session, today: date | None = None
                    ) -> tuple["MissingQuery", dict[str, str]]:
        """The query and a message per field typed wrong (that field then takes its default)."""
        errors: dict[str, str] = {}
        out = cls(page=parse_page(params.get("page")),
                  per_page=parse_per_page(params.get("per_page"), PER_PAGE, MAX_PER_PAGE))
        choices = declarations.due_items(catalogue)
        typed = formats.trim(formats.drop_control_chars(params.get("item") or ""))
        item = catalogue.item(typed) if typed else None
        if typed and declarations.due_of(item) is None:
            errors["item"] = "请选择有报送期限的事项"
            item = None
        item = item or (choices[0] if choices else None)
        out.item = item.key if item is not None else ""
        out.typed_month = formats.trim(formats.drop_control_chars(params.get("month") or ""))
        month = formats.parse_month_text(out.typed_month) if out.typed_month else None
        if out.typed_month and not (month and FIRST_YEAR <= int(month[:4]) <= LAST_YEAR):
            errors["month"] = "月份格式应为“年-月”，如2026-03"
            month = None
        if month is None and item is not None:
            month = dues.latest_due(declarations.due_of(item), today or clock.today(), calendar(session))
        out.month = month or ""
        if month and not errors.get("month"):
            out.typed_month = month
        return out, errors

    def params(self, **over) -> dict:
        values = {"item": self.item, "month": self.month, "page": self.page}
        values.update(over)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


@dataclass(frozen=True)
class MissingRow:
    unit_id: int
    name: str
    credit_code: str
    city_code: str | None
    county_code: str | None
    trainees: int
    reported: int
    status: str                 # dues.MISSING or dues.PARTLY
    due_on: date
    overdue_days: int | None    # calendar days after the due date; None while it has not passed

    @property
    def status_label(self) -> str:
        return dues.STATUS_LABELS[self.status]

    @property
    def timing(self) -> str:
        return f"已逾期{self.overdue_days}天" if self.overdue_days else "未到期"

    @property
    def label(self) -> str:
        return f"{self.status_label}，{self.timing}"

    @property
    def region(self) -> str:
        regions = load_regions()
        return regions.label(self.county_code) or regions.label(self.city_code)

    def as_dict(self) -> dict:
        return {"unit": {"id": self.unit_id, "name": self.name, "credit_code": self.credit_code},
                "city": self.city_code, "county": self.county_code, "region": self.region,
                "trainees": self.trainees, "reported": self.reported, "status": self.status,
                "status_label": self.status_label, "due_on": self.due_on.isoformat(),
                "overdue_days": self.overdue_days, "label": self.label}


@dataclass
class MissingPage:
    query: MissingQuery
    item: object | None              # the item shown (None: no item declares `due`)
    choices: list                    # the items with `due`
    due_on: date | None
    overdue_days: int | None
    rows: list[MissingRow] = field(default_factory=list)
    total: int = 0
    counts: dict = field(default_factory=dict)    # status -> units

    @property
    def pages(self) -> int:
        return Page(self.query.page, self.query.per_page, self.total).pages

    @property
    def month_label(self) -> str:
        return dues.month_label(self.query.month) if self.query.month else ""


def _statement(catalogue, account, item, month: str):
    """The units this account oversees that owe the month's report, with what the rows show, in page order,
    and (window functions, so that a page is one evaluation of the list) how many there are and how many of
    them reported nothing."""
    clause = access.unit_jurisdiction_clause(account)
    sq = dues.owed(catalogue, item, month, units=clause)
    nothing = case((dues.missing(sq), 1), else_=0)
    return (select(Unit.id, Unit.name, Unit.credit_code, Unit.city_code, Unit.county_code, sq.c.trainees,
                   sq.c.reported, sq.c.filed, func.count().over().label("total"),
                   func.sum(nothing).over().label("none_filed"))
            .join(Unit, Unit.id == sq.c.unit_id)
            .where(dues.outstanding(sq), clause)
            .order_by(nothing.desc(), func.coalesce(Unit.county_code, ""), Unit.name, Unit.id))


def _row(r, due_on: date, overdue_days: int | None) -> MissingRow:
    return MissingRow(r.id, r.name, r.credit_code, r.city_code, r.county_code, r.trainees, r.reported,
                      dues.status(r.reported, r.trainees, r.filed), due_on, overdue_days)


def _due(session, item, month: str, today: date | None) -> tuple[date, int | None]:
    """The month's due date, and how many days it is past (None while it has not passed)."""
    due_on = dues.due_on(declarations.due_of(item), month, calendar(session))
    today = today or clock.today()
    return due_on, ((today - due_on).days if today > due_on else None)


def missing_page(session, catalogue, account, query: MissingQuery, today: date | None = None) -> MissingPage:
    """One page of the list, with its total and the count of each status."""
    choices = declarations.due_items(catalogue)
    item = catalogue.item(query.item) if query.item else None
    if item is None or not query.month:
        return MissingPage(query, None, choices, None, None)
    due_on, overdue_days = _due(session, item, query.month, today)
    stmt = _statement(catalogue, account, item, query.month)
    found = session.execute(stmt.offset((query.page - 1) * query.per_page).limit(query.per_page)).all()
    if found:
        total, none_filed = found[0].total, found[0].none_filed
    else:   # past the end (or nothing owed): count, and show the last page
        listed = stmt.order_by(None).subquery()
        total, none_filed = session.execute(select(func.count(), func.coalesce(
            func.sum(case((listed.c.filed == 0, 1), else_=0)), 0)).select_from(listed)).one()
        page = Page(query.page, query.per_page, total).within()
        if page.number != query.page:
            query.page = page.number
            found = session.execute(stmt.offset(page.offset).limit(page.per_page)).all()
    rows = [_row(r, due_on, overdue_days) for r in found]
    return MissingPage(query, item, choices, due_on, overdue_days, rows, total,
                       {dues.MISSING: none_filed, dues.PARTLY: total - none_filed})


def missing_rows(session, catalogue, account, query: MissingQuery, today: date | None = None,
                 limit: int = EXPORT_MAX_ROWS) -> list[MissingRow]:
    """The whole list (up to `limit` rows), in the page's order."""
    item = catalogue.item(query.item) if query.item else None
    if item is None or not query.month:
        return []
    due_on, overdue_days = _due(session, item, query.month, today)
    stmt = _statement(catalogue, account, item, query.month)
    return [_row(r, due_on, overdue_days) for r in session.execute(stmt.limit(limit))]


def missing_xlsx(session, catalogue, account, query: MissingQuery, today: date | None = None) -> bytes:
    """The list as a workbook: a header row, then one row per unit as on the page (every text neutralised)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = missing_rows(session, catalogue, account, query, today)
    wb = Workbook()
    ws = wb.active
    ws.title = "缺报名单"
    ws.append(list(HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([neutralise(r.name), r.credit_code, r.region, r.trainees, r.reported, r.due_on.isoformat(),
                   r.label])
    for row in ws.iter_rows(min_row=2, min_col=1, max_col=3):
        for c in row:
            c.data_type, c.number_format = "s", "@"   # text, never a formula or a number
    for col, width in zip("ABCDEFG", (36, 22, 20, 12, 10, 12, 20)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
