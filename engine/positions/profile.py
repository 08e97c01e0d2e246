"""What a position's case and its unit's approval say, read through what the definitions declare
(publish.fields, the `unit_approval` role), never by item key or field name."""
from __future__ import annotations

from typing import Any, Callable

from engine import declarations
from engine.cases.lifecycle import definition_for
from engine.cases.standing import latest_in
from engine.models import Case


def declared_values(session, catalogue, case: Case, mapping_of: Callable[[Any], dict]) -> dict[str, Any]:
    """Slot -> value of the case's data, through the mapping of the definition the case was submitted
    under (its field names), or of the current definition if that version declared none."""
    current = catalogue.item(case.item_key)
    try:
        mapping = mapping_of(definition_for(session, catalogue, case))
    except LookupError:  # an item no longer defined
        mapping = {}
    if not mapping and current is not None:
        mapping = mapping_of(current)
    data = case.data or {}
    return {slot: data.get(key) for slot, key in mapping.items()}


def unit_profile(session, catalogue, unit_id: int | None) -> dict[str, Any]:
    """The unit's profile (industry, unit_type, county, address, intro) from its case of the item playing
    `unit_approval` that entered the state that role names last (an approved change replaces the case it
    changed, whichever was made first); {} for a unit not approved."""
    item = declarations.role_item(catalogue, "unit_approval")
    if item is None or unit_id is None:
        return {}
    held = latest_in(session, item.key, declarations.role_state(item), unit_id, None)
    return declared_values(session, catalogue, held.case, declarations.role_fields) if held is not None else {}
