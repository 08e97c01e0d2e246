"""The decision an owner must read first: why a reviewer sent a case back or turned it down, and what the
owner can do now. It is read from the workflow, never from state names: the event that put the case in
its current state, fired by a transition only staff fire that the workflow makes them explain (`comment:
required`: a return, a refusal, a revocation). The state says what follows: `editable` (returned for
correction) means correct and submit again; `final` means this case is closed and a new one may be made.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engine import clock
from engine.definitions.model import Catalogue, Transition, WorkflowDefinition
from engine.models import Account, Case, CaseEvent
from engine.roles import OWNER_ROLES, role_label

RESUBMIT, REAPPLY = "resubmit", "reapply"   # what the owner may do: correct this case, or make a new one


def actor_text(actor: Account | None) -> str:
    """Who did it, as an owner reads it: staff by role and name, owners by role."""
    if actor is None:
        return ""
    if actor.role in OWNER_ROLES:
        return role_label(actor.role)
    return f"{role_label(actor.role)}（{actor.name}）"


@dataclass(frozen=True)
class Decision:
    action: str            # the transition's label: 退回修改, 审核不通过, 撤销
    state_label: str
    comment: str | None
    at: datetime
    who: str
    next: str | None       # RESUBMIT, REAPPLY, or None (the case waits on someone else)
    change_of: int | None  # a change application: the case in force, which stays in force

    @property
    def resubmit(self) -> bool:
        return self.next == RESUBMIT

    @property
    def reapply(self) -> bool:
        return self.next == REAPPLY

    @property
    def advice(self) -> str:
        if self.next == RESUBMIT:
            return "请按审核意见修改后重新提交，重新提交后将重新计算办理时限。"
        if self.next == REAPPLY:
            if self.change_of is not None:
                return "本次变更未获通过，原申请继续有效；如仍需变更，可重新申请变更。"
            return "本申请已办结。如仍需办理，可按审核意见准备材料后重新申请。"
        return "请等待审核人员进一步处理。"

    def as_dict(self) -> dict:
        return {"action": self.action, "state_label": self.state_label, "comment": self.comment,
                "at": clock.isoformat(self.at), "next": self.next, "advice": self.advice}


def explained_by_staff(t: Transition | None) -> bool:
    """A transition only staff fire that the workflow makes them explain: its comment is for the owner."""
    return t is not None and t.comment == "required" and not set(t.roles) & set(OWNER_ROLES)


def decision_of(wf: WorkflowDefinition, case: Case, event: CaseEvent | None) -> Decision | None:
    """The decision `event` records, if it is the one that put the case in its current state."""
    if event is None or event.to_state != case.state or event.from_state is None:
        return None
    t = wf.transition(event.trigger, event.from_state)
    if not explained_by_staff(t):
        return None
    follows = RESUBMIT if wf.editable(case.state) else REAPPLY if wf.state(case.state).get("final") else None
    return Decision(t.label, wf.label(case.state), event.comment, event.at, actor_text(event.actor), follows,
                    case.change_of)


def case_decision(catalogue: Catalogue, case: Case) -> Decision | None:
    """The decision at the top of one case's pages (its events are loaded with it)."""
    wf = catalogue.workflows.get(case.workflow_key)
    return decision_of(wf, case, case.events[-1] if case.events else None) if wf else None


def latest_decisions(session, catalogue: Catalogue, cases: list[Case]) -> dict[int, Decision]:
    """Case id -> its decision, for a list of cases: one query for the latest event of all of them."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    latest = select(func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(ids)).group_by(CaseEvent.case_id)
    events = {e.case_id: e for e in session.scalars(
        select(CaseEvent).where(CaseEvent.id.in_(latest)).options(selectinload(CaseEvent.actor)))}
    out = {}
    for case in cases:
        wf = catalogue.workflows.get(case.workflow_key)
        found = decision_of(wf, case, events.get(case.id)) if wf else None
        if found is not None:
            out[case.id] = found
    return out
