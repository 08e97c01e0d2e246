"""Turn an item definition plus values and errors into what the generic form template draws."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from engine.attachments import current_attachments
from engine.cases.answers import shown_value
from engine.definitions.model import Field, ItemDefinition
from engine.regions import load_regions
from engine.storage import KIND_NAMES
from engine.validation import required_fields


@dataclass
class FieldView:
    f: Field
    value: object
    errors: list[str]
    options: list[tuple[str, str]] = field(default_factory=list)
    # County selects with no city chosen yet list every county under its city, so no script is needed.
    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    required: bool = False       # for the values shown: `required`, or an `if`/`then` that holds
    required_when: str = ""      # JSON for form.js, which keeps the mark in step as the answers change

    @property
    def key(self):
        return self.f.key


@dataclass
class SlotView:
    slot: str
    title: str
    required: bool
    help: str
    types: str
    max_mb: float
    stored: object = None  # Attachment
    errors: list[str] = field(default_factory=list)


@dataclass
class SectionView:
    title: str
    description: str
    readonly: bool
    fields: list[FieldView]
    slots: list[SlotView]


def _options(f: Field, values: dict, city_key: str | None) -> list[tuple[str, str]]:
    regions = load_regions()
    if f.widget == "region-city":
        return [(r.code, r.name) for r in regions.cities()]
    if f.widget == "region-county":
        city = values.get(city_key) if city_key else None
        counties = regions.counties(city) if city else []
        return [(r.code, r.name) for r in counties]
    if f.enum:
        return [(str(v), str(v)) for v in f.enum]
    return []


def _city_key_for(item: ItemDefinition, county_key: str) -> str | None:
    """The city field that drives a county select: from a county_in_city rule, else the nearest city field."""
    for rule in item.rules:
        if rule.get("rule") == "county_in_city" and rule.get("county") == county_key:
            return rule["city"]
    cities = [f.key for f in item.fields if f.widget == "region-city"]
    return cities[0] if cities else None


# A value as the form shows it (one home, beside the check-answers summary that shows them too).
display_value = shown_value


def _required_when(item: ItemDefinition, key: str) -> str:
    """[{"all": [[field, [values as text]], ...], "is": true|false}, ...]: the field is required while any
    entry's fields all hold one of their values (is true) or not all do (is false, an `else`)."""
    found = item.required_when(key)
    if not found or key in item.schema.get("required", ()):
        return ""   # always required: nothing to toggle
    return json.dumps([{"all": [[k, [str(v) for v in values]] for k, values in c.when], "is": holds}
                       for c, holds in found], ensure_ascii=False, separators=(",", ":"))


def build_sections(item: ItemDefinition, values: dict, errors: list, case=None,
                   slot_errors: dict[str, list[str]] | None = None) -> list[SectionView]:
    required = required_fields(item, values)
    by_field: dict[str, list[str]] = {}
    for e in errors:
        by_field.setdefault(e.field, []).append(e.message)
    stored = current_attachments(case) if case is not None else {}
    slot_errors = slot_errors or {}
    out = []
    for section in item.ui["sections"]:
        fields = []
        for key in section.get("fields", []):
            f = item.field_map[key]
            city_key = _city_key_for(item, key) if f.widget == "region-county" else None
            fv = FieldView(f, values.get(key), by_field.get(key, []), _options(f, values, city_key),
                           required=key in required, required_when=_required_when(item, key))
            if f.widget == "region-county" and not fv.options:
                regions = load_regions()
                fv.groups = [(c.name, [(r.code, r.name) for r in regions.counties(c.code)])
                             for c in regions.cities()]
            fields.append(fv)
        slots = []
        for slot in section.get("attachments", []):
            spec = item.attachment(slot)
            slots.append(SlotView(slot, spec["title"], spec.get("required", True), spec.get("help", ""),
                                  "、".join(KIND_NAMES[k] for k in spec.get("types", ["pdf", "jpeg", "png"])),
                                  spec.get("max_mb", 10), stored.get(slot), slot_errors.get(slot, [])))
        out.append(SectionView(section["title"], section.get("description", ""), bool(section.get("readonly")),
                               fields, slots))
    return out


def regions_json() -> str:
    """Every city with its counties, for the script that narrows the county list without a round trip."""
    regions = load_regions()
    return json.dumps([{"code": c.code, "counties": [[r.code, r.name] for r in regions.counties(c.code)]}
                       for c in regions.cities()], ensure_ascii=False, separators=(",", ":"))
