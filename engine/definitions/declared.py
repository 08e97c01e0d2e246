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


def _sources(t: dict) -> list:
    source = t.get("source", [])
    return list(source) if isinstance(source, list) else [source]


def _publicity(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """A claim item's 公示 (engine/subsidy/publicity.py) is its workflow's state that the objection form's
    transition leaves: it must be entered by a transition running start_publicity (else no period is recorded)
    and left by one of the system (else it never ends); claim.publicity needs such a state."""
    out = []
    for raw in items.values():
        wf = workflows.get(raw.get("workflow"))
        if raw.get("kind") != "claim" or wf is None:
            continue
        source = raw.get("__source", raw["key"])
        transitions = [t for t in wf.get("transitions", []) if isinstance(t, dict)]
        objection = next((t for t in transitions if t.get("form") == "objection"), None)
        if objection is None:
            if (raw.get("claim") or {}).get("publicity"):
                out.append(Problem(source, "/claim/publicity", f"流程“{raw['workflow']}”没有公示异议的操作"
                                   "（form: objection），claim.publicity 不会生效"))
            continue
        state = _sources(objection)[0] if _sources(objection) else None
        if not any(t.get("dest") == state and "start_publicity" in t.get("effects", []) for t in transitions):
            out.append(Problem(source, "/workflow", f"流程“{raw['workflow']}”进入公示状态“{state}”的操作没有执行效果"
                               "“start_publicity”，公示期不会记录"))
        if not any(state in _sources(t) and "system" in t.get("roles", []) for t in transitions):
            out.append(Problem(source, "/workflow", f"流程“{raw['workflow']}”的公示状态“{state}”没有系统执行的"
                               "公示期满操作（roles: system），公示期满后不会自动转入下一状态"))
    return out


def declaration_problems(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """publish.fields, role, batch.index, locates_unit, change and due across the items (engine/declarations.py
    says what fits), and the effects their workflows must run."""
    needs = {name: spec.roles for registry in (rules.ROW_RULES, rules.BATCH_RULES)
             for name, spec in registry.items() if spec.roles}
    return [Problem(*p) for p in declarations.problems(items, workflows, needs)] + _unserved(items, workflows) \
        + _publicity(items, workflows)
