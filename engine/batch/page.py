"""Everything a batch item's page shows a unit, gathered in one call: the template's rules with the unit's
open positions, whether it may import yet, the case an import just made and its recent imports."""
from __future__ import annotations

from engine.batch.records import imported_case, recent_imports
from engine.batch.template import choices_for, field_rule, open_position_names
from engine.definitions.model import Catalogue, ItemDefinition
from engine.models import Account
from engine.rules.guards import unmet_requirement


def item_page(session, catalogue: Catalogue, item: ItemDefinition, account: Account, imported=None) -> dict:
    """`imported`: the id of the case an import just made, from the address the import redirected to."""
    names = open_position_names(session, account.unit_id)
    choices = choices_for(item, names)
    return {
        "blocked": unmet_requirement(session, item, account.unit_id, account.id),
        "positions": names,
        "position_fields": [k for k in choices if not item.field_map[k].enum],
        "rules": [(f, field_rule(item, f, choices)) for f in item.fields],
        "imported": imported_case(session, item, account, imported) if imported else None,
        "recent": recent_imports(session, catalogue, item, account),
        "row_key": [item.label(k) for k in (item.batch or {}).get("row_key", [])],
    }

