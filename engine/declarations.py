"""What an item declares it means to the rest of the engine, so that no Python names an item or a field.

- `publish.fields`: which field of the item gives each attribute of the position it publishes;
- `role`: a part the item plays that the engine looks for by role, never by key: `unit_approval` (a case
  of it in `role.when` makes its unit an approved internship unit; `role.fields` is the unit's profile
  shown with its positions) and `agreements` (its active rows are the matched agreements that the
  roster and overlap rules read);
- `batch.index`: which fields of a batch row also fill the indexed columns of `batch_rows`, so that
  rules across reports find rows without reading each row's data;
- `locates_unit`: which fields set the unit's 业务办理归属地 (checked here like the others);
- `batch.max_rows`: how many rows one file of a batch item may have, when fewer than the site allows.

The slot tables below are the vocabulary. `problems` is the loader's check of the declarations (a slot
that does not exist, a field that does not exist or does not fit the slot, a required slot left out, a
role claimed twice); the other functions read the declarations of loaded definitions. Nothing here
imports the engine but the format names (engine.formats): the rules, the batch store and positions all read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from engine.formats import DATE, ID_NUMBER, MOBILE, MONTH, SHANXI_CITY, SHANXI_COUNTY


@dataclass(frozen=True)
class Slot:
    types: tuple[str, ...]          # JSON Schema types the field may have
    required: bool = False          # must be declared, and name a required field
    format: str | None = None       # the field must have this format
    max_length: int | None = None   # the column's length: the field must be bounded within it (maxLength or enum)


_STRING = ("string",)

# Position attribute -> what the field must be. The first group fills the positions table; the second is
# read from the case for the public detail page only (never bank details: nothing else is shown).
POSITION_SLOTS: dict[str, Slot] = {
    "name": Slot(_STRING, required=True, max_length=64),
    "openings": Slot(("integer",), required=True),
    "period_months": Slot(("integer",), required=True),
    "allowance": Slot(("integer",), required=True),
    "city": Slot(_STRING, required=True, format=SHANXI_CITY),
    "county": Slot(_STRING, required=True, format=SHANXI_COUNTY),
    "education": Slot(_STRING, max_length=10),
    "major": Slot(_STRING, max_length=100),
    "address": Slot(_STRING, max_length=200),
    "deadline": Slot(_STRING, format=DATE),
    "age_min": Slot(("integer",)),
    "age_max": Slot(("integer",)),
    "description": Slot(_STRING),
    "contact_name": Slot(_STRING),
    "contact_mobile": Slot(_STRING, format=MOBILE),  # shown masked
}

# locates_unit: the fields that set the unit's 业务办理归属地 on submission, which decides its reviewers.
LOCATES_SLOTS: dict[str, Slot] = {
    "city": Slot(_STRING, required=True, format=SHANXI_CITY),
    "county": Slot(_STRING, required=True, format=SHANXI_COUNTY),
}

# Indexed columns of batch_rows -> what the field must be.
INDEX_SLOTS: dict[str, Slot] = {
    "id_number": Slot(_STRING, format=ID_NUMBER),
    "month": Slot(_STRING, format=MONTH),
    "start_date": Slot(_STRING, format=DATE),
    "end_date": Slot(_STRING, format=DATE),
}


@dataclass(frozen=True)
class Role:
    slots: dict[str, Slot]
    singular: bool = True           # at most one item may play it
    needs_when: bool = False        # `role.when`: the state in which a case plays the role
    kind: str | None = None         # the item kind that can play it
    index: tuple[str, ...] = ()     # batch.index columns it needs, as required fields


ROLES: dict[str, Role] = {
    "unit_approval": Role({
        "industry": Slot(_STRING, max_length=40),  # copied to its positions; its enum is the search's 行业 list
        "unit_type": Slot(_STRING),
        "county": Slot(_STRING, format=SHANXI_COUNTY),
        "address": Slot(_STRING),
        "intro": Slot(_STRING),
    }, needs_when=True),
    "agreements": Role({
        "name": Slot(_STRING, required=True),
        "position": Slot(_STRING, required=True),
        "mobile": Slot(_STRING),
        "education": Slot(_STRING),
        "school": Slot(_STRING),
        "major": Slot(_STRING),
        "allowance": Slot(("integer", "number")),
    }, kind="batch", index=("id_number", "start_date", "end_date")),
}


# ---------------------------------------------------------------------------
# Reading the declarations of loaded definitions (ItemDefinition / Catalogue)
# ---------------------------------------------------------------------------

def publish_fields(item) -> dict[str, str]:
    """Position attribute -> field of the item."""
    return dict((item.raw.get("publish") or {}).get("fields") or {})


def role_of(item) -> str | None:
    return (item.raw.get("role") or {}).get("as")


def role_fields(item) -> dict[str, str]:
    """Slot of the item's role -> field of the item."""
    return dict((item.raw.get("role") or {}).get("fields") or {})


def role_state(item) -> str | None:
    return (item.raw.get("role") or {}).get("when")


def index_fields(item) -> dict[str, str]:
    """Indexed column of batch_rows -> field of the item."""
    return dict((item.raw.get("batch") or {}).get("index") or {})


def role_item(catalogue, role: str):
    """The item that plays a role, or None (the loader lets only one item claim a singular role)."""
    if catalogue is None:
        return None
    return next((i for i in catalogue.items.values() if role_of(i) == role), None)


def publishers(catalogue, kind: str = "position") -> list:
    """The items whose approval publishes a case as `kind`, in menu order."""
    return [i for i in catalogue.items.values() if (i.raw.get("publish") or {}).get("as") == kind]


def field_enum(item, key: str | None) -> tuple:
    spec = item.schema["properties"].get(key) if (item is not None and key) else None
    return tuple(spec.get("enum") or ()) if spec else ()


# ---------------------------------------------------------------------------
# The loader's checks
# ---------------------------------------------------------------------------

def _fit(slot: Slot, field: str, props: dict, required: set) -> str | None:
    """Why a field does not fit a slot, or None."""
    spec = props.get(field)
    if spec is None:
        return f"字段“{field}”不在 schema.properties 中"
    kind = spec.get("type", "string")
    if kind not in slot.types:
        return f"字段“{field}”的类型为{kind}，此处须为{'或'.join(slot.types)}"
    if slot.format and spec.get("format") != slot.format:
        return f"字段“{field}”的 format 须为“{slot.format}”"
    if slot.max_length:
        longest = max(map(len, map(str, spec["enum"]))) if spec.get("enum") else spec.get("maxLength")
        if longest is None or longest > slot.max_length:
            return f"字段“{field}”须用 maxLength 或 enum 限定在{slot.max_length}个字符以内"
    if slot.required and field not in required:
        return f"字段“{field}”须列入 schema.required：此处必须有值"
    return None


def _slots(mapping: Mapping[str, str], slots: dict[str, Slot], path: str, props: dict, required: set,
           what: str, must: Iterable[str] = ()) -> list[tuple[str, str]]:
    out = []
    for name, field in mapping.items():
        slot = slots.get(name)
        if slot is None:
            out.append((f"{path}/{name}", f"{what}没有“{name}”，可用：{'、'.join(slots)}"))
        elif problem := _fit(slot, field, props, required):
            out.append((f"{path}/{name}", problem))
    for name in [n for n, s in slots.items() if s.required] + list(must):
        if name not in mapping:
            out.append((path, f"缺少“{name}”：{what}必须声明它来自哪个字段"))
    return out


def _states(raw: dict, workflows: dict) -> list[str] | None:
    wf = workflows.get(raw["workflow"])
    return [s["name"] for s in wf["states"]] if wf else None


def problems(items: dict[str, dict], workflows: dict[str, dict],
             rule_roles: Mapping[str, tuple[str, ...]] = {}) -> list[tuple[str, str, str]]:
    """(file, JSON pointer, message) for every declaration that does not hold. rule_roles: the roles each
    registered rule reads (a rule that finds agreements needs an item playing `agreements`)."""
    out: list[tuple[str, str, str]] = []
    claimed: dict[str, str] = {}  # singular role -> the file that claimed it first
    played: set[str] = set()
    for raw in items.values():
        name = raw.get("__source", raw["key"])
        props = raw["schema"]["properties"]
        required = set(raw["schema"].get("required", []))
        found: list[tuple[str, str]] = []
        publish = raw.get("publish")
        if publish:
            found += _slots(publish.get("fields", {}), POSITION_SLOTS, "/publish/fields", props, required, "岗位")
        if raw.get("locates_unit"):
            found += _slots(raw["locates_unit"], LOCATES_SLOTS, "/locates_unit", props, required, "locates_unit")
        index = (raw.get("batch") or {}).get("index", {})
        found += _slots(index, INDEX_SLOTS, "/batch/index", props, required, "batch.index")
        role = raw.get("role")
        spec = ROLES.get(role["as"]) if role else None
        if role and spec is None:
            found.append(("/role/as", f"未知的角色“{role['as']}”，可用：{'、'.join(ROLES)}"))
        elif role:
            played.add(role["as"])
            found += _slots(role.get("fields", {}), spec.slots, "/role/fields", props, required,
                            f"角色“{role['as']}”")
            if spec.kind and raw["kind"] != spec.kind:
                found.append(("/role/as", f"角色“{role['as']}”只能由 kind 为 {spec.kind} 的事项担任"))
            for col in spec.index:
                if col not in index:
                    found.append(("/batch/index" if raw.get("batch") else "/role/as",
                                  f"角色“{role['as']}”须在 batch.index 中声明“{col}”"))
                elif index[col] not in required:
                    found.append((f"/batch/index/{col}", f"字段“{index[col]}”须列入 schema.required：此处必须有值"))
            states = _states(raw, workflows)
            if spec.needs_when and "when" not in role:
                found.append(("/role", f"角色“{role['as']}”须用 when 说明哪个状态的申请起作用"))
            elif "when" in role and states is not None and role["when"] not in states:
                found.append(("/role/when", f"状态“{role['when']}”不在流程中"))
            if spec.singular:
                if role["as"] in claimed:
                    found.append(("/role/as", f"角色“{role['as']}”已由 {claimed[role['as']]} 担任，只能有一个事项担任"))
                else:
                    claimed[role["as"]] = name
        out += [(name, p, m) for p, m in found]
    for raw in items.values():
        name = raw.get("__source", raw["key"])
        batch_rules = (raw.get("batch") or {}).get("rules", [])
        for path, rule_list in (("/rules", raw.get("rules", [])), ("/batch/rules", batch_rules)):
            for i, spec in enumerate(rule_list):
                for role in rule_roles.get(spec.get("rule"), ()):
                    if role not in played:
                        out.append((name, f"{path}/{i}/rule",
                                    f"规则“{spec['rule']}”需要一个担任角色“{role}”的事项（role.as）"))
    return out


def max_rows(item, site_limit: int) -> int:
    """Rows one import of a batch item may have: the site's limit, or the item's own `batch.max_rows` if lower.

    It bounds what the reader lets the parser allocate (engine.batch.bounds) and is what the template says."""
    own = (item.batch or {}).get("max_rows")
    return min(site_limit, own) if own else site_limit
