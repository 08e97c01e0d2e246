"""Taking a position down: the owner unit or a reviewer ends the listing, kept in position_events."""
from __future__ import annotations

from sqlalchemy import select

from engine import access
from engine.models import Account, Case, Position, PositionEvent
from engine.notices.outbox import link, raise_notice
from engine.positions.status import PositionError

ACTION_LABELS = {"takedown": "岗位下架"}


def take_down(session, position: Position, account: Account, reason: str | None, catalogue=None) -> PositionEvent:
    """The owner unit or a reviewer of its jurisdiction ends the listing; the reason is kept in its history,
    and the unit's accounts are told (routed by the publishing item's `notify`, given the catalogue)."""
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
    case = session.get(Case, position.case_id)
    item = catalogue.item(case.item_key) if catalogue is not None and case is not None else None
    raise_notice(session, catalogue, "position_taken_down", item=item, owner=(position.unit_id, None),
                 actor_role=account.role, links={"owner": link("position", id=position.id)},
                 params={"position_name": position.name, "comment": reason or "",
                         "owner_name": position.unit.name if position.unit else ""})
    return event


def position_history(session, position: Position) -> list[PositionEvent]:
    return list(session.scalars(select(PositionEvent).where(PositionEvent.position_id == position.id)
                                .order_by(PositionEvent.id)))
