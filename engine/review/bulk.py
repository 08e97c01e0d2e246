"""Bulk actions: the same transition on many cases, each in its own savepoint, and the outcome read back."""
from __future__ import annotations

import weakref

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select

from engine import access
from engine.cases.lifecycle import actor_of
from engine.definitions.model import Catalogue
from engine.models import Account, Case, CaseEvent, Unit, row_id
from engine.errors import StaleCase, WorkflowError
from engine.workflow import available
from engine.review.actions import act, why_not


MAX_BULK = 100
# Bulk triggers per (role, level): the definitions never change while the app runs.
_BULK: "weakref.WeakKeyDictionary[Catalogue, dict]" = weakref.WeakKeyDictionary()


@dataclass
class BulkResult:
    id: int
    reference: str | None
    ok: bool
    state: str | None
    state_label: str | None
    message: str

    def as_dict(self) -> dict:
        return {"id": self.id, "reference": self.reference, "ok": self.ok, "state": self.state,
                "state_label": self.state_label, "message": self.message}


def bulk_triggers(catalogue: Catalogue, account: Account) -> list[tuple[str, str]]:
    """Triggers fit for a bulk action: fired by this reviewer from a queue state, styled primary (the
    forward action) and needing no comment."""
    actor = actor_of(account)
    known = _BULK.setdefault(catalogue, {})
    key = ("bulk", actor.role, actor.level)
    if key not in known:
        seen: dict[str, str] = {}
        for wf in catalogue.workflows.values():
            for s in wf.states:
                if not s.get("queue"):
                    continue
                for t in available(wf, s["name"], actor):
                    if t.comment != "required" and t.style == "primary":
                        seen.setdefault(t.trigger, t.label)
        known[key] = list(seen.items())
    return known[key]


def parse_selection(values: Iterable[str]) -> list[tuple[int, int | None]]:
    """Checkbox values "id:version" (the version shown on the page) or bare ids."""
    out: list[tuple[int, int | None]] = []
    for v in values:
        head, _, tail = str(v).partition(":")
        try:
            case_id = row_id(head)
            version = int(tail) if tail else None
        except ValueError:
            continue
        if case_id is None:
            continue
        if (case_id, version) not in out:
            out.append((case_id, version))
    return out


def bulk(session, catalogue: Catalogue, account: Account, trigger: str, selection: list[tuple[int, int | None]],
         comment: str | None = None) -> list[BulkResult]:
    """Each selected case through the same transition rules, each in its own savepoint: one case's
    conflict or refusal never undoes another's success."""
    if len(selection) > MAX_BULK:
        raise WorkflowError(f"一次最多批量处理{MAX_BULK}件")
    results = []
    for case_id, version in selection:
        case = session.get(Case, case_id) if row_id(case_id) is not None else None
        if case is None or not access.may_review(account, case):
            results.append(BulkResult(case_id, None, False, None, None, "申请不存在或不在您的管辖范围内"))
            continue
        wf = catalogue.workflows[case.workflow_key]
        try:
            with session.begin_nested():
                act(session, catalogue, case, trigger, account, comment=comment, expected_version=version)
        except WorkflowError as e:
            session.refresh(case)
            message = e.message
            if isinstance(e, StaleCase):
                message = f"该申请已被他人处理，当前状态：{wf.label(case.state)}"
            results.append(BulkResult(case.id, case.reference, False, case.state, wf.label(case.state), message))
            continue
        label = next((x.label for x in wf.transitions if x.trigger == trigger), trigger)
        results.append(BulkResult(case.id, case.reference, True, case.state, wf.label(case.state), f"已{label}"))
    return results


def cases_for_bulk(session, account: Account, ids: list[int]) -> list[tuple[Case, Unit | None]]:
    """The selected cases this reviewer may see, for the confirmation list."""
    if not ids:
        return []
    rows = session.execute(select(Case, Unit).outerjoin(Unit, Unit.id == Case.unit_id).where(
        Case.id.in_(ids), access.staff_case_clause(account))).all()
    by_id = {c.id: (c, u) for c, u in rows}
    return [by_id[i] for i in ids if i in by_id]


def bulk_outcome(session, catalogue: Catalogue, account: Account, trigger: str, ids: list[int],
                 after_event_id: int) -> list[BulkResult]:
    """Read back what a bulk action did to each case: the events it wrote after `after_event_id`,
    or, where it wrote none, why not (so the result page needs nothing kept in the session)."""
    results = []
    found = {c.id: c for c, _ in cases_for_bulk(session, account, ids)}
    for case_id in ids:
        case = found.get(case_id)
        if case is None:
            results.append(BulkResult(case_id, None, False, None, None, "申请不存在或不在您的管辖范围内"))
            continue
        wf = catalogue.workflows[case.workflow_key]
        later = [e for e in case.events if e.id > after_event_id]
        mine = next((e for e in later if e.trigger == trigger and e.actor_id == account.id), None)
        if mine is not None:
            t = next((x for x in wf.transitions if x.trigger == trigger), None)
            results.append(BulkResult(case.id, case.reference, True, case.state, wf.label(case.state),
                                      f"已{t.label if t else trigger}"))
            continue
        if later:
            message = f"该申请已被他人处理，当前状态：{wf.label(case.state)}"
        else:
            message = (why_not(session, catalogue, case, trigger, account)
                       or "该申请在您勾选后已有变动，请打开重新查看后再处理")
        results.append(BulkResult(case.id, case.reference, False, case.state, wf.label(case.state), message))
    return results


def bookmark(session) -> int:
    """The newest event id before a bulk action, so its outcome can be read back from the events after it."""
    return session.scalar(select(func.max(CaseEvent.id))) or 0
