"""Cases, the owner's side, one job per module, bottom to top: lifecycle (creating, saving, submitting and
moving a case through its workflow), summary (a case in one line), center (个人中心: the owner's cases by
state, item and month) and detail (one case's page and its JSON body).

Everything is driven by the item definitions and their workflows, and scoped by engine.access. The names
callers use are importable from here.
"""
from engine.cases import center, detail, lifecycle, summary  # noqa: F401
from engine.cases.lifecycle import (
    actor_of, assign_reference, check_can_use, check_requirements, definition_for, drafts_of, ensure_snapshot,
    find_case, new_case, prefill_values, save_draft, submit, transition, unmet_requirement, validate_for,
)

__all__ = [
    "center", "detail", "lifecycle", "summary",
    "actor_of", "assign_reference", "check_can_use", "check_requirements", "definition_for", "drafts_of",
    "ensure_snapshot", "find_case", "new_case", "prefill_values", "save_draft", "submit", "transition",
    "unmet_requirement", "validate_for",
]
