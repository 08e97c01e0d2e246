"""A reviewer's actions on one case: which triggers they have, firing one, and why one is not available."""
from __future__ import annotations



from engine import access
from engine.cases.lifecycle import actor_of, transition
from engine.definitions.model import Catalogue
from engine.models import Account, Case, CaseEvent
from engine.rules import GUARDS, TransitionContext
from engine.workflow import available, role_allows


def actions(catalogue: Catalogue, case: Case, account: Account):
    """The triggers this reviewer may fire on this case now, from the workflow definition."""
    wf = catalogue.workflows[case.workflow_key]
    return available(wf, case.state, actor_of(account))


def act(session, catalogue: Catalogue, case: Case, trigger: str, account: Account, comment: str | None = None,
        expected_version: int | None = None) -> CaseEvent:
    """A reviewer's transition. engine.cases.lifecycle.transition refuses it outside the jurisdiction, on a draft
    or on a case someone else has claimed, and ends the reviewer's own claim."""
    return transition(session, catalogue, case, trigger, account, comment=comment,
                      expected_version=expected_version)


def why_not(session, catalogue: Catalogue, case: Case, trigger: str, account: Account) -> str | None:
    """Why this reviewer cannot fire the trigger now (None if they can, guards permitting)."""
    wf = catalogue.workflows[case.workflow_key]
    actor = actor_of(account)
    if account.role == "reviewer" and not access.may_review(account, case):
        return "该申请不在您的管辖范围内"
    t = wf.transition(trigger, case.state)
    if t is None:
        return f"当前状态“{wf.label(case.state)}”下不能执行此操作"
    if not role_allows(t, actor):
        return f"您的账号无权执行“{t.label}”"
    if problem := access.claim_problem(session, account, case):
        return problem
    ctx = TransitionContext(session, catalogue, actor)
    problems = [m for m in (GUARDS[name](case, ctx) for name in t.conditions) if m]
    return "；".join(problems) or None
