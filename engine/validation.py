"""Normalise input, check it against an item's schema and named rules, and say every problem in Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from jsonschema import Draft202012Validator

from engine import formats
from engine.definitions.model import ItemDefinition
from engine.errors import EngineError
from engine.rules import RuleContext, run_row_rules


@dataclass(frozen=True)
class FieldError:
    pointer: str   # JSON pointer to the field, e.g. "/credit_code"
    message: str

    @property
    def field(self) -> str:
        return self.pointer.lstrip("/")

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


class ValidationFailed(EngineError):
    """Every problem of the data at once, each by its field."""
    kind = "invalid"

    def __init__(self, errors: list[FieldError], data: dict | None = None):
        super().__init__("; ".join(f"{e.pointer}: {e.message}" for e in errors))
        self.errors = errors
        self.data = data


@lru_cache(maxsize=64)
def _validator(item_sha: str, item: ItemDefinition) -> Draft202012Validator:
    # Formats are checked by us, with Chinese messages; the schema checks shape and bounds.
    return Draft202012Validator(item.schema)


def _to_number(value, integer: bool):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if integer and isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if not isinstance(value, str):
        return value
    text = formats.normalize_digits(value).replace(",", "")
    try:
        d = Decimal(text)
    except InvalidOperation:
        return value
    if integer:
        return int(d) if d == d.to_integral_value() else value
    return int(d) if d == d.to_integral_value() else float(d)


def normalize(item: ItemDefinition, data: dict) -> dict:
    """Trim, half-width digits, upper-case X, numbers from text; unknown keys and empty values dropped."""
    out = {}
    props = item.schema["properties"]
    for key, spec in props.items():
        if key not in data:
            continue
        value = data[key]
        fmt = spec.get("format")
        if isinstance(value, str):
            if fmt in formats.FORMAT_NORMALIZERS:
                value = formats.FORMAT_NORMALIZERS[fmt](value)
            elif fmt in formats.REGION_FORMATS or spec.get("type") in ("integer", "number") or "enum" in spec:
                value = formats.normalize_text(value)
            else:
                value = formats.trim(value)
            if value == "":
                continue
        if value is None:
            continue
        if spec.get("type") in ("integer", "number"):
            value = _to_number(value, spec["type"] == "integer")
        elif spec.get("type", "string") == "string" and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            value = str(int(value)) if float(value).is_integer() else str(value)
        out[key] = value
    return out


def required_fields(item: ItemDefinition, data: dict) -> set[str]:
    """The fields required for this data: `required` plus those of each `if`/`then`/`else` that applies,
    judged on the normalised data exactly as validation will judge it."""
    clean = normalize(item, data)
    out = set(item.schema.get("required", ()))
    for c in item.conditions:
        out.update(c.then_required if c.holds(clean) else c.else_required)
    return out


def _message(err, item: ItemDefinition) -> tuple[str, str]:
    """(field key, Chinese message) for one jsonschema error."""
    path = list(err.absolute_path)
    key = path[0] if path else None
    kw = err.validator
    if kw == "required":
        key = err.message.split("'")[1]
    f = item.field_map.get(key)
    label = f.label if f else (key or "")
    spec = item.schema["properties"].get(key, {})
    custom = spec.get("errorMessage", {})
    if kw in custom:
        return key, custom[kw]
    v = err.validator_value
    if kw == "required":
        verb = "请选择" if f and f.widget in ("select", "region-city", "region-county") else "请填写"
        return key, f"{verb}{label}"
    if kw == "type":
        expected = v if isinstance(v, str) else v[0]
        return key, {"integer": f"{label}须为整数，请只填写数字",
                     "number": f"{label}须为数字"}.get(expected, f"{label}格式不正确")
    if kw == "minimum":
        return key, f"{label}不能小于{v}"
    if kw == "maximum":
        return key, f"{label}不能大于{v}"
    if kw == "exclusiveMinimum":
        return key, f"{label}须大于{v}"
    if kw == "exclusiveMaximum":
        return key, f"{label}须小于{v}"
    if kw == "minLength":
        return key, f"请填写{label}" if v <= 1 else f"{label}至少{v}个字"
    if kw == "maxLength":
        return key, f"{label}不能超过{v}个字（当前{len(err.instance)}个字），请删减"
    if kw in ("enum", "const"):
        return key, f"{label}请从列表中选择"
    if kw == "pattern":
        return key, f"{label}格式不正确"
    return key, f"{label}不符合要求：{err.message}"


def check_formats(item: ItemDefinition, data: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    out = []
    for key, spec in item.schema["properties"].items():
        fmt = spec.get("format")
        value = data.get(key)
        if not fmt or not isinstance(value, str):
            continue
        label = spec["title"]
        if fmt == formats.ID_NUMBER:
            problem = formats.check_id_number(value, today=ctx.today)
        elif fmt in formats.FORMAT_CHECKS:
            problem = formats.FORMAT_CHECKS[fmt](value)
        elif fmt == formats.SHANXI_CITY:
            problem = None if ctx.regions.is_city(value) else "请从列表中选择山西省的市"
        elif fmt == formats.SHANXI_COUNTY:
            problem = None if ctx.regions.is_county(value) else "请从列表中选择山西省的县（市、区）"
        else:
            problem = None
        if problem:
            out.append((key, spec.get("errorMessage", {}).get("format") or f"{label}{problem}"))
    return out


def validate(item: ItemDefinition, data: dict, ctx: RuleContext | None = None,
             skip_rules: bool = False) -> tuple[dict, list[FieldError]]:
    """Every problem of one record, in the order the fields are shown; clean data has transient fields dropped."""
    ctx = ctx or RuleContext()
    ctx.item = item
    ctx.labels = {k: v["title"] for k, v in item.schema["properties"].items()}
    clean = normalize(item, data)
    found: dict[str, list[str]] = {}

    def add(key, message):
        msgs = found.setdefault(key or "", [])
        if message not in msgs:
            msgs.append(message)

    for err in _validator(item.sha256, item).iter_errors(clean):
        add(*_message(err, item))
    for key, value in clean.items():
        if formats.has_control_chars(value):
            add(key, f"{ctx.labels.get(key, key)}含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写")
    for key, message in check_formats(item, clean, ctx):
        add(key, message)
    if not skip_rules:
        # Rules see only fields that passed their own checks, so one mistake gives one message.
        ok = {k: v for k, v in clean.items() if k not in found}
        for key, message in run_row_rules(item, ok, ctx):
            if key not in found or message in found[key]:
                add(key, message)
    order = {f.key: i for i, f in enumerate(item.fields)}
    errors = [FieldError(f"/{key}" if key else "", m)
              for key in sorted(found, key=lambda k: order.get(k, -1)) for m in found[key]]
    transient = {f.key for f in item.fields if f.transient}
    return {k: v for k, v in clean.items() if k not in transient}, errors
