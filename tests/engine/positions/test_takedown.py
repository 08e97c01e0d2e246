"""engine.positions.takedown: ending a listing, with its reason recorded."""
from __future__ import annotations



import pytest
from sqlalchemy import select

from engine import positions as P
from engine.models import PositionEvent
from tests.engine.positions.conftest import publish


def test_taking_down_needs_a_reason_from_a_reviewer_and_is_recorded(dbsession, catalogue, unit):
    s = dbsession
    account, reviewer = unit
    position = publish(s, catalogue, unit)
    with pytest.raises(P.status.PositionError, match="请填写下架原因"):
        P.takedown.take_down(s, position, reviewer, "  ")
    P.takedown.take_down(s, position, reviewer, "信息不实")
    with pytest.raises(P.status.PositionError) as e:
        P.takedown.take_down(s, position, account, None)
    assert e.value.kind == "conflict"
    events = s.scalars(select(PositionEvent)).all()
    assert [(ev.action, ev.actor_id, ev.comment) for ev in events] == [("takedown", reviewer.id, "信息不实")]
