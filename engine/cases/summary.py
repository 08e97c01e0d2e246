"""A case in one line: what every list of an owner's cases and the JSON API show of it."""
from __future__ import annotations

from engine import clock
from engine.deadlines import Countdown
from engine.definitions.model import Catalogue
from engine.models import Case


def case_summary(catalogue: Catalogue, case: Case, board: Countdown | None = None) -> dict:
    """As the JSON API gives it: times as ISO 8601 text in Beijing time; its 办理时限 as today's `board`
    reads it (None for a case that never had a clock)."""
    status = board.of(case) if board is not None else None
    wf = catalogue.workflows[case.workflow_key]
    item = catalogue.item(case.item_key)
    return {
        "id": case.id, "item": case.item_key, "item_title": item.title if item else case.item_key,
        "state": case.state, "state_label": wf.label(case.state), "reference": case.reference,
        "submitted_month": case.submitted_month,
        "submitted_at": clock.isoformat(case.submitted_at),
        "created_at": clock.isoformat(case.created_at), "version": case.version,
        "definition_version": case.definition_version, "row_count": case.row_count,
        "editable": wf.editable(case.state),
        "deadline": status.as_dict() if status else None,
    }
