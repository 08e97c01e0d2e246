"""A workflow file's own checks: its states, its transitions, and the condition and effect names it uses."""
from __future__ import annotations

from engine import rules  # the registry decides which condition and effect names exist
from engine.definitions.model import transition_sources
from engine.definitions.reading import Doc, Problem


def check_workflow(doc: Doc) -> list[Problem]:
    name, wf = doc.name, doc.raw
    out = []
    raw_states = wf.get("states") if isinstance(wf.get("states"), list) else None
    # A name that breaks the pattern is still declared: transitions naming it are not wrong as well.
    states = [s["name"] for s in raw_states or [] if isinstance(s, dict) and isinstance(s.get("name"), str)]
    if len(set(states)) != len(states):
        out.append(Problem(name, "/states", "状态名称重复"))
    if raw_states is not None and doc.sound("initial") and wf["initial"] not in states:
        out.append(Problem(name, "/initial", f"初始状态“{wf['initial']}”未在 states 中声明"))
    seen = set()
    for i, t in enumerate(doc.part("transitions") or []):
        if not isinstance(t, dict):
            continue
        if doc.sound("transitions", i, "source"):
            for j, s in enumerate(transition_sources(t)):
                if raw_states is not None and s not in states:
                    path = f"/transitions/{i}/source" + ("" if isinstance(t["source"], str) else f"/{j}")
                    out.append(Problem(name, path, f"状态“{s}”未在 states 中声明"))
                if doc.sound("transitions", i, "trigger"):
                    if (t["trigger"], s) in seen:
                        out.append(Problem(name, f"/transitions/{i}",
                                           f"触发器“{t['trigger']}”在状态“{s}”上重复定义"))
                    seen.add((t["trigger"], s))
        if raw_states is not None and doc.sound("transitions", i, "dest") and t["dest"] not in states:
            out.append(Problem(name, f"/transitions/{i}/dest", f"状态“{t['dest']}”未在 states 中声明"))
        for part, registry, what in (("conditions", rules.GUARDS, "条件"), ("effects", rules.EFFECTS, "效果")):
            for j, c in enumerate(doc.part("transitions", i, part) or []):
                if doc.sound("transitions", i, part, j) and c not in registry:
                    out.append(Problem(name, f"/transitions/{i}/{part}/{j}", f"未注册的{what}“{c}”"))
    return out
