"""办理时限: each case's clock on the working-day calendar, driven by the time limits the states of its
workflow declare (`"time_limit": 10` working days). No item and no state is named here.

- A transition into a state with a time limit of N starts a new clock: the deadline is the Nth working day
  after the day of that transition (the day of 受理 does not count; engine/workdays.py counts), and the
  case is on time until the end of that day, Beijing time.
- Leaving it for an `editable` state (returned to the owner for correction) stops the clock: 已退回，
  暂停计时. The next submission into a timed state starts a new clock with the whole limit.
- Leaving it for any other state ends the clock: 按期办结 (met) or 超期办结 (missed).
- A transition from a state to itself leaves the clock alone.

While a clock runs, cases.deadline_on holds its deadline (NULL otherwise, so the partial deadline
indexes hold only running clocks); cases.clock says running, paused, met or missed; cases.clock_round
counts the clocks a case has had. engine.workflow.fire calls `follow` on every transition.

A running clock is 即将超期 (warning) while at most `warning_days` working days remain after today
(jianxi.deadline_warning_days in the ini, 2 by default) and 已超期 (overdue) once its deadline day is
past. `scan` records each clock's entering either once (deadline_crossings) and returns what it recorded,
for the notices worker to tell the reviewers concerned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine import clock
from engine.models import Case, DeadlineCrossing
from engine.workdays import WorkCalendar, calendar

RUNNING, PAUSED, MET, MISSED = "running", "paused", "met", "missed"
NORMAL, WARNING, OVERDUE = "normal", "warning", "overdue"
WARNING_DAYS = 2
LEVEL_LABELS = {WARNING: "即将超期", OVERDUE: "已超期"}
ENDED_LABELS = {PAUSED: "已退回，暂停计时", MET: "按期办结", MISSED: "超期办结"}


def warning_days(value) -> int:
    """The ini's jianxi.deadline_warning_days: a whole number of working days, 0 or more."""
    if value is None or str(value).strip() == "":
        return WARNING_DAYS
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 365:
        raise ValueError(f"jianxi.deadline_warning_days 须为0至365之间的整数（工作日），现为“{text}”")
    return int(text)


# ---- starting and stopping clocks ---------------------------------------------

def due_on(cal: WorkCalendar, received: date, limit: int) -> date:
    """The deadline of a limit of `limit` working days counted from the day after `received` (受理); also the
    deadline of other tasks on the same calendar (a bad rating's follow-up, engine/ratings)."""
    return cal.add_workdays(received, limit)


def outcome(deadline_on: date | None, finished: date) -> str:
    """What became of a clock that stopped on `finished`: 按期办结 (met) or 超期办结 (missed)."""
    return MISSED if deadline_on is not None and finished > deadline_on else MET


def start_clock(case: Case, cal: WorkCalendar, received: date, limit: int) -> None:
    case.clock_round = (case.clock_round or 0) + 1
    case.deadline_on = due_on(cal, received, limit)
    case.clock = RUNNING


def follow(session, case: Case, workflow, source: str, today: date) -> None:
    """Set the case's clock after it moved from `source` to its current state (see the module's rules)."""
    dest = case.state
    if dest == source:
        return
    limit = workflow.time_limit(dest)
    if limit:
        start_clock(case, calendar(session), today, limit)
    elif case.clock == RUNNING:
        if workflow.editable(dest):
            case.clock = PAUSED
        else:
            case.clock = outcome(case.deadline_on, today)
        case.deadline_on = None


def start_missing(session, catalogue, chunk: int = 1_000) -> int:
    """Start the clocks of cases that wait in a timed state without one (cases already waiting when the time
    limits came in: migration 0007, or a limit added to a workflow later), counted from the day they were
    submitted. Returns how many were started."""
    cal = calendar(session)
    started = 0
    for wf in catalogue.workflows.values():
        for state in wf.state_names:
            limit = wf.time_limit(state)
            while limit:
                cases = session.scalars(select(Case).where(
                    Case.workflow_key == wf.key, Case.state == state, Case.clock.is_(None),
                    Case.submitted_at.is_not(None)).order_by(Case.id).limit(chunk)).all()
                for case in cases:
                    start_clock(case, cal, clock.to_beijing(case.submitted_at).date(), limit)
                session.flush()
                started += len(cases)
                if len(cases) < chunk:
                    break
    return started


# ---- what people see ----------------------------------------------------------

@dataclass(frozen=True)
class DeadlineStatus:
    clock: str                   # running, paused, met, missed
    level: str | None            # a running clock: normal, warning, overdue
    deadline_on: date | None
    remaining: int | None        # working days left after today, while not overdue
    overdue_by: int | None       # working days past the deadline, once overdue

    @property
    def label(self) -> str:
        if self.clock != RUNNING:
            return ENDED_LABELS[self.clock]
        if self.level == OVERDUE:
            return f"已超期{self.overdue_by}个工作日" if self.overdue_by else "已超期"
        left = "今日到期" if self.remaining == 0 else f"剩余{self.remaining}个工作日"
        return f"即将超期：{left}" if self.level == WARNING else left

    def as_dict(self) -> dict:
        return {"clock": self.clock, "level": self.level,
                "deadline_on": self.deadline_on.isoformat() if self.deadline_on else None,
                "remaining_workdays": self.remaining, "overdue_workdays": self.overdue_by, "label": self.label}


@dataclass(frozen=True)
class Countdown:
    """Today's view of every clock: built once per request (one small query for the calendar)."""
    calendar: WorkCalendar
    today: date
    warning_days: int = WARNING_DAYS

    @cached_property
    def warn_before(self) -> date:
        """A running clock whose deadline is before this day is 即将超期 or 已超期."""
        return self.calendar.add_workdays(self.today, self.warning_days + 1)

    def status(self, deadline_on: date | None, clock_state: str | None) -> DeadlineStatus | None:
        if clock_state in ENDED_LABELS:
            return DeadlineStatus(clock_state, None, None, None, None)
        if clock_state != RUNNING or deadline_on is None:
            return None
        if self.today > deadline_on:
            return DeadlineStatus(RUNNING, OVERDUE, deadline_on, None,
                                  self.calendar.workdays_between(deadline_on, self.today))
        left = self.calendar.workdays_between(self.today, deadline_on)
        return DeadlineStatus(RUNNING, WARNING if left <= self.warning_days else NORMAL, deadline_on, left, None)

    def of(self, case: Case) -> DeadlineStatus | None:
        return self.status(case.deadline_on, case.clock)

    def level_clause(self, level: str, column=Case.deadline_on):
        """The SQL condition for 即将超期 or 已超期: a range of deadline_on (the deadline indexes); `column`
        for another table's deadline on the same calendar (a follow-up's)."""
        if level == OVERDUE:
            return column < self.today
        return and_(column >= self.today, column < self.warn_before)


def countdown(session, warning: int = WARNING_DAYS, today: date | None = None) -> Countdown:
    return Countdown(calendar(session), today or clock.today(), warning)


# ---- the scan -----------------------------------------------------------------

@dataclass(frozen=True)
class Crossing:
    """A clock that entered 预警 (warning) or 超期 (overdue), recorded by this scan."""
    case_id: int
    kind: str
    deadline_on: date
    clock_round: int
    reference: str | None
    item_key: str
    workflow_key: str
    state: str
    city_code: str | None
    county_code: str | None

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.kind]


def _insert(session):
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(DeadlineCrossing)


def scan(session, now: datetime, warning: int = WARNING_DAYS, chunk: int = 500) -> list[Crossing]:
    """Record every running clock that is now 即将超期 or 已超期 and was not yet recorded so for this clock;
    return those recorded here. Repeated and concurrent scans record each crossing once: the unique
    (case, clock, kind) key decides, and a scan returns only the rows it inserted itself. A clock found
    already overdue is recorded as overdue only: its warning would come too late to help."""
    board = Countdown(calendar(session), clock.to_beijing(now).date(), warning)
    found = []
    for kind in (OVERDUE, WARNING):
        recorded = exists().where(DeadlineCrossing.case_id == Case.id,
                                  DeadlineCrossing.clock_round == Case.clock_round, DeadlineCrossing.kind == kind)
        found += [(kind, row) for row in session.execute(
            select(Case.id, Case.deadline_on, Case.clock_round, Case.reference, Case.item_key, Case.workflow_key,
                   Case.state, Case.city_code, Case.county_code)
            .where(Case.deadline_on.is_not(None), board.level_clause(kind), ~recorded)
            .order_by(Case.deadline_on, Case.id))]
    at = clock.utcnow()
    out = []
    for i in range(0, len(found), chunk):
        part = found[i:i + chunk]
        stmt = _insert(session).values([
            {"case_id": r.id, "clock_round": r.clock_round, "kind": kind, "deadline_on": r.deadline_on, "at": at}
            for kind, r in part]).on_conflict_do_nothing(index_elements=["case_id", "clock_round", "kind"])
        inserted = {tuple(r) for r in session.execute(stmt.returning(DeadlineCrossing.case_id, DeadlineCrossing.kind))}
        out += [Crossing(r.id, kind, r.deadline_on, r.clock_round, r.reference, r.item_key, r.workflow_key,
                         r.state, r.city_code, r.county_code) for kind, r in part if (r.id, kind) in inserted]
    return out
