"""The states people filter by, derived from every workflow of the catalogue.

A state is (workflow, name). States of different workflows that share a name and a label are one choice,
keyed by the name; a name that has different labels in different workflows gives one choice per label,
keyed "<workflow>-<name>" (neither part can contain "-"). Choices are ordered: the review states
(`queue`), then the outcomes a reviewer moves cases to from them, then the initial states (drafts), then
the rest (e.g. 已撤销).

The 个人中心 tabs are the choices with every queue state under one tab: 审核中 (key "queue"), whose rows
keep their own labels (待县级审核, 待市级审核, ...); when the catalogue has a single queue choice (the
shipped `review` workflow's 未审核) that choice is the tab itself, so the page looks as it always has.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import and_, false, or_

from engine.models import Case
from engine.roles import OWNER_ROLES

if TYPE_CHECKING:
    from engine.definitions.model import Catalogue, WorkflowDefinition

QUEUE = "queue"          # every queue state; the workflow meta-schema keeps it from being a state name
QUEUE_LABEL = "审核中"


@dataclass(frozen=True)
class StateChoice:
    key: str
    label: str
    members: tuple[tuple[str, str], ...]   # (workflow key, state name)
    queue: bool = False
    # True when no state outside this choice has one of its names: the state column alone selects it.
    by_name: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for _, name in self.members))

    def condition(self):
        """The SQL condition on cases for this choice."""
        if not self.members:
            return false()
        names = self.names
        if self.by_name:
            return Case.state == names[0] if len(names) == 1 else Case.state.in_(names)
        by_wf: dict[str, list[str]] = {}
        for wf, name in self.members:
            by_wf.setdefault(wf, []).append(name)
        return or_(*(and_(Case.workflow_key == wf, Case.state.in_(names)) for wf, names in by_wf.items()))


def _rank(wf: WorkflowDefinition, state: dict, outcomes: set[str]) -> int:
    if state.get("queue"):
        return 0
    if state["name"] in outcomes:
        return 1
    return 2 if state["name"] == wf.initial else 3


class StateIndex:
    """Every workflow's states as filter choices and tabs; built once per catalogue."""

    def __init__(self, workflows: Iterable[WorkflowDefinition]):
        workflows = list(workflows)
        found: dict[tuple[str, str, bool], dict] = {}   # (name, label, queue) -> rank, position, members
        position = 0
        self.initials: set[tuple[str, str]] = set()
        for wf in workflows:
            self.initials.add((wf.key, wf.initial))
            queue_names = {s["name"] for s in wf.states if s.get("queue")}
            outcomes = {t.dest for t in wf.transitions if "reviewer" in t.roles and set(t.sources) & queue_names}
            for s in wf.states:
                ident = (s["name"], s["label"], bool(s.get("queue")))
                entry = found.setdefault(ident, {"rank": 4, "position": position, "members": []})
                entry["rank"] = min(entry["rank"], _rank(wf, s, outcomes))
                entry["members"].append((wf.key, s["name"]))
                position += 1
        names_seen: dict[str, int] = {}
        for name, _, _ in found:
            names_seen[name] = names_seen.get(name, 0) + 1
        choices = []
        for (name, label, queue), entry in sorted(found.items(), key=lambda kv: (kv[1]["rank"], kv[1]["position"])):
            shared = names_seen[name] > 1
            members = tuple(entry["members"])
            key = name if not shared else f"{members[0][0]}-{name}"
            choices.append(StateChoice(key, label, members, queue, by_name=not shared))
        self.choices: list[StateChoice] = choices
        queued = [c for c in choices if c.queue]
        if len(queued) == 1:
            self.queue: StateChoice | None = queued[0]
        elif queued:
            members = tuple(m for c in queued for m in c.members)
            self.queue = StateChoice(QUEUE, QUEUE_LABEL, members, True,
                                     by_name=all(c.by_name for c in queued))
        else:
            self.queue = None
        self.tabs: list[StateChoice] = ([self.queue] if self.queue else []) + [c for c in choices if not c.queue]
        self._by_key = {c.key: c for c in [*self.tabs, *choices]}
        self._of = {m: c for c in choices for m in c.members}

    @property
    def grouped(self) -> bool:
        """Whether the queue tab gathers several choices (审核中), so the filter lists them beneath it."""
        return self.queue is not None and self.queue.key == QUEUE

    def filter_choices(self) -> list[tuple[StateChoice, bool]]:
        """The 审核状态 select: (choice, nested under 审核中)."""
        out: list[tuple[StateChoice, bool]] = []
        for tab in self.tabs:
            out.append((tab, False))
            if tab.key == QUEUE:
                out += [(c, True) for c in self.choices if c.queue]
        return out

    def get(self, key: str | None) -> StateChoice | None:
        """A tab or choice by key; a bare state name also finds that name in every workflow (what the
        filter took before names were qualified), so old links and API clients keep working."""
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key]
        members = tuple(m for c in self.choices for m in c.members if m[1] == key)
        if not members:
            return None
        labels = dict.fromkeys(self._of[m].label for m in members)
        return StateChoice(key, "/".join(labels), members, any(self._of[m].queue for m in members), by_name=True)

    def of(self, workflow: str, state: str) -> StateChoice | None:
        return self._of.get((workflow, state))

    def tab_for(self, key: str | None) -> StateChoice | None:
        """The tab that holds a choice (审核中 for each review state), to show where a filter sits."""
        choice = self.get(key)
        if choice is None:
            return None
        return next((t for t in self.tabs if set(choice.members) <= set(t.members)), None)

    def never_submitted(self, choice: StateChoice) -> bool:
        """Only initial states (drafts): the owner's business, never shown to reviewers."""
        return all(m in self.initials for m in choice.members)

    def counts(self, by_state: dict[tuple[str, str], int]) -> dict[str, int]:
        """Counts per (workflow, state) summed per choice and per tab key."""
        out: dict[str, int] = {}
        for choice in {*self.tabs, *self.choices}:
            out[choice.key] = sum(by_state.get(m, 0) for m in choice.members)
        return out


_INDEXES: "weakref.WeakKeyDictionary[Catalogue, dict]" = weakref.WeakKeyDictionary()


def state_index(catalogue: Catalogue, role: str | None = None) -> StateIndex:
    """The index of the workflows of every item (staff), or of the items a unit or an individual may use,
    so nobody gets a tab their cases can never be in. Built once: definitions never change while the app
    runs."""
    known = _INDEXES.setdefault(catalogue, {})
    role = role if role in OWNER_ROLES else None   # staff: every item's workflow
    if role not in known:
        keys = {i.workflow_key for i in catalogue.items.values() if role is None or role in i.roles}
        known[role] = StateIndex(wf for key, wf in catalogue.workflows.items() if key in keys)
    return known[role]
