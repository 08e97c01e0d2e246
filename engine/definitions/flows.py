"""Workflows that cannot strand a case: the graph of a workflow that passed its own checks, checked so that
every submitted case reaches a reviewer's queue, its owner's hands or an end; and the reviewer levels it
names against who can see the cases of each item that uses it."""
from __future__ import annotations

from engine.definitions.model import transition_sources
from engine.definitions.reading import Doc, Problem
from engine.regions import CITY, COUNTY, LEVEL_LABELS, PROVINCE
from engine.roles import OWNER_ROLES

LEVELS = (PROVINCE, CITY, COUNTY)
_OWNERS = frozenset(OWNER_ROLES)


def _levels_text(levels) -> str:
    return "、".join(LEVEL_LABELS[lv] for lv in levels)


class Flow:
    """The graph of a workflow that passed every check of its own file."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.index = {s["name"]: i for i, s in enumerate(raw["states"])}
        self.states = {s["name"]: s for s in raw["states"]}
        self.edges = [(i, t, transition_sources(t)) for i, t in enumerate(raw["transitions"])]

    def label(self, state: str) -> str:
        return self.states[state]["label"]

    def leaving(self, state: str):
        return [(i, t) for i, t, sources in self.edges if state in sources]

    def reachable(self) -> set[str]:
        seen, todo = {self.raw["initial"]}, [self.raw["initial"]]
        while todo:
            s = todo.pop()
            for _, t in self.leaving(s):
                if t["dest"] not in seen:
                    seen.add(t["dest"])
                    todo.append(t["dest"])
        return seen

    def acting(self, i: int, t: dict, source: str) -> list[tuple[str, str]]:
        """(level, pointer where it is named) of a reviewer transition from source; every level when
        neither the transition nor the state names one."""
        if "reviewer_levels" in t:
            return [(lv, f"/transitions/{i}/reviewer_levels/{j}") for j, lv in enumerate(t["reviewer_levels"])]
        state = self.states[source]
        if "reviewer_level" in state:
            at = f"/states/{self.index[source]}/reviewer_level"
            if isinstance(state["reviewer_level"], str):
                return [(state["reviewer_level"], at)]
            return [(lv, f"{at}/{j}") for j, lv in enumerate(state["reviewer_level"])]
        return [(lv, "") for lv in LEVELS]

    @property
    def uses_levels(self) -> bool:
        return any("reviewer_levels" in t for _, t, _ in self.edges) or \
            any("reviewer_level" in s for s in self.states.values())


def check_flow(name: str, flow: Flow) -> list[Problem]:
    """A case an owner submits must reach someone: a reviewer's queue, the owner's own hands, or an end."""
    out = []
    at = lambda state: f"/states/{flow.index[state]}"  # noqa: E731
    reachable = flow.reachable()
    entered: dict[str, str] = {}
    for _, t, sources in flow.edges:
        if _OWNERS & set(t["roles"]) and reachable & set(sources):
            entered.setdefault(t["dest"], t["label"])
    for state, action in entered.items():
        s = flow.states[state]
        if not (s.get("queue") or s.get("final") or s.get("editable")):
            out.append(Problem(name, at(state),
                               f"单位或个人“{action}”后申请进入“{s['label']}”，但该状态既不是待审核（queue），"
                               f"也不是终态（final）或可修改（editable）：审核人员的未审核列表里看不到这些申请"))
    for state, s in flow.states.items():
        leaving = flow.leaving(state)
        by_reviewer = [(i, t) for i, t in leaving if "reviewer" in t["roles"]]
        if s.get("queue") and not by_reviewer:
            out.append(Problem(name, at(state),
                               f"待审核状态“{s['label']}”没有审核人员（reviewer）可执行的操作，申请会一直停在这里"))
        returned = any("reviewer" in t["roles"] and t["dest"] == state for _, t, _ in flow.edges)
        if returned and leaving and not s.get("editable") and any(t.get("validates") for _, t in leaving) \
                and all(set(t["roles"]) <= _OWNERS for _, t in leaving):
            out.append(Problem(name, at(state),
                               f"“{s['label']}”由审核人员退回、只能由单位或个人重新提交，须标为可修改"
                               f"（\"editable\": true），否则无法修改后再提交"))
        if "time_limit" in s and not s.get("queue"):
            # A clock runs only where a case waits for a reviewer (engine/deadlines.py).
            out.append(Problem(name, f"{at(state)}/time_limit",
                               f"“{s['label']}”不是待审核状态（queue），办理时限只能设在等待审核人员处理的状态上"))
        if "reviewer_level" in s and not by_reviewer:
            out.append(Problem(name, f"{at(state)}/reviewer_level",
                               f"“{s['label']}”指定了审核层级，但没有审核人员的操作从这里出发"))
    for i, t, _ in flow.edges:
        if "reviewer_levels" in t and "reviewer" not in t["roles"]:
            out.append(Problem(name, f"/transitions/{i}/reviewer_levels",
                               "reviewer_levels 只对审核人员（roles 含 reviewer）的操作有效"))
    return out


def visibility(item: Doc, items: dict[str, Doc], flows: dict[str, Flow],
               unreadable: frozenset = frozenset()) -> tuple[set[str], set[str], str]:
    """(levels that see some case of the item, levels that see every case, why the others may not).
    A case carries its owner's 业务办理归属地, which decides which reviewers see it (engine/cases/lifecycle.py): an
    individual has none, and a unit has one only once it submitted an item with `locates_unit`. `unreadable`:
    items whose file could not be read, which have their own report (no second guess about them here)."""
    roles = set(item.raw["roles"])

    def located(doc: Doc, trail: frozenset) -> bool:
        if doc.part("locates_unit") is not None:
            return True
        for j, req in enumerate(doc.part("requires") or []):
            if doc.sound("requires", j) and req.get("item") in unreadable:
                return True
            other = items.get(req.get("item")) if doc.sound("requires", j) else None
            if other is None or other.key in trail or not other.sound("workflow"):
                continue
            flow = flows.get(other.raw["workflow"])
            # A broken workflow has its own report: no second guess about it here.
            if flow is None or req["state"] != flow.raw["initial"] and located(other, trail | {other.key}):
                return True
        return False

    seeing_any, seeing_all, why = set(), set(LEVELS), []
    if "unit" in roles:
        seeing_any |= set(LEVELS)
        if not located(item, frozenset({item.key})):
            seeing_all &= {"province"}
            why.append("单位在办理设定业务办理归属地的事项（locates_unit）之前，其申请没有归属地")
    if "individual" in roles:
        seeing_any |= {"province"}
        seeing_all &= {"province"}
        why.append("个人的申请没有业务办理归属地")
    return seeing_any, seeing_all, "；".join(why)


def check_levels(name: str, flow: Flow, item: Doc, seeing: tuple[set[str], set[str], str]) -> list[Problem]:
    """Reviewer levels against who can see the item's cases: only the province sees a case with no
    业务办理归属地, so a level that can see none is a dead letter and a state only it may act on strands them."""
    seeing_any, seeing_all, why = seeing
    out = []
    for i, t, sources in flow.edges:
        if "reviewer" not in t["roles"]:
            continue
        for source in sources:
            for level, pointer in flow.acting(i, t, source):
                if pointer and level not in seeing_any:
                    out.append(Problem(name, pointer,
                                       f"{LEVEL_LABELS[level]}审核人员看不到事项“{item.key}”的申请（{why}，"
                                       f"只有省级审核人员能看到）"))
    if not flow.uses_levels:
        return out
    for state, s in flow.states.items():
        if not s.get("queue"):
            continue
        levels = {lv for i, t in flow.leaving(state) if "reviewer" in t["roles"] for lv, _ in flow.acting(i, t, state)}
        if levels and not levels & seeing_all:
            out.append(Problem(name, f"/states/{flow.index[state]}",
                               f"待审核状态“{s['label']}”只有{_levels_text(sorted(levels, key=LEVELS.index))}"
                               f"审核人员可以操作，但事项“{item.key}”的申请未必能被他们看到（{why}，只有省级审核人员"
                               f"能看到），这些申请会一直停在这里"))
    return out
