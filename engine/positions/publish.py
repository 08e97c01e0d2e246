"""Publishing: the `publish` effect makes a case a position when it enters its item's `publish.when`
state, with the values its `publish.fields` name; `unpublish` takes it off the public search."""
from __future__ import annotations

from sqlalchemy import select

from engine import declarations, formats
from engine import search as keywords
from engine.models import Case, Position
from engine.positions.profile import declared_values, unit_profile
from engine.rules import effect


def publish_case(session, catalogue, case: Case) -> Position | None:
    item = catalogue.item(case.item_key)
    publish = item.publish if item is not None else None
    if not publish or publish["as"] != "position" or publish["when"] != case.state:
        return None
    v = declared_values(session, catalogue, case, declarations.publish_fields)
    existing = session.scalar(select(Position).where(Position.case_id == case.id))
    position = existing or Position(case_id=case.id, unit_id=case.unit_id)
    position.name = v["name"]
    position.openings = v["openings"]
    position.education = v.get("education")
    position.major = v.get("major")
    position.period_months = v["period_months"]
    position.allowance = int(v["allowance"])
    position.city_code = v["city"]
    position.county_code = v["county"]
    position.address = v.get("address")
    position.deadline = formats.parse_date_text(v["deadline"]) if v.get("deadline") else None
    position.industry = unit_profile(session, catalogue, case.unit_id).get("industry")
    position.status = "open"
    unit_name = case.unit.name if case.unit else ""
    position.search_text = keywords.search_text(position.name, unit_name, position.major)
    position.search_tokens = keywords.search_tokens(position.search_text)
    if existing is None:
        session.add(position)
    return position


def unpublish_case(session, case: Case) -> None:
    position = session.scalar(select(Position).where(Position.case_id == case.id))
    if position is not None:
        position.status = "taken_down"


@effect("publish", label="发布为见习岗位", doc="entering the item's `publish.when` state publishes the case as a position")
def _publish_effect(case, ctx) -> None:
    publish_case(ctx.session, ctx.catalogue, case)


@effect("unpublish", label="撤下已发布的岗位", doc="takes the case's position off the public search")
def _unpublish_effect(case, ctx) -> None:
    unpublish_case(ctx.session, case)
