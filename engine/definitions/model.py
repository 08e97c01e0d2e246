"""The definition model the rest of the engine reads: an item's fields, a workflow's states and
transitions, an item's conditions, and the catalogue of both."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property

from engine import formats


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    widget: str
    required: bool
    format: str | None = None
    enum: tuple | None = None
    readonly: bool = False
    transient: bool = False
    text: bool = False
    prefill: str | None = None
    help: str | None = None
    spec: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    label: str
    comment: str = "none"
    reasons: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    reviewer_levels: tuple[str, ...] = ()
    style: str = "default"
    validates: bool = False  # the case's data must pass the item's checks before this transition
    # Fired only from its own form (an objection's decision, a payment's record), never from the action buttons.
    form: str | None = None
    notify: dict = field(default_factory=dict, compare=False, hash=False)  # audience -> channels (engine/notices)


@dataclass(frozen=True)
class Condition:
    """One `if`/`then`/`else` of an item's schema, in the one form the loader accepts: each field of `when`
    holds one of its values (JSON Schema `const`/`enum`, the fields listed in `if.required`)."""
    when: tuple[tuple[str, tuple], ...]
    then_required: tuple[str, ...] = ()
    else_required: tuple[str, ...] = ()

    def holds(self, data: dict) -> bool:
        return all(key in data and data[key] in values for key, values in self.when)


def transition_sources(t: dict) -> list:
    """A raw transition's `source`, one state or a list, as a list."""
    return [t["source"]] if isinstance(t["source"], str) else t["source"]


def state_levels(state: dict) -> tuple[str, ...]:
    """A state's `reviewer_level`, one level or a list, as a tuple (empty when the state names none)."""
    value = state.get("reviewer_level")
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class WorkflowDefinition:
    def __init__(self, raw: dict, source: str = ""):
        self.raw = raw
        self.source = source
        self.key: str = raw["key"]
        self.title: str = raw.get("title", raw["key"])
        self.initial: str = raw["initial"]
        self.states: list[dict] = raw["states"]
        self.transitions: list[Transition] = [
            resolved for t in raw["transitions"] for resolved in self._with_state_levels(Transition(
                trigger=t["trigger"],
                sources=tuple(transition_sources(t)),
                dest=t["dest"], roles=tuple(t["roles"]), label=t["label"],
                comment=t.get("comment", "none"), reasons=tuple(t.get("reasons", ())),
                conditions=tuple(t.get("conditions", ())), effects=tuple(t.get("effects", ())),
                reviewer_levels=tuple(t.get("reviewer_levels", ())), style=t.get("style", "default"),
                validates=bool(t.get("validates")), form=t.get("form"), notify=dict(t.get("notify") or {}),
            ), own_levels="reviewer_levels" in t)
        ]

    def _with_state_levels(self, t: Transition, own_levels: bool) -> list[Transition]:
        """A reviewer transition without its own reviewer_levels takes its source state's `reviewer_level`,
        resolved here so that every caller (role_allows, the queue, the diagram) reads one field. A
        transition from states of different levels becomes one per level."""
        if own_levels or "reviewer" not in t.roles:
            return [t]
        levels = {s["name"]: state_levels(s) for s in self.states}
        by_levels: dict[tuple[str, ...], list[str]] = {}
        for source in t.sources:
            by_levels.setdefault(levels.get(source, ()), []).append(source)
        return [replace(t, sources=tuple(sources), reviewer_levels=lv) for lv, sources in by_levels.items()]

    @cached_property
    def state_names(self) -> list[str]:
        return [s["name"] for s in self.states]

    def label(self, state: str) -> str:
        for s in self.states:
            if s["name"] == state:
                return s["label"]
        return state

    def state(self, name: str) -> dict:
        return next((s for s in self.states if s["name"] == name), {})

    def editable(self, state: str) -> bool:
        return bool(self.state(state).get("editable"))

    def time_limit(self, state: str) -> int | None:
        """The working days a case may wait in this state (办理时限), or None (engine/deadlines.py)."""
        return self.state(state).get("time_limit")

    @cached_property
    def timed(self) -> bool:
        return any(s.get("time_limit") for s in self.states)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, trigger: str, state: str) -> Transition | None:
        return next((t for t in self.transitions_from(state) if t.trigger == trigger), None)


def conditionals(schema: dict) -> list[tuple[str, dict]]:
    """(pointer, subschema) of every `if` of a schema: at its top or in `allOf`."""
    out = [("/schema", schema)] if any(k in schema for k in ("if", "then", "else")) else []
    for i, part in enumerate(schema.get("allOf") or [] if isinstance(schema.get("allOf"), list) else []):
        if isinstance(part, dict) and any(k in part for k in ("if", "then", "else")):
            out.append((f"/schema/allOf/{i}", part))
    return out


class ItemDefinition:
    def __init__(self, raw: dict, source: str = "", sha256: str = ""):
        self.raw = raw
        self.source = source
        self.sha256 = sha256 or hashlib.sha256(
            json.dumps(raw, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        self.key: str = raw["key"]
        self.title: str = raw["title"]
        self.description: str = raw.get("description", "")
        self.version: int = raw["version"]
        self.kind: str = raw["kind"]
        self.menu: list[str] = raw["menu"]
        self.order: int = raw["order"]
        self.roles: list[str] = raw["roles"]
        self.workflow_key: str = raw["workflow"]
        self.schema: dict = raw["schema"]
        self.ui: dict = raw["ui"]
        self.attachments: list[dict] = raw.get("attachments", [])
        self.rules: list[dict] = raw.get("rules", [])
        self.requires: list[dict] = raw.get("requires", [])
        self.publish: dict | None = raw.get("publish")
        self.batch: dict | None = raw.get("batch")
        self.reference_prefix: str = raw.get("reference_prefix", "JX")

    @property
    def is_batch(self) -> bool:
        return self.kind == "batch"

    @cached_property
    def fields(self) -> list[Field]:
        """Fields in the order the sections show them."""
        props = self.schema["properties"]
        required = set(self.schema.get("required", []))
        widgets = self.ui.get("widgets", {})
        prefill = self.ui.get("prefill", {})
        helps = self.ui.get("help", {})
        out = []
        for section in self.ui["sections"]:
            for key in section.get("fields", []):
                spec = props[key]
                out.append(Field(
                    key=key, label=spec["title"], type=spec.get("type", "string"),
                    widget=widgets.get(key) or _default_widget(spec), required=key in required,
                    format=spec.get("format"), enum=tuple(spec["enum"]) if "enum" in spec else None,
                    readonly=bool(section.get("readonly")) or key in prefill,
                    transient=bool(spec.get("x-transient")), text=bool(spec.get("x-text")),
                    prefill=prefill.get(key), help=helps.get(key), spec=spec,
                ))
        return out

    @cached_property
    def conditions(self) -> list[Condition]:
        out = []
        for _, part in conditionals(self.schema):
            tests = (part.get("if") or {}).get("properties") or {}
            if not all(isinstance(t, dict) and ("const" in t or "enum" in t) for t in tests.values()):
                continue  # only an old snapshot, from before the loader refused it, can hold another form
            when = tuple((key, tuple(t["enum"]) if "enum" in t else (t["const"],)) for key, t in tests.items())
            out.append(Condition(when, *(tuple((part.get(b) or {}).get("required") or ()) for b in ("then", "else"))))
        return out

    def required_when(self, key: str) -> list[tuple[Condition, bool]]:
        """(condition, whether it must hold) under which the field is required besides `required`."""
        return [(c, True) for c in self.conditions if key in c.then_required] + \
            [(c, False) for c in self.conditions if key in c.else_required]

    @cached_property
    def field_map(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    def label(self, key: str) -> str:
        f = self.field_map.get(key)
        return f.label if f else key

    def attachment(self, slot: str) -> dict | None:
        return next((a for a in self.attachments if a["slot"] == slot), None)

    @property
    def required_slots(self) -> list[str]:
        return [a["slot"] for a in self.attachments if a.get("required", True)]


_FORMAT_WIDGETS = {formats.DATE: "date", formats.MONTH: "month", formats.SHANXI_CITY: "region-city",
                   formats.SHANXI_COUNTY: "region-county"}


def _default_widget(spec: dict) -> str:
    if "enum" in spec:
        return "select"
    widget = _FORMAT_WIDGETS.get(spec.get("format"))
    if widget:
        return widget
    if spec.get("type") in ("integer", "number"):
        return "number"
    return "text"


class Catalogue:
    def __init__(self, items: list[ItemDefinition], workflows: list[WorkflowDefinition],
                 schemes: list["SubsidyScheme"] = ()):
        self.items = {i.key: i for i in sorted(items, key=lambda i: (i.order, i.key))}
        self.workflows = {w.key: w for w in workflows}
        self.schemes = {s.key: s for s in schemes}

    def scheme(self, key: str | None) -> "SubsidyScheme | None":
        return self.schemes.get(key) if key else None

    def item(self, key: str) -> ItemDefinition | None:
        return self.items.get(key)

    def workflow_for(self, item: ItemDefinition) -> WorkflowDefinition:
        return self.workflows[item.workflow_key]

    def for_role(self, role: str) -> list[ItemDefinition]:
        return [i for i in self.items.values() if role in i.roles]

    def menu(self, role: str | None = None) -> list[tuple[list[str], list[ItemDefinition]]]:
        """Items grouped by menu path, in definition order."""
        groups: dict[tuple, list[ItemDefinition]] = {}
        for item in self.items.values():
            if role is None or role in item.roles:
                groups.setdefault(tuple(item.menu), []).append(item)
        return [(list(path), items) for path, items in groups.items()]


@dataclass(frozen=True)
class SchemeVersion:
    """One version of a subsidy scheme: the amounts for the months from `start` to `end` (YYYY-MM, end None:
    open). Amounts are whole yuan as written; engine.subsidy computes in fen."""
    version: int
    title: str
    start: str
    end: str | None
    share_percent: int
    capped_by_paid: bool
    prorate: str                     # days | attendance | none
    max_months: int
    mentor_fee: int
    insurance: int
    retention: dict                  # early / completed -> yuan
    needs: tuple[str, ...]           # the reports each month must have: status, attendance
    sha256: str
    raw: dict = field(compare=False, hash=False, default_factory=dict)

    def covers(self, month: str) -> bool:
        return self.start <= month and (self.end is None or month <= self.end)


class SubsidyScheme:
    """A subsidy scheme file (forms/schemes/<key>.json): which reports it reads (report -> item and its
    fields), what each on-duty status means, and its versions in month order."""

    def __init__(self, raw: dict, source: str = ""):
        self.raw = raw
        self.source = source
        self.key: str = raw["key"]
        self.title: str = raw["title"]
        self.reports: dict[str, dict] = raw["reports"]
        self.statuses: dict[str, dict] = raw["statuses"]
        self.versions: list[SchemeVersion] = sorted((SchemeVersion(
            version=v["version"], title=v["title"], start=v["from"], end=v.get("to"),
            share_percent=v["monthly"]["share_percent"], capped_by_paid=bool(v["monthly"].get("capped_by_paid")),
            prorate=v["monthly"]["prorate"], max_months=v["max_months"], mentor_fee=v.get("mentor_fee", 0),
            insurance=v.get("insurance", 0), retention=dict(v.get("retention") or {}), needs=tuple(v["needs"]),
            sha256=hashlib.sha256(json.dumps(v, sort_keys=True, ensure_ascii=False).encode()).hexdigest(), raw=v,
        ) for v in raw["versions"]), key=lambda v: v.start)

    def version_for(self, month: str) -> SchemeVersion | None:
        return next((v for v in self.versions if v.covers(month)), None)

    def version(self, number: int) -> SchemeVersion | None:
        return next((v for v in self.versions if v.version == number), None)

    def report_item(self, report: str) -> str | None:
        return (self.reports.get(report) or {}).get("item")

    def report_field(self, report: str, slot: str) -> str | None:
        return ((self.reports.get(report) or {}).get("fields") or {}).get(slot)

    def ending(self) -> tuple[str, ...]:
        """The status values after which no month is expected (离岗, 留用, 期满 …, as the file says)."""
        return tuple(s for s, spec in self.statuses.items() if spec.get("ends"))
