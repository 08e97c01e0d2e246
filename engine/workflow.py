"""Per-case state machines built from workflow definitions, with roles, comments, guards and effects."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine

from engine import access, deadlines, formats
from engine.definitions.model import Transition, WorkflowDefinition
from engine.errors import (  # noqa: F401  (the workflow's errors, importable from here)
    ClaimConflict, CommentInvalid, CommentRequired, GuardFailed, StaleCase, TransitionNotAllowed, WorkflowError,
)
from engine.models import Case, CaseEvent
from engine.rules import EFFECTS, GUARDS, TransitionContext


@dataclass(frozen=True)
class Actor:
    account_id: int | None
    role: str
    unit_id: int | None = None
    jurisdiction: str | None = None

    @property
    def level(self) -> str | None:
        return access.level_of(self.jurisdiction)


class _Model:
    """What the machine moves: a plain holder, so transitions never touch the ORM row directly."""

    def __init__(self, state: str):
        self.state = state


def build_machine(workflow: WorkflowDefinition, state: str) -> _Model:
    """A fresh machine per use: the stored state is the initial one, and nothing is shared between threads."""
    model = _Model(state)
    Machine(
        model=model,
        states=workflow.state_names,
        transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                     for t in workflow.transitions],
        initial=state,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )
    return model


def role_allows(t: Transition, actor: Actor) -> bool:
    if actor.role not in t.roles:
        return False
    if actor.role == "reviewer" and t.reviewer_levels:
        return actor.level in t.reviewer_levels
    return True


def available(workflow: WorkflowDefinition, state: str, actor: Actor, form: str | None = None) -> list[Transition]:
    """Triggers this actor may fire from this state (guards are checked on firing): the action buttons' ones,
    or with `form` the ones fired from that form only."""
    model = build_machine(workflow, state)
    return [t for t in workflow.transitions_from(state)
            if t.form == form and role_allows(t, actor) and model.may_trigger(t.trigger)]


OTHER_REASON = "其他"   # the usual reason that needs words of one's own


def compose_comment(reason: str | None, text: str | None) -> tuple[str | None, str | None]:
    """(comment, problem): a reason picked from the transition's list fills the comment; "其他" needs text."""
    reason = (reason or "").strip()
    text = (text or "").strip()
    if reason == OTHER_REASON and not text:
        return None, "选择“其他”时，请在意见中写明具体原因"
    parts = [p for p in (reason if reason != OTHER_REASON else "", text) if p]
    return "：".join(parts) or None, None


def comment_problem(t: Transition, comment: str | None) -> str | None:
    """What is wrong with the comment for this transition, for every caller (page, bulk, API)."""
    if formats.has_control_chars(comment):
        return "意见含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"
    if t.comment == "required" and not (comment or "").strip():
        return f"“{t.label}”须填写意见，" + ("请选择理由或填写具体意见" if t.reasons else "请说明原因")
    return None


def flush_versioned(session, state: str) -> None:
    """Flush; the version column turns a concurrent change into StaleCase here, not a silent overwrite."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleCase("该申请已被他人处理", state=state) from None


def fire(case: Case, workflow: WorkflowDefinition, trigger: str, actor: Actor, ctx: TransitionContext,
         comment: str | None = None, expected_version: int | None = None,
         event_data: dict | None = None, form: str | None = None) -> CaseEvent:
    """Move the case, record the event, flush; raise a typed error and change nothing if not allowed."""
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理", state=case.state, label=workflow.label(case.state))
    t = workflow.transition(trigger, case.state)
    if t is None:
        raise TransitionNotAllowed(
            f"当前状态“{workflow.label(case.state)}”下不能执行此操作", state=case.state)
    if not role_allows(t, actor):
        raise TransitionNotAllowed(f"您的账号无权执行“{t.label}”", state=case.state)
    if t.form != form:
        raise TransitionNotAllowed(f"“{t.label}”须在其专门页面办理", state=case.state)
    comment = (comment or "").strip() or None
    problem = comment_problem(t, comment)
    if problem:
        raise (CommentRequired if not comment else CommentInvalid)(problem, field="comment")
    problems = [m for m in (GUARDS[name](case, ctx) for name in t.conditions) if m]
    if problems:
        raise GuardFailed("；".join(problems), problems=problems)
    model = build_machine(workflow, case.state)
    source = case.state
    getattr(model, t.trigger)()
    case.state = model.state
    try:
        # Effects query the database, and their autoflush can be where the version check fails.
        for name in t.effects:
            EFFECTS[name](case, ctx)
        # The state's declared time limit starts, stops or ends the case's clock.
        deadlines.follow(ctx.session, case, workflow, source, ctx.today)
        event = CaseEvent(case=case, actor_id=actor.account_id, trigger=t.trigger, from_state=source,
                          to_state=case.state, comment=comment, data=event_data)
        ctx.session.add(event)
        # The version column turns a concurrent change into a StaleDataError here, not a silent overwrite.
        ctx.session.flush()
    except StaleDataError:
        raise StaleCase("该申请已被他人处理", state=source) from None
    return event
