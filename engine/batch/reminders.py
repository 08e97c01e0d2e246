"""Reminders of monthly reports: the workers' `report_reminders` job, telling a unit's agents that a report
with a due date (an item's `due`) is due soon or late.

For each item with `due`, today's reminders (engine.batch.dues.reminders_due): `report_due_soon` from
`remind_before` days before the due date through the due date, and `report_overdue` once it has passed, each
to every unit whose report for that month is 缺报 (no row at all). A unit that reported part of its roster
(部分缺报) did report, and is not told it did not: the reviewers' 缺报名单 lists it with its counts.

Each (unit, item, month, kind) is recorded once in report_reminders, in the transaction of its notices:
repeated runs and concurrent ones (two workers, the console command beside a worker) insert ON CONFLICT DO
NOTHING and notify only for the rows they inserted themselves, so no unit is told twice and none is recorded
without being told (the pattern of engine.deadlines.scan). A unit found already late gets the overdue
reminder only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine import clock, declarations
from engine.batch import dues
from engine.models import ReportReminder, Unit
from engine.notices.jobs import JobContext, periodic
from engine.notices.outbox import link, raise_notice
from engine.workdays import calendar

EVENTS = {dues.SOON: "report_due_soon", dues.OVERDUE: "report_overdue"}
KIND_LABELS = {dues.SOON: "即将到期", dues.OVERDUE: "已逾期"}
# Beijing hour from which the hourly job sends the day's reminders: nobody is texted at night.
START_HOUR = 8


@dataclass(frozen=True)
class Reminder:
    """A reminder recorded (and its notices raised) by this run."""
    unit_id: int
    unit_name: str
    item_key: str
    month: str
    kind: str
    due_on: date
    trainees: int

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def remind(session, catalogue, now: datetime) -> list[Reminder]:
    """Record and notify every reminder due now (as of the Beijing date of `now`) that was not yet sent."""
    today = clock.to_beijing(now).date()
    cal = calendar(session)
    out = []
    for item in declarations.due_items(catalogue):
        for kind, month, due_on in dues.reminders_due(declarations.due_of(item), today, cal):
            out += _remind(session, catalogue, item, kind, month, due_on)
    return out


def _insert(session):
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(ReportReminder)


def _remind(session, catalogue, item, kind: str, month: str, due_on: date, chunk: int = 500) -> list[Reminder]:
    sq = dues.owed(catalogue, item, month)
    told = exists().where(ReportReminder.unit_id == sq.c.unit_id, ReportReminder.item_key == item.key,
                          ReportReminder.month == month, ReportReminder.kind == kind)
    found = session.execute(select(sq.c.unit_id, sq.c.trainees, Unit.name).join(Unit, Unit.id == sq.c.unit_id)
                            .where(dues.missing(sq), ~told).order_by(sq.c.unit_id)).all()
    params = {"month": dues.month_label(month), "due_on": dues.date_label(due_on)}
    links = {"owner": link("item", key=item.key)}
    at = clock.utcnow()
    out = []
    for i in range(0, len(found), chunk):
        part = found[i:i + chunk]
        stmt = _insert(session).values([
            {"unit_id": r.unit_id, "item_key": item.key, "month": month, "kind": kind, "due_on": due_on, "at": at}
            for r in part]).on_conflict_do_nothing(index_elements=["unit_id", "item_key", "month", "kind"])
        inserted = set(session.scalars(stmt.returning(ReportReminder.unit_id)))
        for r in part:
            if r.unit_id not in inserted:
                continue   # another run recorded it first, and told the unit
            raise_notice(session, catalogue, EVENTS[kind], item=item, owner=(r.unit_id, None), links=links,
                         params={**params, "owner_name": r.name, "trainees": str(r.trainees)})
            out.append(Reminder(r.unit_id, r.name, item.key, month, kind, due_on, r.trainees))
    return out


@periodic("report_reminders", every=timedelta(hours=1))
def report_reminders(ctx: JobContext) -> None:
    now = ctx.now or clock.now()
    if clock.to_beijing(now).hour < START_HOUR:
        return
    remind(ctx.session, ctx.catalogue, now)
