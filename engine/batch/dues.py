"""Which units owe which monthly report, and by when: an item's `due` (engine/declarations.py) on the
working-day calendar, and for an item and a month M every unit with a trainee on its roster in M.

- The roster: the active rows of the item playing `agreements` whose start_date..end_date meets M (the
  `on_roster` rule's test): an agreement ending on 15 March puts its trainee on the roster for March, one
  starting on 20 March too. A trainee with two agreements at one unit that month counts once.
- Reported: the roster's trainees with an active row of the item for M. A revoked batch's rows are inactive
  and count for nothing; so does a row for someone not on the roster.
- Status: 缺报 (`missing`) when the unit has no active row of the item for M at all; 部分缺报 (`partly`) when
  it has some, but not one for every trainee on its roster; otherwise nothing is owed and it is not listed.
  A unit with no trainee on its roster in M owes nothing.
- The due date of M: `day` of M+1 (the last day of a shorter month), moved to the next working day when it is
  not one (engine/workdays.py: a weekend or a holiday; a 调休 Saturday is a working day and stays), as a
  Chinese filing deadline is. Reminders start `remind_before` calendar days before it, never before M+1.

`owed` is one SELECT: the roster is an index range (ix_batch_rows_agreed), each trainee on it is looked up in
the month's rows (ix_batch_rows_filed), and the result grouped by unit; a reviewer's jurisdiction narrows the
roster first. Measured on 10k units, 100k agreements and 240k rows: a few hundred milliseconds on either
database, whatever the caller adds (a page, the reminders' "not yet told").
"""
from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import aliased

from engine import declarations
from engine.models import AGREED_SQL, FILED_SQL, BatchRow, Unit
from engine.workdays import WorkCalendar

MISSING, PARTLY = "missing", "partly"
STATUS_LABELS = {MISSING: "缺报", PARTLY: "部分缺报"}
SOON, OVERDUE = "soon", "overdue"      # the reminders' kinds (report_reminders.kind)
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
LOOK_BACK = 4    # months: a due date is in M+1, or a few days later after a holiday at the end of M+1


# ---- months and due dates --------------------------------------------------------

def is_month(value) -> bool:
    return isinstance(value, str) and bool(_MONTH.fullmatch(value)) and value >= "0001-01"


def shift(month: str, n: int) -> str:
    """The month n months after `month` (before, for a negative n)."""
    y, m = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + n, 12)
    return f"{y:04d}-{m + 1:02d}"


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def month_label(month: str) -> str:
    """"2026-03" as people write it: 2026年3月."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def date_label(day: date) -> str:
    """A date as a notice writes it: 2026年4月10日."""
    return f"{day.year}年{day.month}月{day.day}日"


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> date:
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, month_calendar.monthrange(y, m)[1])


def due_on(due: declarations.Due, month: str, cal: WorkCalendar) -> date:
    """When the report for `month` is due: `day` of the next month (its last day if shorter), or the next
    working day after it when that day is not one."""
    following = shift(month, 1)
    day = min(due.day, last_day(following).day)
    d = first_day(following).replace(day=day)
    return d if cal.is_workday(d) else cal.add_workdays(d, 1)


def remind_from(due: declarations.Due, month: str, cal: WorkCalendar) -> date:
    """The first day of the 即将到期 reminder: remind_before days before the due date, not before the month ends."""
    return max(due_on(due, month, cal) - timedelta(days=due.remind_before), first_day(shift(month, 1)))


def latest_due(due: declarations.Due, today: date, cal: WorkCalendar) -> str:
    """The latest month whose due date has passed (the 缺报名单's default month)."""
    month = shift(month_of(today), -1)
    for _ in range(LOOK_BACK):
        if due_on(due, month, cal) < today:
            return month
        month = shift(month, -1)
    return month


def reminders_due(due: declarations.Due, today: date, cal: WorkCalendar) -> list[tuple[str, str, date]]:
    """(kind, month, due date) of the reminders of today: `soon` for each month whose reminder window holds
    today (from remind_from through the due date), `overdue` for the latest month whose due date has passed
    (a later month's overdue reminder replaces it: each is sent once, when it is new)."""
    out = []
    latest = latest_due(due, today, cal)
    for n in range(LOOK_BACK, 0, -1):
        month = shift(month_of(today), -n)
        if month > latest and remind_from(due, month, cal) <= today <= due_on(due, month, cal):
            out.append((SOON, month, due_on(due, month, cal)))
    out.append((OVERDUE, latest, due_on(due, latest, cal)))
    return out


# ---- who owes what ---------------------------------------------------------------

def owed(catalogue, item, month: str, units=None):
    """Every unit with a trainee on its roster in `month`, as a subquery: unit_id, trainees (on the roster),
    reported (of them, with an active row of `item` for the month), filed (the unit's active rows of `item`
    for the month, anyone's). `item` declares `due`, so its rows are indexed by person and month and there is
    at most one active row per unit, person and month (the loader checks its batch.row_key). units: a SQL
    condition on units (a reviewer's jurisdiction) applied to the roster first."""
    agreements = declarations.role_item(catalogue, "agreements")
    if agreements is None:  # the loader refuses `due` when no item plays the role
        raise LookupError("no item plays the `agreements` role")
    on_roster = [BatchRow.item_key == agreements.key, text(AGREED_SQL),
                 BatchRow.end_date >= first_day(month), BatchRow.start_date <= last_day(month)]
    if units is not None:
        on_roster.append(BatchRow.unit_id.in_(select(Unit.id).where(units)))
    roster = select(BatchRow.unit_id, BatchRow.id_number).distinct().where(*on_roster).cte("roster")
    # Each trainee on the roster looked up in the item's rows of the month (ix_batch_rows_filed), never a scan.
    row = aliased(BatchRow, name="report_row")
    found = and_(row.item_key == item.key, row.month == month, row.unit_id == roster.c.unit_id,
                 row.id_number == roster.c.id_number, text(FILED_SQL))
    counts = (select(roster.c.unit_id, func.count().label("trainees"), func.count(row.id_number).label("reported"))
              .select_from(roster.outerjoin(row, found)).group_by(roster.c.unit_id).cte("roster_counts"))
    per_unit = (select(BatchRow.unit_id, func.count().label("filed"))
                .where(BatchRow.item_key == item.key, text(FILED_SQL), BatchRow.month == month)
                .group_by(BatchRow.unit_id).cte("filed_units"))
    return (select(counts.c.unit_id, counts.c.trainees, counts.c.reported,
                   func.coalesce(per_unit.c.filed, 0).label("filed"))
            .select_from(counts.outerjoin(per_unit, per_unit.c.unit_id == counts.c.unit_id))
            .subquery("owed"))


def outstanding(sq):
    """Units of an `owed` subquery that owe something: 缺报 or 部分缺报."""
    return sq.c.reported < sq.c.trainees


def missing(sq):
    """Units of an `owed` subquery with no row at all for the month (缺报)."""
    return sq.c.filed == 0


def status(reported: int, trainees: int, filed: int) -> str | None:
    """missing, partly, or None when every trainee on the roster is reported."""
    if filed == 0:
        return MISSING
    return PARTLY if reported < trainees else None


@dataclass(frozen=True)
class Owed:
    unit_id: int
    trainees: int
    reported: int
    filed: int

    @property
    def status(self) -> str | None:
        return status(self.reported, self.trainees, self.filed)


def units_owing(session, catalogue, item, month: str, *, everyone: bool = False) -> list[Owed]:
    """The units that owe the month's report (with everyone: every unit with a trainee on its roster), by id."""
    sq = owed(catalogue, item, month)
    stmt = select(sq.c.unit_id, sq.c.trainees, sq.c.reported, sq.c.filed).order_by(sq.c.unit_id)
    if not everyone:
        stmt = stmt.where(outstanding(sq))
    return [Owed(*r) for r in session.execute(stmt)]
