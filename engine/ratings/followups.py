"""差评整改/回访: the follow-up a bad rating opens, for the reviewers of the case's jurisdiction.

- Opened with the rating, in its transaction: due FOLLOWUP_DAYS working days after the day of the rating
  (engine.deadlines.due_on on the working-day calendar: the day itself does not count, as for 受理).
- Whose it is: the place copied from the case (city, county). Every reviewer whose jurisdiction covers it
  sees it and may close it (engine.access.followup_clause / may_handle_followup), as with the case itself.
  Told of it (`rating_bad`): the reviewers of the level that decided the case (the reviewer whose transition
  ended it), else, when nobody of that level is left or the case ended without a reviewer (a batch
  stored by its import), those of the most local level that has any (engine.notices.recipients).
- Its clock reads like a case's (engine.deadlines.Countdown): 剩余N个工作日, 即将超期 within the ini's
  warning window, 已超期 past its day; once closed, 按期办结 or 超期办结.
- Closed once, by a reviewer, with what was done (整改情况/回访结果, required): the applicant is told
  (`followup_closed`). A follow-up past its day is told to the same reviewers once (`followup_overdue`, the
  workers' `followup_overdue_scan` job).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select, update

from engine import access, clock, deadlines, formats
from engine.deadlines import Countdown, DeadlineStatus, countdown
from engine.errors import EngineError
from engine.masking import redact_text
from engine.models import Account, Case, CaseEvent, Rating, RatingFollowup, Unit
from engine.notices.jobs import JobContext, periodic
from engine.notices.outbox import link, raise_notice
from engine.notices.recipients import jurisdiction_reviewers
from engine.paging import Page, parse_page
from engine.ratings import scale
from engine.validation import FieldError
from engine.workdays import calendar

FOLLOWUP_DAYS = 15          # working days to follow up a bad rating
OUTCOME_FIELD = "outcome"
OUTCOME_MAX = 1000
PER_PAGE = 20
OPEN, CLOSED, ALL = "open", "closed", "all"
STATUS_LABELS = {OPEN: "待整改", CLOSED: "已办结", ALL: "全部"}
DEADLINE_FILTERS = {deadlines.WARNING: deadlines.LEVEL_LABELS[deadlines.WARNING],
                    deadlines.OVERDUE: deadlines.LEVEL_LABELS[deadlines.OVERDUE]}
GONE = "该整改任务不存在"
# An individual's case is shown by this, not by the person's name (docs/privacy.md: no new surface of it).
INDIVIDUAL = "个人申请人"


class RatingError(EngineError):
    """A refusal of this package (a rating, a follow-up's close): errors holds the field problems (kind
    invalid), else the message says why."""

    def __init__(self, message: str, kind: str = "invalid", errors: list[FieldError] | None = None):
        super().__init__(message, kind)
        self.errors = errors or []


# ---- opening ---------------------------------------------------------------------

def deciding_level(session, case: Case) -> str | None:
    """The level (province, city, county) of the reviewer whose transition put the case where it ended;
    None when no reviewer did (the owner's own import, the system)."""
    actor_id = session.scalar(select(CaseEvent.actor_id).where(
        CaseEvent.case_id == case.id, CaseEvent.to_state == case.state).order_by(CaseEvent.id.desc()).limit(1))
    actor = session.get(Account, actor_id) if actor_id else None
    return access.level_of(actor.jurisdiction) if access.is_reviewer(actor) else None


def bad_levels(rating: Rating) -> list[tuple[str, str]]:
    """(dimension label, level label) of each level of the rating that makes it bad."""
    return [(d.label, scale.label(getattr(rating, d.key))) for d in scale.ALL
            if scale.BY_SCORE[getattr(rating, d.key)].bad]


def open_followup(session, catalogue, rating: Rating, case: Case, rater: Account,
                  today: date | None = None) -> RatingFollowup:
    """The follow-up of a bad rating, and its notice to the reviewers concerned (the caller's transaction)."""
    level = deciding_level(session, case)
    people = jurisdiction_reviewers(session, rating.city_code, rating.county_code, level)
    told = access.level_of(people[0].jurisdiction) if people else level
    received = today or clock.today()
    followup = RatingFollowup(rating_id=rating.id, case_id=case.id, city_code=rating.city_code,
                              county_code=rating.county_code, level=told, opened_at=clock.utcnow(),
                              deadline_on=deadlines.due_on(calendar(session), received, FOLLOWUP_DAYS))
    session.add(followup)
    session.flush()
    raise_notice(session, catalogue, "rating_bad", case=case, actor_role=rater.role, reviewers=people,
                 params={"bad_levels": "；".join(f"{d}：{lv}" for d, lv in bad_levels(rating)),
                         "comment": redact_text(rating.comment), "deadline_on": followup.deadline_on.isoformat()},
                 links={"reviewers": link("followup", id=followup.id)})
    return followup


# ---- reading -----------------------------------------------------------------------

def clock_state(followup: RatingFollowup) -> str:
    """The follow-up's clock as engine.deadlines names a case's: running while open, else met or missed."""
    if followup.closed_at is None:
        return deadlines.RUNNING
    return deadlines.outcome(followup.deadline_on, clock.to_beijing(followup.closed_at).date())


def status_of(followup: RatingFollowup, board: Countdown) -> DeadlineStatus:
    return board.status(followup.deadline_on, clock_state(followup))


def summary(followup: RatingFollowup | None, status: DeadlineStatus | None) -> dict | None:
    """A follow-up as the pages and JSON bodies of its rating show it, with its clock's status today."""
    if followup is None:
        return None
    return {"id": followup.id, "status": OPEN if followup.closed_at is None else CLOSED,
            "deadline_on": followup.deadline_on, "deadline": status,
            "opened_at": followup.opened_at, "closed_at": followup.closed_at, "outcome": followup.outcome}


def summary_json(found: dict | None) -> dict | None:
    if found is None:
        return None
    return {**found, "deadline_on": found["deadline_on"].isoformat(), "deadline": found["deadline"].as_dict(),
            "opened_at": clock.isoformat(found["opened_at"]), "closed_at": clock.isoformat(found["closed_at"])}


def of_rating(session, rating_id: int) -> RatingFollowup | None:
    return session.scalar(select(RatingFollowup).where(RatingFollowup.rating_id == rating_id))


@dataclass(frozen=True)
class FollowupQuery:
    """The list's filters as typed: status (open, closed, all) and, for open ones, 即将超期/已超期."""
    status: str = OPEN
    deadline: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params) -> tuple["FollowupQuery", dict[str, str]]:
        errors = {}

        def text(name):
            return formats.trim(formats.drop_control_chars(params.get(name) or "")) or ""

        status, deadline = text("status") or OPEN, text("deadline")
        if status not in STATUS_LABELS:
            errors["status"] = "整改状态只能是“待整改”“已办结”或“全部”"
            status = OPEN
        if deadline and deadline not in DEADLINE_FILTERS:
            errors["deadline"] = "整改期限只能按“即将超期”或“已超期”筛选"
            deadline = ""
        return cls(status, deadline, parse_page(params.get("page"))), errors

    def params(self, **over) -> dict:
        values = {"status": None if self.status == OPEN else self.status, "deadline": self.deadline or None,
                  "page": self.page}
        values.update(over)
        return {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}


@dataclass(frozen=True)
class FollowupRow:
    followup: RatingFollowup
    rating: Rating
    reference: str | None
    item_title: str
    owner_name: str
    status: DeadlineStatus

    @property
    def bad_levels(self) -> list[tuple[str, str]]:
        return bad_levels(self.rating)

    @property
    def comment(self) -> str:
        """The applicant's words as staff read them: ID numbers in them masked."""
        return redact_text(self.rating.comment)

    def as_dict(self) -> dict:
        f = self.followup
        return {"id": f.id, "case_id": f.case_id, "reference": self.reference, "item_key": self.rating.item_key,
                "item_title": self.item_title, "owner_name": self.owner_name, "city_code": f.city_code,
                "county_code": f.county_code, "level": f.level, "rated_at": clock.isoformat(self.rating.rated_at),
                "bad_levels": [{"dimension": d, "level": lv} for d, lv in self.bad_levels],
                "comment": self.comment or None, **summary_json(summary(f, self.status))}


@dataclass(frozen=True)
class FollowupPage:
    rows: list[FollowupRow]
    page: Page
    counts: dict[str, int]      # open, warning, overdue, closed: in this reviewer's jurisdiction


def _rows(session, catalogue, stmt, board: Countdown) -> list[FollowupRow]:
    out = []
    for f, rating, reference, unit_name in session.execute(stmt):
        item = catalogue.item(rating.item_key) if catalogue is not None else None
        out.append(FollowupRow(f, rating, reference, item.title if item else rating.item_key,
                               unit_name or INDIVIDUAL, status_of(f, board)))
    return out


def _joined(*where):
    return (select(RatingFollowup, Rating, Case.reference, Unit.name)
            .join(Rating, Rating.id == RatingFollowup.rating_id).join(Case, Case.id == RatingFollowup.case_id)
            .outerjoin(Unit, Unit.id == Case.unit_id).where(*where))


def followups(session, catalogue, account: Account, query: FollowupQuery,
              board: Countdown | None = None) -> FollowupPage:
    """One page of the follow-ups this reviewer sees: open ones by deadline (nearest first), closed ones
    newest first; with the counts of the tabs."""
    board = board or countdown(session)
    scope = access.followup_clause(account, RatingFollowup)
    is_open = RatingFollowup.closed_at.is_(None)
    col = RatingFollowup.deadline_on
    counted = {OPEN: is_open, deadlines.WARNING: and_(is_open, board.level_clause(deadlines.WARNING, col)),
               deadlines.OVERDUE: and_(is_open, board.level_clause(deadlines.OVERDUE, col)),
               CLOSED: RatingFollowup.closed_at.is_not(None)}
    counts = {k: session.scalar(select(func.count()).select_from(RatingFollowup).where(scope, cond))
              for k, cond in counted.items()}
    where = [scope]
    if query.status != ALL:
        where.append(counted[query.status])
    if query.deadline and query.status != CLOSED:
        where.append(counted[query.deadline])
    total = session.scalar(select(func.count()).select_from(RatingFollowup).where(*where))
    page = Page(query.page, PER_PAGE, total).within()
    order = (RatingFollowup.closed_at.desc(), RatingFollowup.id.desc()) if query.status == CLOSED else \
        (RatingFollowup.closed_at.is_not(None), col, RatingFollowup.id)
    rows = _rows(session, catalogue, _joined(*where).order_by(*order).limit(PER_PAGE).offset(page.offset), board)
    return FollowupPage(rows, page, counts)


def visible_followup(session, account: Account, followup_id) -> RatingFollowup | None:
    """The follow-up if this reviewer may see it, else None (as if it did not exist)."""
    found = session.get(RatingFollowup, followup_id) if followup_id else None
    return found if found is not None and access.may_handle_followup(account, found) else None


def followup_row(session, catalogue, followup: RatingFollowup, board: Countdown | None = None) -> FollowupRow:
    return _rows(session, catalogue, _joined(RatingFollowup.id == followup.id), board or countdown(session))[0]


# ---- closing -----------------------------------------------------------------------

def outcome_problem(text) -> tuple[str, str | None]:
    """The outcome as stored (trimmed) and what is wrong with it, if anything."""
    if text is not None and not isinstance(text, str):
        return "", "整改情况/回访结果须为文字"
    if text is not None and len(text) > OUTCOME_MAX:      # as sent: what the API document bounds
        return text, f"整改情况/回访结果最多{OUTCOME_MAX}字（现为{len(text)}字）"
    value = formats.drop_control_chars(text or "").strip()
    if not value:
        return value, "请填写整改情况/回访结果"
    return value, None


def close_followup(session, catalogue, followup: RatingFollowup, account: Account, text) -> RatingFollowup:
    """Record what was done and close the follow-up; the applicant is told. Refused outside the reviewer's
    jurisdiction (as if it did not exist), once closed (even by a colleague at the same moment), and without
    an outcome."""
    if not access.may_handle_followup(account, followup):
        raise RatingError(GONE, "not_found")
    if followup.closed_at is not None:
        raise RatingError("该整改任务已办结", "conflict")
    value, problem = outcome_problem(text)
    if problem:
        raise RatingError(problem, errors=[FieldError(f"/{OUTCOME_FIELD}", problem)])
    now = clock.utcnow()
    # The conditional UPDATE decides between two reviewers closing it at once: the second changes nothing.
    done = session.execute(update(RatingFollowup).where(
        RatingFollowup.id == followup.id, RatingFollowup.closed_at.is_(None))
        .values(closed_at=now, closed_by=account.id, outcome=value).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise RatingError("该整改任务已办结", "conflict")
    session.refresh(followup)
    case = session.get(Case, followup.case_id)
    raise_notice(session, catalogue, "followup_closed", case=case, actor_role=account.role,
                 params={"outcome": redact_text(value)})
    return followup


# ---- 超期: the workers' scan ----------------------------------------------------------

def overdue_scan(session, catalogue, today: date | None = None) -> list[int]:
    """Tell the reviewers concerned of each open follow-up past its day, once (overdue_at); the ids told."""
    board = countdown(session, today=today)
    due = session.scalars(select(RatingFollowup.id).where(
        RatingFollowup.closed_at.is_(None), RatingFollowup.overdue_at.is_(None),
        board.level_clause(deadlines.OVERDUE, RatingFollowup.deadline_on)).order_by(RatingFollowup.id)).all()
    told = []
    for followup_id in due:
        taken = session.execute(update(RatingFollowup).where(
            RatingFollowup.id == followup_id, RatingFollowup.overdue_at.is_(None))
            .values(overdue_at=clock.utcnow()).execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            continue
        followup = session.get(RatingFollowup, followup_id)
        case = session.get(Case, followup.case_id)
        raise_notice(session, catalogue, "followup_overdue", case=case,
                     reviewers=jurisdiction_reviewers(session, followup.city_code, followup.county_code,
                                                      followup.level),
                     params={"deadline_on": followup.deadline_on.isoformat()},
                     links={"reviewers": link("followup", id=followup.id)})
        told.append(followup_id)
    return told


@periodic("followup_overdue_scan", every=timedelta(minutes=30))
def followup_overdue_job(ctx: JobContext) -> None:
    overdue_scan(ctx.session, ctx.catalogue, clock.to_beijing(ctx.now).date() if ctx.now else None)
