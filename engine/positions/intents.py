"""我有意向: an individual registers interest in a position once (again after withdrawing) and sees their own."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.models import Account, Intent, Position, Unit, row_id
from engine.positions.status import STATUS_LABELS, PositionError, position_status
from engine.regions import load_regions


def find_intent(session, raw_id) -> Intent | None:
    """The intent with this id from a URL, or None (also for an id no row could have)."""
    intent_id = row_id(raw_id)
    return session.get(Intent, intent_id) if intent_id is not None else None


def active_intent(session, position_id: int, account_id: int) -> Intent | None:
    return session.scalar(select(Intent).where(Intent.position_id == position_id, Intent.account_id == account_id,
                                               Intent.withdrawn_at.is_(None)))


_CLOSED = {"expired": "该岗位已过招募截止日，不能再登记意向", "full": "该岗位已招满，不能再登记意向",
           "taken_down": "该岗位已下架，不能登记意向"}


def register_intent(session, position: Position, account: Account, today: date | None = None) -> Intent:
    if account.role != "individual":
        raise PositionError("只有个人用户可以登记“我有意向”", "forbidden")
    status = position_status(position, today)
    if status != "open":
        raise PositionError(_CLOSED[status], "invalid")
    if active_intent(session, position.id, account.id) is not None:
        raise PositionError("您已对该岗位登记过意向，无需重复登记", "conflict")
    intent = Intent(position_id=position.id, account_id=account.id)
    try:
        # Two clicks at once: the partial unique index lets only one through.
        with session.begin_nested():
            session.add(intent)
    except IntegrityError:
        raise PositionError("您已对该岗位登记过意向，无需重复登记", "conflict") from None
    return intent


def withdraw_intent(session, intent: Intent, account: Account) -> Intent:
    if intent.account_id != account.id:
        raise PositionError("这不是您登记的意向", "forbidden")
    if intent.withdrawn_at is not None:
        raise PositionError("该意向已撤回", "conflict")
    intent.withdrawn_at = clock.utcnow()
    session.flush()
    return intent


@dataclass
class MyIntent:
    id: int
    created_at: datetime
    withdrawn_at: datetime | None
    position_id: int
    position_name: str
    unit_name: str
    region: str
    allowance: int
    status: str
    status_label: str

    def as_json(self) -> dict:
        out = asdict(self)
        out["created_at"] = clock.isoformat(self.created_at)
        out["withdrawn_at"] = clock.isoformat(self.withdrawn_at)
        return out


def intents_of_account(session, account_id: int, today: date | None = None) -> list[MyIntent]:
    """Every intent of one person, newest first, each with its position's current status."""
    regions = load_regions()
    rows = session.execute(select(Intent, Position, Unit.name).join(Position, Position.id == Intent.position_id)
                           .join(Unit, Unit.id == Position.unit_id).where(Intent.account_id == account_id)
                           .order_by(Intent.created_at.desc(), Intent.id.desc()))
    out = []
    for intent, p, unit_name in rows:
        status = position_status(p, today)
        out.append(MyIntent(intent.id, intent.created_at, intent.withdrawn_at, p.id, p.name, unit_name,
                            regions.label(p.county_code), p.allowance, status, STATUS_LABELS[status]))
    return out
