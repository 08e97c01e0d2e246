"""Item and workflow definitions: load the JSON files, check them, build the catalogue."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine import formats
from engine.formats import REGION_FORMATS  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '/'}: {self.message}"


class DefinitionError(Exception):
    """Every problem found in the definition folders, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _pointer(parts) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in parts)


def _metaschema(name: str) -> Draft202012Validator:
    text = resources.files("engine.metaschema").joinpath(f"{name}.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


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


@dataclass(frozen=True)
class Condition:
    """One `if`/`then`/`else` of an item's schema, in the one form the loader accepts: each field of `when`
    holds one of its values (JSON Schema `const`/`enum`, the fields listed in `if.required`)."""
    when: tuple[tuple[str, tuple], ...]
    then_required: tuple[str, ...] = ()
    else_required: tuple[str, ...] = ()

    def holds(self, data: dict) -> bool:
        return all(key in data and data[key] in values for key, values in self.when)


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
                sources=tuple([t["source"]] if isinstance(t["source"], str) else t["source"]),
                dest=t["dest"], roles=tuple(t["roles"]), label=t["label"],
                comment=t.get("comment", "none"), reasons=tuple(t.get("reasons", ())),
                conditions=tuple(t.get("conditions", ())), effects=tuple(t.get("effects", ())),
                reviewer_levels=tuple(t.get("reviewer_levels", ())), style=t.get("style", "default"),
                validates=bool(t.get("validates")),
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

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, trigger: str, state: str) -> Transition | None:
        return next((t for t in self.transitions_from(state) if t.trigger == trigger), None)


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
        for _, part in _conditionals(self.schema):
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
    def __init__(self, items: list[ItemDefinition], workflows: list[WorkflowDefinition]):
        self.items = {i.key: i for i in sorted(items, key=lambda i: (i.order, i.key))}
        self.workflows = {w.key: w for w in workflows}

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


def _read_json(path: Path, name: str, problems: list[Problem]) -> dict | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(name, "", "文件不是 UTF-8 编码"))
        return None
    except json.JSONDecodeError as e:
        problems.append(Problem(name, "", f"JSON 语法错误：第{e.lineno}行第{e.colno}列：{e.msg}"))
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(name, "", "顶层须为 JSON 对象"))
        return None
    return raw


@dataclass
class _Doc:
    """One definition file as read, with where its meta-schema errors point. Every later check reads only
    the parts that are sound, so one run reports all problems without echoing a broken part as others."""
    name: str
    stem: str
    raw: dict
    bad: list[tuple] = field(default_factory=list)

    @property
    def key(self) -> str:
        key = self.raw.get("key")
        return key if isinstance(key, str) else self.stem

    def part(self, *path):
        node = self.raw
        for p in path:
            if isinstance(node, dict) and isinstance(p, str) and p in node:
                node = node[p]
            elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
                node = node[p]
            else:
                return None
        return node

    def sound(self, *path) -> bool:
        """The part exists and the meta-schema found nothing wrong at or below it."""
        return self.part(*path) is not None and not any(tuple(b[:len(path)]) == path for b in self.bad)


def _meta_problems(validator: Draft202012Validator, doc: _Doc) -> list[Problem]:
    errors = sorted(validator.iter_errors(doc.raw), key=lambda e: list(map(str, e.absolute_path)))
    doc.bad = [tuple(e.absolute_path) for e in errors]
    return [Problem(doc.name, _pointer(e.absolute_path), e.message) for e in errors]


def _sources(t: dict) -> list:
    return [t["source"]] if isinstance(t["source"], str) else t["source"]


def _check_workflow(doc: _Doc) -> list[Problem]:
    from engine import rules  # the registry decides which names exist

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
            for j, s in enumerate(_sources(t)):
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


# ---- workflows that cannot strand a case ------------------------------------------

LEVELS = ("province", "city", "county")
LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级"}
OWNER_ROLES = {"unit", "individual"}


def state_levels(state: dict) -> tuple[str, ...]:
    """A state's `reviewer_level`, one level or a list, as a tuple (empty when the state names none)."""
    value = state.get("reviewer_level")
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _levels_text(levels) -> str:
    return "、".join(LEVEL_NAMES[lv] for lv in levels)


class _Flow:
    """The graph of a workflow that passed every check of its own file."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.index = {s["name"]: i for i, s in enumerate(raw["states"])}
        self.states = {s["name"]: s for s in raw["states"]}
        self.edges = [(i, t, _sources(t)) for i, t in enumerate(raw["transitions"])]

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


def _check_flow(name: str, flow: _Flow) -> list[Problem]:
    """A case an owner submits must reach someone: a reviewer's queue, the owner's own hands, or an end."""
    out = []
    at = lambda state: f"/states/{flow.index[state]}"  # noqa: E731
    reachable = flow.reachable()
    entered: dict[str, str] = {}
    for _, t, sources in flow.edges:
        if OWNER_ROLES & set(t["roles"]) and reachable & set(sources):
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
                and all(set(t["roles"]) <= OWNER_ROLES for _, t in leaving):
            out.append(Problem(name, at(state),
                               f"“{s['label']}”由审核人员退回、只能由单位或个人重新提交，须标为可修改"
                               f"（\"editable\": true），否则无法修改后再提交"))
        if "reviewer_level" in s and not by_reviewer:
            out.append(Problem(name, f"{at(state)}/reviewer_level",
                               f"“{s['label']}”指定了审核层级，但没有审核人员的操作从这里出发"))
    for i, t, _ in flow.edges:
        if "reviewer_levels" in t and "reviewer" not in t["roles"]:
            out.append(Problem(name, f"/transitions/{i}/reviewer_levels",
                               "reviewer_levels 只对审核人员（roles 含 reviewer）的操作有效"))
    return out


def _visibility(item: _Doc, items: dict[str, _Doc], flows: dict[str, _Flow]) -> tuple[set[str], set[str], str]:
    """(levels that see some case of the item, levels that see every case, why the others may not).
    A case carries its owner's 业务办理归属地, which decides which reviewers see it (engine/cases.py): an
    individual has none, and a unit has one only once it submitted an item with `locates_unit`."""
    roles = set(item.raw["roles"])

    def located(doc: _Doc, trail: frozenset) -> bool:
        if doc.part("locates_unit") is not None:
            return True
        for j, req in enumerate(doc.part("requires") or []):
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


def _check_levels(name: str, flow: _Flow, item: _Doc, seeing: tuple[set[str], set[str], str]) -> list[Problem]:
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
                                       f"{LEVEL_NAMES[level]}审核人员看不到事项“{item.key}”的申请（{why}，"
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


# ---- items ------------------------------------------------------------------------

def _conditionals(schema: dict) -> list[tuple[str, dict]]:
    """(pointer, subschema) of every `if` of a schema: at its top or in `allOf`."""
    out = [("/schema", schema)] if any(k in schema for k in ("if", "then", "else")) else []
    for i, part in enumerate(schema.get("allOf") or [] if isinstance(schema.get("allOf"), list) else []):
        if isinstance(part, dict) and any(k in part for k in ("if", "then", "else")):
            out.append((f"/schema/allOf/{i}", part))
    return out


IF_FORM = '{"properties": {"字段": {"const": 值} 或 {"enum": [值, …]}}, "required": ["字段"]}'


def _check_conditional(name: str, at: str, part: dict, props: dict) -> list[Problem]:
    """Conditions the form page can show (server-rendered and live): a field equal to one of some values."""
    out = []
    cond = part.get("if")
    if not isinstance(cond, dict):
        return [Problem(name, at, "then/else 须与 if 一起使用" if cond is None else f"if 须为 {IF_FORM}")]
    if set(cond) - {"properties", "required"} or not isinstance(cond.get("properties"), dict) \
            or not cond["properties"]:
        out.append(Problem(name, f"{at}/if", f"条件只支持 {IF_FORM} 的形式"))
    else:
        required = cond.get("required") if isinstance(cond.get("required"), list) else []
        for key, test in cond["properties"].items():
            where = f"{at}/if/properties/{key}"
            if key not in props:
                out.append(Problem(name, where, f"字段“{key}”不在 schema.properties 中"))
            if not isinstance(test, dict) or len(test) != 1 or not (
                    "const" in test or isinstance(test.get("enum"), list)):
                out.append(Problem(name, where, "条件字段只支持 {\"const\": 值} 或 {\"enum\": [值, …]}"))
            if key not in required:
                out.append(Problem(name, where, f"字段“{key}”须同时列入 if.required：否则它未填写时条件也成立"))
        for j, key in enumerate(required):
            if key not in cond["properties"]:
                out.append(Problem(name, f"{at}/if/required/{j}", f"if.required 只能列出 if.properties 中的字段，“{key}”不在其中"))
    if "then" not in part and "else" not in part:
        out.append(Problem(name, at, "if 须配有 then 或 else"))
    for branch in ("then", "else"):
        sub = part.get(branch)
        if branch in part and not isinstance(sub, dict):
            out.append(Problem(name, f"{at}/{branch}", f"{branch} 须为 JSON 对象"))
            continue
        required = (sub or {}).get("required")
        for j, key in enumerate(required if isinstance(required, list) else []):  # else: check_schema says so
            if key not in props:
                out.append(Problem(name, f"{at}/{branch}/required/{j}", f"必填字段“{key}”不在 properties 中"))
    return out


def _check_item(doc: _Doc, workflows: dict[str, _Doc], present_workflows: set[str], items: dict[str, _Doc],
                present_items: set[str]) -> list[Problem]:
    from engine import rules

    name, item = doc.name, doc.raw
    out = []
    schema = doc.part("schema")
    if doc.sound("schema"):
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as e:
            out.append(Problem(name, "/schema" + _pointer(e.absolute_path), f"不是有效的 JSON Schema：{e.message}"))
    props = doc.part("schema", "properties")
    props = props if isinstance(props, dict) else None
    if props is not None:
        for i, req in enumerate(doc.part("schema", "required") or []):
            if doc.sound("schema", "required", i) and req not in props:
                out.append(Problem(name, f"/schema/required/{i}", f"必填字段“{req}”不在 properties 中"))
        for key in props:
            if doc.sound("schema", "properties", key, "format"):
                fmt = props[key]["format"]
                if fmt not in formats.FORMATS:
                    out.append(Problem(name, f"/schema/properties/{key}/format", f"未知的格式“{fmt}”"))
        if isinstance(schema, dict):
            for at, part in _conditionals(schema):
                out += _check_conditional(name, at, part, props)
    attachments = doc.part("attachments") if isinstance(doc.part("attachments"), list) else []
    slots = [a["slot"] for a in attachments if isinstance(a, dict) and isinstance(a.get("slot"), str)]
    if len(set(slots)) != len(slots):
        out.append(Problem(name, "/attachments", "附件 slot 重复"))
    sections = doc.part("ui", "sections") if isinstance(doc.part("ui", "sections"), list) else None
    placed: dict[str, str] = {}
    for i, section in enumerate(sections or []):
        if not isinstance(section, dict):
            continue
        for j, key in enumerate(section.get("fields") or [] if doc.sound("ui", "sections", i, "fields") else []):
            path = f"/ui/sections/{i}/fields/{j}"
            if props is not None and key not in props:
                out.append(Problem(name, path, f"字段“{key}”不在 schema.properties 中"))
            elif key in placed:
                out.append(Problem(name, path, f"字段“{key}”已出现在 {placed[key]}"))
            else:
                placed[key] = path
        for j, slot in enumerate(section.get("attachments") or []
                                 if doc.sound("ui", "sections", i, "attachments") else []):
            if slot not in slots:
                out.append(Problem(name, f"/ui/sections/{i}/attachments/{j}", f"附件“{slot}”未在 attachments 中声明"))
    # Only when every section's field list could be read: a broken one would make its fields look unplaced.
    if props is not None and sections is not None and all(
            isinstance(s, dict) and ("fields" not in s or doc.sound("ui", "sections", i, "fields"))
            for i, s in enumerate(sections)):
        for key in props:
            if key not in placed:
                out.append(Problem(name, f"/schema/properties/{key}", f"字段“{key}”没有放入任何 ui.sections"))
    for part in ("widgets", "prefill", "help"):
        for key in doc.part("ui", part) if props is not None and isinstance(doc.part("ui", part), dict) else []:
            if key not in props:
                out.append(Problem(name, f"/ui/{part}/{key}", f"字段“{key}”不在 schema.properties 中"))
    for path, registry in ((("rules",), rules.ROW_RULES), (("batch", "rules"), rules.BATCH_RULES)):
        for i, spec in enumerate(doc.part(*path) or [] if props is not None else []):
            if not doc.sound(*path, i):
                continue
            prefix = "/" + "/".join(path) + f"/{i}"
            try:
                out += [Problem(name, f"{prefix}{p}", m) for p, m in registry.check_spec(spec, props)]
            except TypeError:  # a list or an object where a field name belongs
                out.append(Problem(name, prefix, f"规则“{spec.get('rule')}”的参数格式不正确"))
    wf = None
    if doc.sound("workflow"):
        if item["workflow"] not in present_workflows:
            out.append(Problem(name, "/workflow", f"流程“{item['workflow']}”不存在于 workflows/"))
        wf = workflows.get(item["workflow"])
        wf = wf if wf is not None and not wf.bad else None   # a broken one has its own report
    for i, req in enumerate(doc.part("requires") or []):
        if not doc.sound("requires", i):
            continue
        other = items.get(req["item"])
        if req["item"] not in present_items:
            out.append(Problem(name, f"/requires/{i}/item", f"事项“{req['item']}”不存在"))
        elif other is not None and other.sound("workflow"):
            other_wf = workflows.get(other.raw["workflow"])
            if other_wf is not None and other_wf.sound("states") and \
                    req["state"] not in [s["name"] for s in other_wf.raw["states"]]:
                out.append(Problem(name, f"/requires/{i}/state", f"状态“{req['state']}”不在事项“{req['item']}”的流程中"))
    wf_states = [s["name"] for s in wf.raw["states"]] if wf is not None else None
    if doc.sound("publish") and wf_states is not None and item["publish"]["when"] not in wf_states:
        out.append(Problem(name, "/publish/when", f"状态“{item['publish']['when']}”不在流程中"))
    for i, key in enumerate(doc.part("batch", "row_key") or [] if props is not None else []):
        if doc.sound("batch", "row_key", i) and key not in props:
            out.append(Problem(name, f"/batch/row_key/{i}", f"字段“{key}”不在 schema.properties 中"))
    return out


def _declaration_problems(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """publish.fields, role and batch.index across the items (engine/declarations.py says what fits)."""
    from engine import declarations, rules

    needs = {name: spec.roles for registry in (rules.ROW_RULES, rules.BATCH_RULES)
             for name, spec in registry.items() if spec.roles}
    return [Problem(*p) for p in declarations.problems(items, workflows, needs)]


def _read_folder(folder: Path, prefix: str, meta: Draft202012Validator,
                 problems: list[Problem]) -> tuple[list[_Doc], dict[str, _Doc], set[str]]:
    """Every readable file of one folder with its meta-schema report, the files by key, and every key the
    folder holds (a file that cannot even be read still holds the key of its name: nothing calls it missing)."""
    docs: list[_Doc] = []
    present: set[str] = set()
    for path in sorted(Path(folder).glob("*.json")):
        name = f"{prefix}/{path.name}"
        present.add(path.stem)
        raw = _read_json(path, name, problems)
        if raw is None:
            continue
        doc = _Doc(name, path.stem, raw)
        problems += _meta_problems(meta, doc)
        present.add(doc.key)
        if doc.sound("key") and raw["key"] != path.stem:
            problems.append(Problem(name, "/key", f"key“{raw['key']}”须与文件名“{path.stem}”一致"))
        docs.append(doc)
    by_key: dict[str, _Doc] = {}
    for doc in docs:
        by_key.setdefault(doc.key, doc)
    return docs, by_key, present


def check_definitions(forms_dir: Path, workflows_dir: Path) -> tuple[list[Problem], list[dict], list[dict]]:
    """Every problem in both folders in one run (meta-schema, each file's own checks, cross-checks, and
    whether cases can reach a reviewer), plus the raw definitions that passed."""
    problems: list[Problem] = []
    wf_docs, workflows, present_workflows = _read_folder(workflows_dir, "workflows", _metaschema("workflow"),
                                                         problems)
    item_docs, items, present_items = _read_folder(forms_dir, "forms", _metaschema("item"), problems)
    flows: dict[str, _Flow] = {}
    for doc in wf_docs:
        own = _check_workflow(doc)
        problems += own
        # The graph checks need the whole graph: a transition left out would look like a missing one.
        if not own and not doc.bad and workflows[doc.key] is doc:
            flows[doc.key] = _Flow(doc.raw)
            problems += _check_flow(doc.name, flows[doc.key])
    for doc in item_docs:
        problems += _check_item(doc, workflows, present_workflows, items, present_items)
        flow = flows.get(doc.raw["workflow"]) if doc.sound("workflow") else None
        if flow is not None and doc.sound("roles"):
            problems += _check_levels(workflows[doc.raw["workflow"]].name, flow, doc,
                                      _visibility(doc, items, flows))
    # Declarations are read across items: only files whose meta-schema check passed take part.
    problems += _declaration_problems({d.key: {**d.raw, "__source": d.name} for d in item_docs if not d.bad},
                                      {d.key: d.raw for d in wf_docs if not d.bad})
    if not item_docs and not problems:
        problems.append(Problem(str(forms_dir), "", "没有找到任何事项定义"))
    # Grouped by file in folder order (workflows, then forms); within a file, in the order found.
    rank = {"workflows": 0, "forms": 1}
    problems = sorted(dict.fromkeys(problems), key=lambda p: (rank.get(p.file.split("/")[0], 2), p.file))
    bad = {p.file for p in problems}
    ok = lambda docs: [d.raw | {"__source": d.name} for d in docs if d.name not in bad]  # noqa: E731
    return problems, ok(item_docs), ok(wf_docs)


def load_catalogue(forms_dir: Path, workflows_dir: Path) -> Catalogue:
    problems, items, workflows = check_definitions(forms_dir, workflows_dir)
    if problems:
        raise DefinitionError(problems)
    strip = lambda raw: {k: v for k, v in raw.items() if k != "__source"}  # noqa: E731
    return Catalogue([ItemDefinition(strip(r), r["__source"]) for r in items],
                     [WorkflowDefinition(strip(r), r["__source"]) for r in workflows])


def default_dirs() -> tuple[Path, Path]:
    root = Path(__file__).resolve().parent.parent
    return root / "forms", root / "workflows"
