"""The registries as the tables of docs/definitions.md, so the docs say what the code registers."""
from __future__ import annotations

from engine.rules.registry import BATCH_RULES, EFFECTS, GUARDS, ROW_RULES


def _params(spec) -> str:
    return ", ".join(f"`{p}`" for p in spec.params)


def rules_table() -> list[str]:
    rows = ["| rule | parameters | checks |", "|---|---|---|"]
    rows += [f"| `{name}` | {_params(spec)} | {spec.doc} |" for name, spec in ROW_RULES.items()]
    rows += [f"| `{name}` (batch) | {_params(spec)} | {spec.doc} |" for name, spec in BATCH_RULES.items()]
    return rows


def hooks_table() -> list[str]:
    rows = ["| name | kind | what it does |", "|---|---|---|"]
    rows += [f"| `{name}` | condition | {GUARDS.docs[name]} |" for name in GUARDS]
    rows += [f"| `{name}` | effect | {EFFECTS.docs[name]} |" for name in sorted(EFFECTS)]
    return rows

