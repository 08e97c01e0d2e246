"""A position's status as everyone sees it, and the error every positions function raises."""
from __future__ import annotations

from datetime import date

from engine import clock
from engine.errors import EngineError
from engine.models import Position

STATUS_LABELS = {"open": "招募中", "expired": "已截止", "full": "已招满", "taken_down": "已下架"}


class PositionError(EngineError):
    """A refused action on a position or an intent; its kind says why (engine/errors.py)."""


def position_status(position: Position, today: date | None = None) -> str:
    """Listed while open, its 招募截止日 not passed and matched < openings."""
    today = today or clock.today()
    if position.status != "open":
        return "taken_down"
    if position.matched >= position.openings:
        return "full"
    if position.deadline is not None and position.deadline < today:
        return "expired"
    return "open"
