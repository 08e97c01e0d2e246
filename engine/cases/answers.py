"""A form case's answers before it is submitted: the status of each section (the task list of a long form:
未开始, 未完成, 已完成, 有错误), the check-answers summary (every answer as the form shows it, the files
about to be submitted, everything that still stops the submission, each with where to fix it), and saving
one section of a draft (保存并继续) without touching the others.

Nothing here has rules of its own: a section's errors are the item's own checks (engine.validation, the
named rules included) run on the draft, and what is required is `required_fields`, so an `if`/`then`
field counts only while its condition holds. No item and no field is named here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.attachments import current_attachments
from engine.cases import standing
from engine.cases.lifecycle import save_draft, validate_for, with_confirmations
from engine.definitions.model import Catalogue, Field, ItemDefinition
from engine.models import Account, Attachment, Case
from engine.regions import load_regions
from engine.rules.guards import unmet_requirement
from engine.validation import normalize, required_fields

# A form of this many sections or more is filled through its task list, a section at a time if the owner
# likes (the shipped applications have four); a shorter one is a single page.
TASK_LIST_SECTIONS = 3

NOT_STARTED, INCOMPLETE, COMPLETE, INVALID = "not_started", "incomplete", "complete", "invalid"
STATUS_LABELS = {NOT_STARTED: "未开始", INCOMPLETE: "未完成", COMPLETE: "已完成", INVALID: "有错误"}


def has_task_list(item: ItemDefinition) -> bool:
    return len(item.ui["sections"]) >= TASK_LIST_SECTIONS


def section_number(item: ItemDefinition, raw) -> int | None:
    """The section a page asks for (1-based), or None for a number the item has not (the whole form)."""
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 3:
        return None
    number = int(text)
    return number if 1 <= number <= len(item.ui["sections"]) else None


def section_fields(item: ItemDefinition, number: int) -> list[str]:
    """The fields of a section the owner types (not the ones filled from the account)."""
    return [k for k in item.ui["sections"][number - 1].get("fields", []) if not item.field_map[k].readonly]


def restored_values(item: ItemDefinition, case: Case | None) -> dict:
    """A case's data as its form shows it again: once submitted, its typed-twice copies are restored."""
    if case is None:
        return {}
    data = dict(case.data or {})
    return with_confirmations(item, data) if case.submitted_at is not None else data


def section_values(item: ItemDefinition, case: Case | None, posted, number: int) -> dict:
    """The draft as stored with one section's fields as posted (an emptied field is emptied)."""
    return {**restored_values(item, case), **{k: posted.get(k, "") for k in section_fields(item, number)}}


def save_section(session, catalogue: Catalogue, item: ItemDefinition, account: Account, posted, number: int,
                 case: Case | None = None, expected_version: int | None = None) -> Case:
    """保存并继续: one section's fields kept over the rest of the draft, unchecked, as 暂存 keeps them."""
    return save_draft(session, catalogue, item, account, section_values(item, case, posted, number),
                      case=case, expected_version=expected_version)


def shown_value(f: Field, value) -> str:
    """A value as the form shows it: a region by name (a county without its city, as its list shows it)."""
    if value in (None, ""):
        return ""
    if f.widget in ("region-city", "region-county"):
        return load_regions().label(str(value)).split(" ")[-1] or str(value)
    return str(value)


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    value: object          # as the checks read it (normalised)
    shown: str
    required: bool         # for these answers: `required`, or an `if`/`then` that holds
    errors: tuple[str, ...]
    readonly: bool         # filled from the account
    transient: bool        # a typed-twice copy: checked, never shown

    @property
    def filled(self) -> bool:
        return self.value not in (None, "")


@dataclass(frozen=True)
class FileAnswer:
    slot: str
    title: str
    required: bool
    stored: Attachment | None

    @property
    def missing(self) -> bool:
        return self.required and self.stored is None


@dataclass(frozen=True)
class SectionAnswers:
    number: int            # 1-based, as the pages count
    title: str
    readonly: bool
    answers: list[Answer]
    files: list[FileAnswer]
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def rows(self) -> list[Answer]:
        """What the summary shows: typed-twice copies left out."""
        return [a for a in self.answers if not a.transient]

    def errors(self) -> dict[str, list[str]]:
        """Field -> its messages, for the answers given that are wrong (a missing one is not wrong yet)."""
        return {a.key: list(a.errors) for a in self.answers if a.errors and a.filled}


@dataclass(frozen=True)
class Problem:
    """Something that stops the submission, and where it is fixed (a section's field or slot, or nowhere)."""
    message: str
    section: int | None = None
    field: str | None = None
    slot: str | None = None

    @property
    def anchor(self) -> str:
        return f"f-{self.field}" if self.field else f"slot-{self.slot}" if self.slot else ""


def section_status(answers: list[Answer], files: list[FileAnswer]) -> str:
    if any(a.errors and a.filled for a in answers):
        return INVALID
    missing = any(a.required and not a.filled or a.errors for a in answers) or any(f.missing for f in files)
    typed = any(a.filled and not a.readonly for a in answers) or any(f.stored is not None for f in files)
    if missing:
        return INCOMPLETE if typed else NOT_STARTED
    return COMPLETE


@dataclass(frozen=True)
class Answers:
    sections: list[SectionAnswers]
    problems: list[Problem]
    refusal: str | None    # why it could not be submitted even if complete (a requirement, a case held once)

    @property
    def ready(self) -> bool:
        return not self.problems and self.refusal is None

    @property
    def done(self) -> int:
        return sum(s.status == COMPLETE for s in self.sections)

    def section(self, number: int) -> SectionAnswers:
        return self.sections[number - 1]

    def as_dict(self) -> dict:
        """The JSON API's body (GET /api/cases/{id}/check)."""
        return {
            "ready": self.ready, "refusal": self.refusal, "complete_sections": self.done,
            "sections": [{
                "number": s.number, "title": s.title, "status": s.status, "status_label": s.status_label,
                "answers": [{"field": a.key, "label": a.label, "value": a.value, "shown": a.shown,
                             "required": a.required, "errors": list(a.errors)} for a in s.rows],
                "attachments": [{"slot": f.slot, "title": f.title, "required": f.required,
                                 "file": {"id": f.stored.id, "filename": f.stored.filename, "size": f.stored.size}
                                 if f.stored else None} for f in s.files],
            } for s in self.sections],
            "problems": [{"message": p.message, "section": p.section, "field": p.field, "slot": p.slot}
                         for p in self.problems],
        }


def read_answers(session, catalogue: Catalogue, item: ItemDefinition, account: Account, case: Case | None = None,
                 values: dict | None = None, today: date | None = None) -> Answers:
    """The answers of a case (or of `values`, e.g. a new case's prefilled ones) read section by section."""
    data = values if values is not None else restored_values(item, case)
    raw, _, errors = validate_for(session, item, account, data, today, catalogue)
    held = normalize(item, raw)
    required = required_fields(item, raw)
    by_field: dict[str, list[str]] = {}
    problems = []
    for e in errors:
        if e.field in item.field_map:
            by_field.setdefault(e.field, []).append(e.message)
        else:
            problems.append(Problem(e.message))
    stored = current_attachments(case) if case is not None else {}
    sections = []
    for number, section in enumerate(item.ui["sections"], start=1):
        answers = []
        for key in section.get("fields", []):
            f = item.field_map[key]
            answers.append(Answer(key, f.label, held.get(key), shown_value(f, held.get(key)), key in required,
                                  tuple(by_field.get(key, ())), f.readonly, f.transient))
            problems += [Problem(m, number, field=key) for m in by_field.get(key, ())]
        files = []
        for slot in section.get("attachments", []):
            spec = item.attachment(slot)
            files.append(FileAnswer(slot, spec["title"], spec.get("required", True), stored.get(slot)))
            if files[-1].missing:
                problems.append(Problem(f"请上传“{spec['title']}”", number, slot=slot))
        sections.append(SectionAnswers(number, section["title"], bool(section.get("readonly")), answers, files,
                                       section_status(answers, files)))
    refusal = unmet_requirement(session, item, account.unit_id, account.id)
    if refusal is None and case is not None:
        held_once = standing.refusal_for(session, catalogue, item, case)
        refusal = held_once.message if held_once else None
    return Answers(sections, problems, refusal)
