"""A position's page: only what the public may see (never bank details, never a full mobile)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine import clock, declarations, masking
from engine.models import Account, Case, Intent, Position, PositionEvent, Unit
from engine.positions.intents import active_intent, consent_json
from engine.positions.profile import declared_values, unit_profile
from engine.positions.status import STATUS_LABELS, position_status
from engine.positions.takedown import position_history
from engine.regions import load_regions


def position_detail(session, catalogue, position: Position, today: date | None = None) -> dict:
    today = today or clock.today()
    case = session.get(Case, position.case_id)
    shown = declared_values(session, catalogue, case, declarations.publish_fields) if case is not None else {}
    unit_data = unit_profile(session, catalogue, position.unit_id)
    unit = session.get(Unit, position.unit_id)
    regions = load_regions()
    status = position_status(position, today)
    unit_region = regions.label(unit_data.get("county")) if unit_data.get("county") else ""
    return {
        "id": position.id,
        "name": position.name,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "openings": position.openings,
        "matched": position.matched,
        "remaining": max(0, position.openings - position.matched),
        "education": position.education,
        "major": position.major,
        "period_months": position.period_months,
        "allowance": position.allowance,
        "city_code": position.city_code,
        "county_code": position.county_code,
        "region": regions.label(position.county_code),
        "address": position.address,
        "age_min": shown.get("age_min"),
        "age_max": shown.get("age_max"),
        "description": shown.get("description"),
        "deadline": position.deadline.isoformat() if position.deadline else None,
        "published_at": clock.isoformat(position.published_at),
        "contact_name": shown.get("contact_name"),
        "contact_mobile": masking.mask_mobile(shown.get("contact_mobile") or "") or None,
        "unit": {
            "name": unit.name if unit else "",
            "industry": position.industry or unit_data.get("industry"),
            "unit_type": unit_data.get("unit_type"),
            "address": " ".join(filter(None, [unit_region, unit_data.get("address")])) or None,
            "intro": unit_data.get("intro"),
        },
        # What saying 我有意向 consents to; the API's POST .../intents sends back its version.
        "intent_consent": consent_json(),
    }


@dataclass
class PositionPage:
    detail: dict
    intent: Intent | None          # the visitor's own active intent (an individual)
    history: list[PositionEvent]   # for the owner unit and reviewers only


def position_page(session, catalogue, position: Position, account: Account | None,
                  with_history: bool) -> PositionPage:
    intent = None
    if account is not None and account.role == "individual":
        intent = active_intent(session, position.id, account.id)
    history = position_history(session, position) if with_history else []
    return PositionPage(position_detail(session, catalogue, position), intent, history)
