"""办件进度查询: what someone who is not signed in may learn of a case from its reference and its owner's code.

Anyone holding a submitted case's 办件编号 (its reference) and its owner's 证件号码 (the unit's 统一社会信用代码,
or the individual's 身份证号) is told, and told only: the item's title, the state the case is in, each step
with its date (the transition's label, never who acted), the clock's deadline and working days left
(engine.deadlines), and, when the case stands returned or refused by a reviewer's transition that demands a
reason (`"comment": "required"`: 退回修改, 审核不通过), that reason with ID numbers masked. No form data, no
file, no name. Who may follow a case is engine.access's (`may_follow`).

Never an oracle: an unknown reference and a known one with the wrong code raise the same `NotFollowed`
after the same work (one query, one constant-time comparison, against a dummy when nothing was found), and
both count against the same limits. Malformed input is refused field by field before the database is asked.

Limits (engine.throttle), read from the ini:
- jianxi.progress_limit_per_address: lookups of one client address (default 20 per 10 minutes), all counted;
- jianxi.progress_limit_per_reference: failed lookups of one reference, known or not, from any address
  (default 5 an hour), so a known reference cannot be guessed at from many addresses. It is hit before the
  comparison and given back on success, so parallel guesses cannot slip past it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine import access, clock, formats, masking, throttle
from engine.cases.lifecycle import REFERENCE_RE, definition_for
from engine.deadlines import Countdown, DeadlineStatus
from engine.definitions.model import Catalogue
from engine.errors import DefinitionGone, EngineError
from engine.models import Case
from engine.validation import FieldError, ValidationFailed

NOT_FOUND = "未查询到办件，请核对办件编号和证件号码"
PER_ADDRESS = ("progress.address", "jianxi.progress_limit_per_address", "20/10m")
PER_REFERENCE = ("progress.reference", "jianxi.progress_limit_per_reference", "5/1h")
# Longer than anything a reference or a code can be, spaces included: refused before it is normalised.
TYPED_MAX = 100


class NotFollowed(EngineError):
    """No case to show: the reference names none (or a draft), or the code is not its owner's. One message."""
    kind = "not_found"

    def __init__(self):
        super().__init__(NOT_FOUND)


class TooManyLookups(throttle.Refused):
    def __init__(self, verdict: throttle.Verdict):
        super().__init__(f"查询过于频繁，请{verdict.retry_minutes}分钟后再试", verdict)


@dataclass(frozen=True)
class Limits:
    per_address: throttle.Limit
    per_reference: throttle.Limit


def limits(settings: dict) -> Limits:
    """The lookups' limits from the ini (ValueError for a bad value: read at start-up)."""
    def read(rule, name, default):
        return throttle.Limit.from_setting(rule, name, settings.get(name), default)
    return Limits(read(*PER_ADDRESS), read(*PER_REFERENCE))


# ---- what was typed ----------------------------------------------------------------

def _code_problem(code: str) -> str | None:
    if formats.check_credit_code(code) is None or formats.check_id_number(code) is None:
        return None
    if len(code) != 18:
        return f"证件号码应为18位（统一社会信用代码或身份证号），当前为{len(code)}位"
    return "证件号码有误，请核对（单位填写统一社会信用代码，个人填写身份证号）"


def normalised(reference, code) -> tuple[str, str]:
    """The reference and the code as stored (no spaces, upper case: a trailing x is X), or ValidationFailed
    with a message per field. Nothing here reads the database."""
    errors = []
    values = []
    for name, value, label in (("reference", reference, "办件编号"), ("code", code, "证件号码")):
        value = formats.normalize_code(value) if isinstance(value, str) and len(value) <= TYPED_MAX else value
        if not isinstance(value, str) or len(value) > TYPED_MAX:
            errors.append(FieldError(f"/{name}", f"{label}格式不正确，请核对"))
        elif not value:
            errors.append(FieldError(f"/{name}", f"请输入{label}"))
        elif name == "reference" and not REFERENCE_RE.fullmatch(value):
            errors.append(FieldError("/reference", "办件编号格式不正确，应为申报成功时显示的申报编号，"
                                                   "如 JX-140100-202611-000012"))
        elif name == "code" and (problem := _code_problem(value)):
            errors.append(FieldError("/code", problem))
        values.append(value)
    if errors:
        raise ValidationFailed(errors)
    return values[0], values[1]


# ---- what is shown -----------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    label: str           # the transition's label: 提交, 退回修改, 审核通过, ...
    state_label: str     # where it took the case
    at: datetime         # stored (naive UTC); pages show Beijing time


@dataclass(frozen=True)
class Progress:
    reference: str
    item_title: str
    state: str
    state_label: str
    steps: tuple[Step, ...]
    deadline: DeadlineStatus | None
    reason: str | None

    def as_dict(self) -> dict:
        return {"reference": self.reference, "item_title": self.item_title, "state": self.state,
                "state_label": self.state_label,
                "steps": [{"label": s.label, "state_label": s.state_label, "at": clock.isoformat(s.at)}
                          for s in self.steps],
                "deadline": self.deadline.as_dict() if self.deadline else None, "reason": self.reason}


def progress_of(session, catalogue: Catalogue, case: Case, board: Countdown) -> Progress:
    """What a follower of the case is shown (see the module's docstring): nothing else is read into it."""
    wf = catalogue.workflows[case.workflow_key]
    labels = {t.trigger: t for t in wf.transitions}
    steps = tuple(Step(labels[e.trigger].label if e.trigger in labels else wf.label(e.to_state),
                       wf.label(e.to_state), e.at) for e in case.events)
    reason = None
    last = case.events[-1] if case.events else None
    demanded = last is not None and last.trigger in labels and labels[last.trigger].comment == "required" \
        and "reviewer" in labels[last.trigger].roles
    if demanded and last.to_state == case.state and last.comment:
        reason = masking.redact_text(last.comment)
    try:
        title = definition_for(session, catalogue, case).title
    except DefinitionGone:
        title = case.item_key
    return Progress(case.reference, title, case.state, wf.label(case.state), steps, board.of(case), reason)


def _within(verdict: throttle.Verdict) -> throttle.Verdict:
    if not verdict.allowed:
        raise TooManyLookups(verdict)
    return verdict


def follow(session, catalogue: Catalogue, reference, code, address: str | None, rules: Limits,
           board: Countdown) -> Progress:
    """The progress of the case this reference and code name together; ValidationFailed (malformed input,
    nothing counted), TooManyLookups, or NotFollowed (unknown reference and wrong code alike).

    On SQLite, call it outside a write transaction: the limits commit on connections of their own."""
    reference, code = normalised(reference, code)
    _within(rules.per_address.hit(session, throttle.address_key(address)))
    failure = _within(rules.per_reference.hit(session, reference))
    # One statement whether or not the reference exists: the unit and the account come with the case.
    case = session.scalar(select(Case).options(joinedload(Case.unit), joinedload(Case.account))
                          .where(Case.reference == reference))
    if not access.may_follow(case, code):
        raise NotFollowed()
    throttle.undo(session, failure)
    return progress_of(session, catalogue, case, board)
