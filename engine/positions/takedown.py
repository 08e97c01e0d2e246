"""Taking a position down: the owner unit or a reviewer ends the listing, kept in position_events."""
from __future__ import annotations

from sqlalchemy import select

from engine import access
from engine.models import Account, Position, PositionEvent
from engine.positions.status import PositionError

ACTION_LABELS = {"takedown": "岗位下架"}


def take_down(session, position: Position, account: Account, reason: str | None) -> PositionEvent:
    """The owner unit or a reviewer of its jurisdiction ends the listing; the reason is kept in its history."""
    access.check_may_take_down(account, position)
    reason = (reason or "").strip() or None
    if position.status != "open":
        raise PositionError("该岗位已下架", "conflict")
    if account.role == "reviewer" and not reason:
        raise PositionError("请填写下架原因", "invalid")
    if reason and len(reason) > 200:
        raise PositionError("下架原因不能超过200个字", "invalid")
    position.status = "taken_down"
    event = PositionEvent(position_id=position.id, actor_id=account.id, action="takedown", comment=reason)
    session.add(event)
    session.flush()
    return event


def position_history(session, position: Position) -> list[PositionEvent]:
    return list(session.scalars(select(PositionEvent).where(PositionEvent.position_id == position.id)
                                .order_by(PositionEvent.id)))
