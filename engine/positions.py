"""Published positions: an approved post application, taken down when it should no longer be listed."""
from __future__ import annotations

from sqlalchemy import select

from engine import formats
from engine.definitions import ItemDefinition
from engine.models import Case, Position


def _unit_industry(session, unit_id: int) -> str | None:
    data = session.scalar(select(Case.data).where(
        Case.unit_id == unit_id, Case.item_key == "unit_application", Case.state == "approved"
    ).order_by(Case.id.desc()).limit(1))
    return (data or {}).get("industry")


def publish_case(session, item: ItemDefinition, case: Case) -> Position | None:
    if not item.publish or item.publish["as"] != "position" or item.publish["when"] != case.state:
        return None
    d = case.data
    existing = session.scalar(select(Position).where(Position.case_id == case.id))
    position = existing or Position(case_id=case.id, unit_id=case.unit_id)
    position.name = d["position_name"]
    position.openings = d["openings"]
    position.education = d.get("education")
    position.major = d.get("major")
    position.period_months = d["period_months"]
    position.allowance = int(d["allowance"])
    position.city_code = d["work_city"]
    position.county_code = d["work_county"]
    position.address = d.get("work_address")
    position.deadline = formats.parse_date_text(d.get("deadline")) if d.get("deadline") else None
    position.industry = _unit_industry(session, case.unit_id)
    position.status = "open"
    unit_name = case.unit.name if case.unit else ""
    position.search_text = " ".join(filter(None, [position.name, unit_name, position.major]))
    if existing is None:
        session.add(position)
    return position


def unpublish_case(session, case: Case) -> None:
    position = session.scalar(select(Position).where(Position.case_id == case.id))
    if position is not None:
        position.status = "taken_down"
