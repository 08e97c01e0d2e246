"""One case as the reviewer reads it: its data by section, what changed since the last round, what a change
application changes, the unit's other cases (those this reviewer may see)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import access, declarations, formats
from engine.batch.records import ShownRow, shown_rows
from engine.cases.lifecycle import definition_for
from engine.cases.standing import entered_at
from engine.definitions.model import Catalogue, ItemDefinition
from engine.models import Account, Attachment, BatchRow, Case, CaseEvent
from engine.regions import load_regions


def item_for_case(session, catalogue: Catalogue, case: Case) -> ItemDefinition | None:
    """The definition the case was submitted under, which may be older than the one in forms/."""
    try:
        return definition_for(session, catalogue, case)
    except LookupError:
        return None


def format_value(item: ItemDefinition, key: str, value: Any) -> str:
    if value is None or value == "":
        return "（未填写）"
    f = item.field_map.get(key)
    if isinstance(value, bool):
        return "是" if value else "否"
    if f is not None and f.format in formats.REGION_FORMATS:
        return load_regions().label(value) or str(value)
    return str(value)


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str, str]]     # (key, label, shown value)
    attachments: list[dict] = field(default_factory=list)
    description: str = ""


def sections(item: ItemDefinition, data: dict) -> list[Section]:
    """The submitted data laid out as the definition's sections; transient fields (confirmations) left out."""
    out = []
    for section in item.ui["sections"]:
        rows = []
        for key in section.get("fields", []):
            f = item.field_map.get(key)
            if f is None or f.transient:
                continue
            rows.append((key, f.label, format_value(item, key, data.get(key))))
        slots = [item.attachment(s) for s in section.get("attachments", []) if item.attachment(s)]
        out.append(Section(section["title"], rows, slots, section.get("description", "")))
    placed = {k for s in item.ui["sections"] for k in s.get("fields", [])}
    extra = [(k, k, str(v)) for k, v in data.items() if k not in placed and not k.startswith("__")]
    if extra and not item.is_batch:
        out.append(Section("其他信息", extra))
    return out


@dataclass
class FieldChange:
    key: str
    label: str
    before: str
    after: str


@dataclass
class FileChange:
    slot: str
    title: str
    before: Attachment | None
    after: Attachment | None


@dataclass
class RoundDiff:
    previous_at: datetime
    latest_at: datetime
    fields: list[FieldChange]
    files: list[FileChange]

    @property
    def empty(self) -> bool:
        return not self.fields and not self.files


def _field_changes(item: ItemDefinition, before: dict, after: dict) -> list[FieldChange]:
    """The fields whose shown value differs, in the definition's order (then any others)."""
    keys = [f.key for f in item.fields if not f.transient]
    keys += [k for k in sorted(set(before) | set(after)) if k not in keys and k not in item.field_map]
    return [FieldChange(key, item.label(key), format_value(item, key, before.get(key)),
                        format_value(item, key, after.get(key)))
            for key in keys if before.get(key) != after.get(key)]


def submitted_rounds(case: Case) -> list[CaseEvent]:
    """Events that carry what was submitted: one per submission round."""
    return [e for e in case.events if e.data is not None]


def round_diff(case: Case, item: ItemDefinition) -> RoundDiff | None:
    """What changed between the last two submissions, fields and files; None for a first submission."""
    rounds = submitted_rounds(case)
    if len(rounds) < 2:
        return None
    prev, last = rounds[-2], rounds[-1]
    changes = _field_changes(item, prev.data or {}, last.data or {})
    files = []
    for spec in item.attachments:
        slot = [a for a in case.attachments if a.slot == spec["slot"]]
        at_prev = [a for a in slot if a.uploaded_at <= prev.at]
        old = max(at_prev, key=lambda a: (a.uploaded_at, a.id)) if at_prev else None
        new = next((a for a in slot if a.current), None)
        if new is not None and new.uploaded_at > prev.at and (old is None or old.sha256 != new.sha256):
            files.append(FileChange(spec["slot"], spec["title"], old, new))
        elif new is None and old is not None:
            files.append(FileChange(spec["slot"], spec["title"], old, None))
    return RoundDiff(prev.at, last.at, changes, files)


@dataclass
class ChangeOf:
    """A change application: the case it changes (in force until this one is approved) and what differs."""
    original: Case
    since: datetime | None          # when the original came into force (e.g. 认定日期)
    fields: list[FieldChange]
    visible: bool                   # whether this reviewer may open the original (its jurisdiction)


def change_of(session, catalogue: Catalogue, case: Case, item: ItemDefinition, account: Account) -> ChangeOf | None:
    """What a change application changes, field by field, against the case it changes; None for other cases.
    The original's values are shown to the reviewer of the change (they are the unit's profile in force), its
    page only to a reviewer whose jurisdiction covers it."""
    if case.change_of is None:
        return None
    original = session.get(Case, case.change_of)
    if original is None:
        return None
    when = declarations.change_state(catalogue.item(case.item_key)) or original.state
    return ChangeOf(original, entered_at(session, original, when),
                    _field_changes(item, original.data or {}, case.data or {}),
                    access.may_review(account, original))


def other_cases(session, case: Case, account: Account, limit: int = 20) -> list[Case]:
    """The same unit's (or person's) other submitted cases that this reviewer may see, newest first: a unit
    that moved keeps its earlier cases with the jurisdiction that had them."""
    owner = access.owned_by_clause(case.unit_id, case.account_id)
    return list(session.scalars(select(Case).where(owner, Case.id != case.id, access.staff_case_clause(account))
                                .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit)))


def batch_rows(session, item: ItemDefinition, case: Case, limit: int = 200) -> list[ShownRow]:
    """The first rows of a batch case, masked as the unit's own 导入明细 shows them; the original file
    (engine.cases.detail.source_import) is the reviewer's full copy."""
    return shown_rows(item, session.scalars(select(BatchRow).where(BatchRow.case_id == case.id)
                                            .order_by(BatchRow.row_number).limit(limit)))
