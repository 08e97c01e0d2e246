"""Checking a batch column by column: each distinct value against its field's own schema, once.

A 100,000-row file repeats a few values in most columns (dates, positions, enums, amounts), so checking
the distinct values of each column replaces a whole-row schema validation per row. The common keywords
are checked with set operations and comprehensions; any other property schema falls back to a compiled
fastjsonschema validator per distinct value. A check may be stricter than the schema, never looser:
every row it flags is validated again in full, with messages, by engine.validation.
"""
from __future__ import annotations

import json
import re
from itertools import filterfalse
from typing import Callable

import fastjsonschema

from engine.definitions.model import ItemDefinition

# Top-level keywords under which a row is valid exactly when each of its fields is valid on its own.
_PER_FIELD_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "$schema", "$id", "title",
                                 "description", "$comment"})
_ANNOTATIONS = frozenset({"title", "description", "$comment", "default", "examples"})
_STRING_KEYWORDS = frozenset({"type", "format", "maxLength", "minLength", "enum", "pattern"})
_NUMBER_KEYWORDS = frozenset({"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})

BadValues = Callable[[set], set]   # distinct values of a column -> those that fail


def column_checks(item: ItemDefinition, formats: dict[str, Callable]) -> dict[str, BadValues] | None:
    """{field: distinct values -> failing values}, or None when the schema makes fields depend on one another.

    formats: format name -> (value -> bool), as given to fastjsonschema.
    """
    schema = item.schema
    if schema.get("type") != "object" or set(schema) - _PER_FIELD_KEYWORDS \
            or "$ref" in json.dumps(schema.get("properties", {})):
        return None
    return {name: _column_check(prop, formats) for name, prop in schema["properties"].items()}


def _column_check(prop: dict, formats: dict) -> BadValues:
    keywords = {k for k in prop if not k.startswith("x-")} - _ANNOTATIONS
    kind = prop.get("type")
    if kind == "string" and keywords <= _STRING_KEYWORDS and prop.get("format", "") in formats.keys() | {""}:
        return _string_check(prop, formats.get(prop.get("format")))
    if kind in ("integer", "number") and keywords <= _NUMBER_KEYWORDS:
        return _number_check(prop, kind == "integer")
    ok = as_predicate(fastjsonschema.compile(prop, formats=formats))
    return lambda values: set(filterfalse(ok, values))


def as_predicate(validate: Callable) -> Callable[[object], bool]:
    """A compiled fastjsonschema validator as value -> bool."""
    invalid = fastjsonschema.JsonSchemaException

    def ok(value) -> bool:
        try:
            validate(value)
        except invalid:
            return False
        return True
    return ok


def _string_check(prop: dict, fmt: Callable | None) -> BadValues:
    max_len, min_len = prop.get("maxLength"), prop.get("minLength")
    enum = frozenset(prop["enum"]) if "enum" in prop else None
    pattern = re.compile(prop["pattern"]) if "pattern" in prop else None

    def bad(values: set) -> set:
        out = {v for v in values if v.__class__ is not str}
        strings = values - out if out else values
        if enum is not None:
            out |= {v for v in strings if v not in enum}
        if max_len is not None:
            out |= {v for v in strings if len(v) > max_len}
        if min_len is not None:
            out |= {v for v in strings if len(v) < min_len}
        if pattern is not None:
            out |= {v for v in strings if not pattern.search(v)}
        if fmt is not None:
            out |= set(filterfalse(fmt, strings - out))
        return out
    return bad


def _number_check(prop: dict, integer: bool) -> BadValues:
    low, high = prop.get("minimum"), prop.get("maximum")
    low_x, high_x = prop.get("exclusiveMinimum"), prop.get("exclusiveMaximum")

    def bad(values: set) -> set:
        # As JSON Schema says: 2.0 is an integer, True is not a number.
        if integer:
            out = {v for v in values if not (v.__class__ is int or v.__class__ is float and v.is_integer())}
        else:
            out = {v for v in values if v.__class__ is not int and v.__class__ is not float}
        numbers = values - out if out else values
        if low is not None:
            out |= {v for v in numbers if v < low}
        if high is not None:
            out |= {v for v in numbers if v > high}
        if low_x is not None:
            out |= {v for v in numbers if v <= low_x}
        if high_x is not None:
            out |= {v for v in numbers if v >= high_x}
        return out
    return bad


def suspect_rows(rows: list[tuple], keys: list, item: ItemDefinition, checks: dict[str, BadValues]) -> set[int]:
    """Indexes of rows (tuples of values in `keys` order) with a failing value or a required field left empty."""
    suspect: set[int] = set()
    if not rows:
        return suspect
    required = set(item.schema.get("required", ()))
    columns = list(zip(*rows))  # transposed in C: one tuple per column
    for index, key in enumerate(keys):
        if key is None:
            continue
        column = columns[index]
        columns[index] = None
        distinct = set(column)
        empty = None in distinct
        distinct.discard(None)
        if item.field_map[key].type in ("integer", "number") and bool in set(map(type, column)):
            # True == 1 in a set: a TRUE cell could hide behind a valid 1; find every boolean by itself.
            suspect.update(i for i, v in enumerate(column) if v.__class__ is bool)
        bad = checks[key](distinct)
        if bad:
            suspect.update(i for i, v in enumerate(column) if v in bad)
        if empty and key in required:
            suspect.update(i for i, v in enumerate(column) if v is None)
    return suspect
