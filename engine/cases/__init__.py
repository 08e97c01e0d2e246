"""Cases, the owner's side, one job per module: lifecycle (creating, saving, submitting and moving a case
through its workflow).

Everything is driven by the item definitions and their workflows, and scoped by engine.access. The names
callers use are importable from here.
"""
from engine.cases.lifecycle import (
    actor_of, assign_reference, check_can_use, definition_for, drafts_of, ensure_snapshot, new_case,
    prefill_values, save_draft, submit, transition, unmet_requirement, validate_for,
)

__all__ = [
    "actor_of", "assign_reference", "check_can_use", "definition_for", "drafts_of", "ensure_snapshot", "new_case",
    "prefill_values", "save_draft", "submit", "transition", "unmet_requirement", "validate_for",
]
