"""Item and workflow definitions: load the JSON files, check them, build the catalogue."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

REGION_FORMATS = ("shanxi-city", "shanxi-county")


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


class WorkflowDefinition:
    def __init__(self, raw: dict, source: str = ""):
        self.raw = raw
        self.source = source
        self.key: str = raw["key"]
        self.title: str = raw.get("title", raw["key"])
        self.initial: str = raw["initial"]
        self.states: list[dict] = raw["states"]
        self.transitions: list[Transition] = [
            Transition(
                trigger=t["trigger"],
                sources=tuple([t["source"]] if isinstance(t["source"], str) else t["source"]),
                dest=t["dest"], roles=tuple(t["roles"]), label=t["label"],
                comment=t.get("comment", "none"), reasons=tuple(t.get("reasons", ())),
                conditions=tuple(t.get("conditions", ())), effects=tuple(t.get("effects", ())),
                reviewer_levels=tuple(t.get("reviewer_levels", ())), style=t.get("style", "default"),
                validates=bool(t.get("validates")),
            )
            for t in raw["transitions"]
        ]

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


def _default_widget(spec: dict) -> str:
    if "enum" in spec:
        return "select"
    fmt = spec.get("format")
    if fmt == "date":
        return "date"
    if fmt == "month":
        return "month"
    if fmt == "shanxi-city":
        return "region-city"
    if fmt == "shanxi-county":
        return "region-county"
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


def _meta_problems(validator: Draft202012Validator, raw: dict, name: str) -> list[Problem]:
    return [Problem(name, _pointer(e.absolute_path), e.message)
            for e in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))]


def _check_workflow(wf: dict, name: str) -> list[Problem]:
    from engine import rules  # the registry decides which names exist

    out = []
    states = [s["name"] for s in wf["states"]]
    if len(set(states)) != len(states):
        out.append(Problem(name, "/states", "状态名称重复"))
    if wf["initial"] not in states:
        out.append(Problem(name, "/initial", f"初始状态“{wf['initial']}”未在 states 中声明"))
    seen = set()
    for i, t in enumerate(wf["transitions"]):
        sources = [t["source"]] if isinstance(t["source"], str) else t["source"]
        for j, s in enumerate(sources):
            if s not in states:
                path = f"/transitions/{i}/source" + ("" if isinstance(t["source"], str) else f"/{j}")
                out.append(Problem(name, path, f"状态“{s}”未在 states 中声明"))
            if (t["trigger"], s) in seen:
                out.append(Problem(name, f"/transitions/{i}", f"触发器“{t['trigger']}”在状态“{s}”上重复定义"))
            seen.add((t["trigger"], s))
        if t["dest"] not in states:
            out.append(Problem(name, f"/transitions/{i}/dest", f"状态“{t['dest']}”未在 states 中声明"))
        for j, c in enumerate(t.get("conditions", [])):
            if c not in rules.GUARDS:
                out.append(Problem(name, f"/transitions/{i}/conditions/{j}", f"未注册的条件“{c}”"))
        for j, c in enumerate(t.get("effects", [])):
            if c not in rules.EFFECTS:
                out.append(Problem(name, f"/transitions/{i}/effects/{j}", f"未注册的效果“{c}”"))
    return out


def _check_item(item: dict, name: str, workflows: dict[str, dict], items: dict[str, dict]) -> list[Problem]:
    from engine import formats, rules

    out = []
    schema = item["schema"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        out.append(Problem(name, "/schema" + _pointer(e.absolute_path), f"不是有效的 JSON Schema：{e.message}"))
    props = schema["properties"]
    for i, req in enumerate(schema.get("required", [])):
        if req not in props:
            out.append(Problem(name, f"/schema/required/{i}", f"必填字段“{req}”不在 properties 中"))
    for key, spec in props.items():
        fmt = spec.get("format")
        if fmt and fmt not in formats.FORMAT_CHECKS and fmt not in REGION_FORMATS:
            out.append(Problem(name, f"/schema/properties/{key}/format", f"未知的格式“{fmt}”"))
    slots = [a["slot"] for a in item.get("attachments", [])]
    if len(set(slots)) != len(slots):
        out.append(Problem(name, "/attachments", "附件 slot 重复"))
    placed: dict[str, str] = {}
    for i, section in enumerate(item["ui"]["sections"]):
        for j, key in enumerate(section.get("fields", [])):
            path = f"/ui/sections/{i}/fields/{j}"
            if key not in props:
                out.append(Problem(name, path, f"字段“{key}”不在 schema.properties 中"))
            elif key in placed:
                out.append(Problem(name, path, f"字段“{key}”已出现在 {placed[key]}"))
            else:
                placed[key] = path
        for j, slot in enumerate(section.get("attachments", [])):
            if slot not in slots:
                out.append(Problem(name, f"/ui/sections/{i}/attachments/{j}", f"附件“{slot}”未在 attachments 中声明"))
    for key in props:
        if key not in placed:
            out.append(Problem(name, f"/schema/properties/{key}", f"字段“{key}”没有放入任何 ui.sections"))
    for part in ("widgets", "prefill", "help"):
        for key in item["ui"].get(part, {}):
            if key not in props:
                out.append(Problem(name, f"/ui/{part}/{key}", f"字段“{key}”不在 schema.properties 中"))
    for path, rule_list, registry in (("/rules", item.get("rules", []), rules.ROW_RULES),
                                      ("/batch/rules", (item.get("batch") or {}).get("rules", []), rules.BATCH_RULES)):
        for i, spec in enumerate(rule_list):
            out += [Problem(name, f"{path}/{i}{p}", m) for p, m in registry.check_spec(spec, props)]
    wf = workflows.get(item["workflow"])
    if wf is None:
        out.append(Problem(name, "/workflow", f"流程“{item['workflow']}”不存在于 workflows/"))
    for i, req in enumerate(item.get("requires", [])):
        other = items.get(req["item"])
        if other is None:
            out.append(Problem(name, f"/requires/{i}/item", f"事项“{req['item']}”不存在"))
        else:
            other_wf = workflows.get(other["workflow"])
            if other_wf and req["state"] not in [s["name"] for s in other_wf["states"]]:
                out.append(Problem(name, f"/requires/{i}/state", f"状态“{req['state']}”不在事项“{req['item']}”的流程中"))
    if item.get("publish") and wf and item["publish"]["when"] not in [s["name"] for s in wf["states"]]:
        out.append(Problem(name, "/publish/when", f"状态“{item['publish']['when']}”不在流程中"))
    for i, key in enumerate((item.get("batch") or {}).get("row_key", [])):
        if key not in props:
            out.append(Problem(name, f"/batch/row_key/{i}", f"字段“{key}”不在 schema.properties 中"))
    return out


def _declaration_problems(items: dict[str, dict], workflows: dict[str, dict]) -> list[Problem]:
    """publish.fields, role and batch.index across the items (engine/declarations.py says what fits)."""
    from engine import declarations, rules

    needs = {name: spec.roles for registry in (rules.ROW_RULES, rules.BATCH_RULES)
             for name, spec in registry.items() if spec.roles}
    return [Problem(*p) for p in declarations.problems(items, workflows, needs)]


def _read_folder(folder: Path, prefix: str, meta: Draft202012Validator, problems: list[Problem],
                 own_checks=lambda raw, name: []) -> dict[str, dict]:
    """The definitions of one folder that pass the meta-schema, their own checks and the key = file name rule."""
    found_ok: dict[str, dict] = {}
    for path in sorted(Path(folder).glob("*.json")):
        name = f"{prefix}/{path.name}"
        raw = _read_json(path, name, problems)
        if raw is None:
            continue
        found = _meta_problems(meta, raw, name)
        if not found:
            found = own_checks(raw, name)
            if raw["key"] != path.stem:
                found.append(Problem(name, "/key", f"key“{raw['key']}”须与文件名“{path.stem}”一致"))
        problems += found
        if not found:
            found_ok[raw["key"]] = raw | {"__source": name}
    return found_ok


def check_definitions(forms_dir: Path, workflows_dir: Path) -> tuple[list[Problem], list[dict], list[dict]]:
    """Every problem in both folders, plus the raw definitions that passed."""
    problems: list[Problem] = []
    workflows = _read_folder(workflows_dir, "workflows", _metaschema("workflow"), problems, _check_workflow)
    items = _read_folder(forms_dir, "forms", _metaschema("item"), problems)
    for key, raw in list(items.items()):
        found = _check_item(raw, raw["__source"], workflows, items)
        problems += found
    problems += _declaration_problems(items, workflows)
    if not items and not problems:
        problems.append(Problem(str(forms_dir), "", "没有找到任何事项定义"))
    return problems, list(items.values()), list(workflows.values())


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
