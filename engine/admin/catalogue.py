"""The item catalogue: every item with its workflow, its cases counted by state and by definition version."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from engine.definitions.model import Catalogue, ItemDefinition, WorkflowDefinition
from engine.models import Case, DefinitionSnapshot


@dataclass
class ItemInfo:
    item: ItemDefinition
    workflow: WorkflowDefinition
    counts: list[tuple[str, str, int]]       # (state, label, n) in workflow order
    total: int
    versions: list[tuple[int, int]] = field(default_factory=list)   # (definition version, cases)


def _counts(session, keys: list[str] | None = None) -> dict[str, dict[str, int]]:
    stmt = select(Case.item_key, Case.state, func.count()).group_by(Case.item_key, Case.state)
    if keys:
        stmt = stmt.where(Case.item_key.in_(keys))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for key, state, n in session.execute(stmt):
        out[key][state] = n
    return out


def _info(item: ItemDefinition, catalogue: Catalogue, by_state: dict[str, int]) -> ItemInfo:
    wf = catalogue.workflow_for(item)
    counts = [(s, wf.label(s), by_state.get(s, 0)) for s in wf.state_names]
    counts += [(s, s, n) for s, n in by_state.items() if s not in wf.state_names]
    return ItemInfo(item, wf, counts, sum(by_state.values()))


def catalogue_overview(session, catalogue: Catalogue) -> list[ItemInfo]:
    counts = _counts(session)
    return [_info(item, catalogue, counts.get(item.key, {})) for item in catalogue.items.values()]


def item_info(session, catalogue: Catalogue, key: str) -> ItemInfo | None:
    item = catalogue.item(key)
    if item is None:
        return None
    info = _info(item, catalogue, _counts(session, [key]).get(key, {}))
    by_version = dict(session.execute(select(Case.definition_version, func.count()).where(
        Case.item_key == key).group_by(Case.definition_version)).all())
    snapshots = session.scalars(select(DefinitionSnapshot.version).where(DefinitionSnapshot.item_key == key)).all()
    versions = sorted(set(by_version) | set(snapshots) | {item.version}, reverse=True)
    info.versions = [(v, by_version.get(v, 0)) for v in versions]
    return info
