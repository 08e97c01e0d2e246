"""What items declare (publish.fields, role, batch.index, locates_unit), checked across the items by
engine.declarations, with the roles the registered rules read."""
from __future__ import annotations

from engine import declarations, rules
from engine.definitions.reading import Problem


def declaration_problems(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """publish.fields, role and batch.index across the items (engine/declarations.py says what fits)."""
    needs = {name: spec.roles for registry in (rules.ROW_RULES, rules.BATCH_RULES)
             for name, spec in registry.items() if spec.roles}
    return [Problem(*p) for p in declarations.problems(items, workflows, needs)]
