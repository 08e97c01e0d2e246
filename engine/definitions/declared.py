"""What items declare (publish.fields, role, batch.index, locates_unit, change, due), checked across the items
by engine.declarations, with the roles the registered rules read and the effects that carry declarations out."""
from __future__ import annotations

from engine import declarations, rules
from engine.definitions.reading import Problem


def _unserved(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """An item declaring what an effect carries out (`serves`) on a workflow that never runs that effect."""
    out = []
    for raw in items.values():
        wf = workflows.get(raw["workflow"])
        if wf is None:
            continue  # reported as a missing workflow
        run = {e for t in wf.get("transitions", []) if isinstance(t, dict) for e in t.get("effects", [])}
        for declaration in sorted(set(rules.EFFECTS.serves.values())):
            effects = sorted(e for e, d in rules.EFFECTS.serves.items() if d == declaration)
            if raw.get(declaration) and not run & set(effects):
                out.append(Problem(raw.get("__source", raw["key"]), f"/{declaration}",
                                   f"流程“{raw['workflow']}”中没有执行效果“{'、'.join(effects)}”的操作，"
                                   f"{declaration} 在审核时不会生效"))
    return out


def declaration_problems(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """publish.fields, role, batch.index, locates_unit, change and due across the items (engine/declarations.py
    says what fits), and the effects their workflows must run."""
    needs = {name: spec.roles for registry in (rules.ROW_RULES, rules.BATCH_RULES)
             for name, spec in registry.items() if spec.roles}
    return [Problem(*p) for p in declarations.problems(items, workflows, needs)] + _unserved(items, workflows)
