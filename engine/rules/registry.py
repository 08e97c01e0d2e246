"""The registries that definitions name: row rules, batch rules, guards and effects, each with its text.

This module is the bottom of the rules package and imports nothing of the engine above formats and
regions. Rules, guards and effects are registered by the modules that own them (rules and guards in
this package, effects beside the code they change), so nothing low ever reaches up to run them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from engine import clock
from engine.regions import RegionTable, load_regions


@dataclass
class RuleContext:
    """What rules may look at besides the data itself."""
    today: date = field(default_factory=clock.today)   # the Beijing date
    regions: RegionTable = field(default_factory=load_regions)
    session: Any = None          # SQLAlchemy session, for cross-record rules
    unit_id: int | None = None
    item: Any = None              # ItemDefinition
    labels: dict[str, str] = field(default_factory=dict)
    catalogue: Any = None         # for rules that find records by what another item declares

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


@dataclass
class TransitionContext:
    session: Any
    catalogue: Any
    actor: Any
    today: date = field(default_factory=clock.today)   # the Beijing date


@dataclass(frozen=True)
class RuleSpec:
    fn: Callable
    fields: tuple[str, ...]          # params naming one field
    field_lists: tuple[str, ...] = ()  # params naming a list of fields
    required: tuple[str, ...] = ()   # other params that must be present
    doc: str = ""                     # what it checks, for docs/definitions.md
    text: str = ""                    # the rule in words for the person filling in an Excel template
    roles: tuple[str, ...] = ()       # item roles it reads (engine/declarations.py), which must be played

    @property
    def params(self) -> tuple[str, ...]:
        return self.fields + self.field_lists + self.required


class Registry(dict):
    def register(self, name: str, fields=(), field_lists=(), required=(), doc: str = "", text: str = "",
                 roles=()):
        def deco(fn):
            if name in self:
                raise ValueError(f"rule {name!r} registered twice")
            self[name] = RuleSpec(fn, tuple(fields), tuple(field_lists), tuple(required), doc, text, tuple(roles))
            return fn
        return deco

    def check_spec(self, spec: dict, props: dict) -> list[tuple[str, str]]:
        """Problems with one rule entry of a definition, as (json path suffix, message)."""
        name = spec.get("rule")
        rule = self.get(name)
        if rule is None:
            return [("/rule", f"未注册的规则“{name}”")]
        out = []
        for p in rule.params:
            if p not in spec:
                out.append(("", f"规则“{name}”缺少参数“{p}”"))
        for p in rule.fields:
            if p in spec and spec[p] not in props:
                out.append((f"/{p}", f"字段“{spec[p]}”不在 schema.properties 中"))
        for p in rule.field_lists:
            for i, key in enumerate(spec.get(p, [])):
                if key not in props:
                    out.append((f"/{p}/{i}", f"字段“{key}”不在 schema.properties 中"))
        return out


class Hooks(dict):
    """Guards (fn(case, ctx) -> message | None) or effects (fn(case, ctx) -> None) by name, with their docs.

    An effect may say which item declaration it carries out (`serves`: an item declaring it needs a workflow
    that runs the effect, or the declaration would never take effect) and that only staff may cause it
    (`staff_only`: the loader refuses it on a transition an owner fires). `label` is what administrators read
    (系统管理 → 事项目录), in Chinese; `doc` is for the definitions' docs."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.docs: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.serves: dict[str, str] = {}    # effect -> the item declaration it carries out
        self.staff_only: set[str] = set()

    def register(self, name: str, doc: str = "", serves: str | None = None, staff_only: bool = False,
                 label: str = ""):
        def deco(fn):
            if name in self:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self[name] = fn
            self.docs[name] = doc
            self.labels[name] = label
            if serves:
                self.serves[name] = serves
            if staff_only:
                self.staff_only.add(name)
            return fn
        return deco


ROW_RULES = Registry()    # fn(data, spec, ctx) -> [(field, message)]
BATCH_RULES = Registry()  # fn(rows, spec, ctx) -> [(row_index, field, message)]
GUARDS = Hooks("guard")
EFFECTS = Hooks("effect")


def guard(name: str, doc: str = "", label: str = ""):
    return GUARDS.register(name, doc, label=label)


def effect(name: str, doc: str = "", serves: str | None = None, staff_only: bool = False, label: str = ""):
    return EFFECTS.register(name, doc, serves=serves, staff_only=staff_only, label=label)


def run_row_rules(item, data: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spec in item.rules:
        out.extend(ROW_RULES[spec["rule"]].fn(data, spec, ctx))
    return out


def row_rules_checker(item, ctx: RuleContext) -> Callable[[dict], list[tuple[str, str]]]:
    """run_row_rules for many rows: each verdict is kept per distinct combination of the fields the rules read.

    A row rule sees only the fields its registration names (and ctx, fixed for the batch), so rows that agree
    on those fields get the same answer; a batch repeats a few hundred date pairs over 100k rows.
    """
    rules = item.rules
    if not rules:
        return lambda data: []
    keys: list[str] = []
    for spec in rules:
        rule = ROW_RULES[spec["rule"]]
        for p in rule.fields:
            keys.append(spec[p])
        for p in rule.field_lists:
            keys.extend(spec[p])
    keys = list(dict.fromkeys(keys))
    verdicts: dict[tuple, list] = {}

    def check(data: dict) -> list[tuple[str, str]]:
        # The class goes into the key too: True == 1 == 1.0 as dict keys, but not to every rule.
        key = tuple((v.__class__, v) for v in map(data.get, keys))
        try:
            found = verdicts.get(key)
        except TypeError:  # a list or dict value: no sharing
            return run_row_rules(item, data, ctx)
        if found is None:
            found = run_row_rules(item, data, ctx)
            if len(verdicts) < 50_000:
                verdicts[key] = found
        return found
    return check


def run_batch_rules(item, rows: list[tuple[int, dict]], ctx: RuleContext) -> Iterable[tuple[int, str, str]]:
    for spec in (item.batch or {}).get("rules", []):
        yield from BATCH_RULES[spec["rule"]].fn(rows, spec, ctx)


def column_notes(item, key: str) -> list[str]:
    """The batch rules' texts that concern one column, for the template's 填写说明 and header comments."""
    out = []
    for spec in (item.batch or {}).get("rules", []):
        rule = BATCH_RULES.get(spec.get("rule"))
        if rule is None or not rule.text:
            continue
        # A rule is explained on the first column it names.
        first = next((spec[p] for p in rule.fields if p in spec), None)
        if first is None:
            lists = [spec.get(p) or [] for p in rule.field_lists]
            first = next((lst[0] for lst in lists if lst), None)
        if first == key:
            out.append(rule.text)
    return out
