"""Everything a batch item's page shows a unit, gathered in one call: the template's rules with the unit's
open positions, whether it may import yet, the case an import just made and its recent imports; and the
owner's page of one batch case (the case page with the batch in figures)."""
from __future__ import annotations

from engine.batch.records import batch_summary, imported_case, recent_imports
from engine.batch.template import choices_for, field_rule, open_position_names
from engine.cases.detail import case_page as owner_case_page
from engine.deadlines import Countdown
from engine.definitions.model import Catalogue, ItemDefinition
from engine.models import Account, Case
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



def case_page(session, catalogue: Catalogue, case: Case, board: Countdown | None = None) -> dict:
    """The owner's page of a batch case: what every case page shows, with its rows, people, months and
    replaced rows in place of a form it never had."""
    return {**owner_case_page(session, catalogue, case, board), "batch": batch_summary(session, case)}
