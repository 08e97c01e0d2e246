"""公示 of approved 见习补贴 claims: the period on the working-day calendar, the public pages' facts (masked
names and ID numbers), the public's objections and the reviewers' decisions, and the workers'
`publicity_end` job that moves a claim whose 公示 has ended to the next state (待拨付).

Which states and transitions these are is read from the workflow, never named here: the 公示 state is the
source of the transition fired from the `objection` form (upholding sends the claim back to review), and
ending it is that state's transition for the `system` role.

- Period: `start_publicity` (the effect of the approval) records start = the approval's Beijing date and
  end = the item's `claim.publicity.working_days`-th working day after it (engine.deadlines.due_on).
- Objections are taken while the claim is in 公示 and today is not past its end, within the per-address
  limit `jianxi.objection_limit_per_address` (default 5 a day). Their text is shown only to the reviewers.
- Upholding one fires the objection transition with its text as the comment; the claim's other pending
  objections are closed with it (the claim is reviewed again anyway, and a new approval starts a new 公示).
- The job moves a claim once its end day has passed (Beijing) and none of its objections is pending; a
  dismissal after the end lets the next run move it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select

from engine import access, clock, declarations, formats, masking, roles, throttle
from engine.cases.lifecycle import transition
from engine.deadlines import due_on
from engine.definitions.model import Catalogue
from engine.errors import AccessDenied, EngineError
from engine.models import Account, Case, ClaimLine, ClaimObjection, SubsidyClaim, Unit, row_id
from engine.notices.jobs import JobContext, periodic
from engine.notices.outbox import transition_notices
from engine.paging import Page, parse_page
from engine.regions import load_regions
from engine.rules import effect
from engine.rules.registry import TransitionContext
from engine.subsidy.compute import yuan
from engine.validation import FieldError, ValidationFailed
from engine.workdays import calendar
from engine.workflow import Actor, fire

OBJECTION_FORM = "objection"
PENDING, UPHELD, DISMISSED, CLOSED = "pending", "upheld", "dismissed", "closed"
STATUS_LABELS = {PENDING: "待处理", UPHELD: "异议成立", DISMISSED: "异议不成立", CLOSED: "已随其他异议退回审核"}
TEXT_MIN, TEXT_MAX, CONTACT_MAX, NOTE_MAX = 5, 500, 100, 500
PER_ADDRESS = ("objection.address", "jianxi.objection_limit_per_address", "5/1d")
CLAIMS_PER_PAGE = 20
LINES_PER_PAGE = 100
OBJECTIONS_PER_PAGE = 20


class PublicityEnded(EngineError):
    kind = "conflict"


class Decided(EngineError):
    """The objection was decided already (by another reviewer, or in another tab)."""
    kind = "conflict"


class NotFound(EngineError):
    """No such claim in 公示 (or objection of this reviewer's): one answer, whatever the reason."""
    kind = "not_found"


class TooManyObjections(throttle.Refused):
    def __init__(self, verdict: throttle.Verdict):
        super().__init__(f"提交过于频繁，请{verdict.retry_minutes}分钟后再试", verdict)


def limit(settings: dict) -> throttle.Limit:
    """The objections' limit per client address from the ini (ValueError for a bad value: read at start-up)."""
    rule, name, default = PER_ADDRESS
    return throttle.Limit.from_setting(rule, name, settings.get(name), default)


# ---- the workflow's 公示 ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Steps:
    state: str          # 公示中
    uphold: str         # the objection form's trigger
    end: str | None     # the system's trigger out of it


def steps_of(wf) -> Steps | None:
    """The 公示 of a workflow, or None when it has no transition fired from the objection form."""
    for t in wf.transitions:
        if t.form == OBJECTION_FORM:
            state = _sources(t)[0]
            return Steps(state, t.trigger, _system_trigger(wf, state))
    return None


def _sources(t) -> list[str]:
    return list(t.sources)


def _system_trigger(wf, state: str) -> str | None:
    for t in wf.transitions:
        if state in _sources(t) and roles.SYSTEM in t.roles:
            return t.trigger
    return None


def published(catalogue: Catalogue) -> dict[str, Steps]:
    """item key -> its 公示, for every claim item whose workflow has one."""
    out = {}
    for item in catalogue.items.values():
        if item.kind == "claim":
            steps = steps_of(catalogue.workflow_for(item))
            if steps is not None:
                out[item.key] = steps
    return out


def _in_publicity(catalogue: Catalogue):
    """Cases in the 公示 state of their item, as one SQL condition."""
    clauses = [and_(Case.item_key == key, Case.state == s.state) for key, s in published(catalogue).items()]
    return or_(*clauses) if clauses else Case.id.is_(None)


# ---- the period -----------------------------------------------------------------------------------------------

def period_end(cal, start: date, working_days: int) -> date:
    """The last day of a 公示 starting on `start`: the nth working day after it."""
    return due_on(cal, start, working_days)


@effect("start_publicity", label="开始公示",
        doc="an approved claim is shown publicly (公示) from the approval's date for the item's "
            "claim.publicity.working_days working days (default 7), on the working-day calendar")
def _start_effect(case, ctx) -> None:
    claim = ctx.session.scalar(select(SubsidyClaim).where(SubsidyClaim.case_id == case.id))
    if claim is None:
        return
    item = ctx.catalogue.item(case.item_key)
    claim.publicity_from = ctx.today
    claim.publicity_to = period_end(calendar(ctx.session), ctx.today, declarations.publicity_days(item))


# ---- the public pages -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicRow:
    reference: str
    unit_name: str
    city: str
    county: str
    period_from: str
    period_to: str
    trainees: int
    total: str
    publicity_from: date
    publicity_to: date

    def as_dict(self) -> dict:
        return {"reference": self.reference, "unit_name": self.unit_name, "city": self.city, "county": self.county,
                "period": {"from": self.period_from, "to": self.period_to}, "trainees": self.trainees,
                "total": self.total, "publicity": {"from": self.publicity_from.isoformat(),
                                                   "to": self.publicity_to.isoformat()}}


def _region_name(code: str | None) -> str:
    region = load_regions().get(code) if code else None
    return region.name if region is not None else ""


def _trainees():
    return (select(ClaimLine.claim_id, func.count(func.distinct(ClaimLine.id_number)).label("n"))
            .where(ClaimLine.flag.is_(None)).group_by(ClaimLine.claim_id).subquery())


def _row(case: Case, claim: SubsidyClaim, unit: Unit, trainees: int | None) -> PublicRow:
    return PublicRow(case.reference, unit.name, _region_name(case.city_code), _region_name(case.county_code),
                     claim.period_from, claim.period_to, trainees or 0, yuan(claim.total_fen),
                     claim.publicity_from, claim.publicity_to)


def cities() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in load_regions().cities()]


def public_list(session, catalogue: Catalogue, city: str | None = None, page=None) -> tuple[list[PublicRow], Page, str | None]:
    """The claims in 公示, newest first, optionally of one city (an unknown code is ignored)."""
    city = city if city and load_regions().is_city(city) else None
    n = _trainees()
    where = [_in_publicity(catalogue), SubsidyClaim.publicity_to.is_not(None)]
    if city:
        where.append(Case.city_code == city)
    base = select(Case, SubsidyClaim, Unit, n.c.n).join(SubsidyClaim, SubsidyClaim.case_id == Case.id) \
        .join(Unit, Unit.id == Case.unit_id).outerjoin(n, n.c.claim_id == SubsidyClaim.id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    at = Page(parse_page(page), CLAIMS_PER_PAGE, total).within()
    rows = session.execute(base.order_by(SubsidyClaim.publicity_from.desc(), Case.id.desc())
                           .limit(CLAIMS_PER_PAGE).offset(at.offset)).all()
    return [_row(c, cl, u, t) for c, cl, u, t in rows], at, city


@dataclass(frozen=True)
class PublicLine:
    name: str
    id_number: str
    month: str
    total: str

    def as_dict(self) -> dict:
        return {"name": self.name, "id_number": self.id_number, "month": self.month, "total": self.total}


@dataclass(frozen=True)
class PublicClaim:
    row: PublicRow
    open: bool                 # objections taken (in 公示 and not past its end)
    ended: bool                # 公示 is over (the claim went on, or its end day passed)
    lines: list[PublicLine]
    page: Page

    def as_dict(self) -> dict:
        return {**self.row.as_dict(), "open": self.open, "ended": self.ended, "page": self.page.number,
                "pages": self.page.pages, "total_lines": self.page.total,
                "lines": [x.as_dict() for x in self.lines]}


def _published_case(session, catalogue: Catalogue, reference) -> tuple[Case, SubsidyClaim, Unit, Steps]:
    """The claim this reference names, if it is or was in 公示 (else NotFound: drafts, reviews, rejections)."""
    found = None
    if isinstance(reference, str) and 0 < len(reference) <= 40:
        found = session.execute(select(Case, SubsidyClaim, Unit).join(SubsidyClaim, SubsidyClaim.case_id == Case.id)
                                .join(Unit, Unit.id == Case.unit_id)
                                .where(Case.reference == reference.strip().upper())).first()
    if found is None:
        raise NotFound("未找到该公示")
    case, claim, unit = found
    steps = published(catalogue).get(case.item_key)
    if steps is None or claim.publicity_to is None or not _shown_state(catalogue, case, steps):
        raise NotFound("未找到该公示")
    return case, claim, unit, steps


def _shown_state(catalogue: Catalogue, case: Case, steps: Steps) -> bool:
    """In 公示, or past it without being sent back: a state reached from the 公示 by the system's trigger or
    after it (a state of no review, not the one an upheld objection returns to)."""
    if case.state == steps.state:
        return True
    wf = catalogue.workflows[case.workflow_key]
    after = set()
    todo = [t.dest for t in wf.transitions if steps.state in _sources(t) and t.trigger == steps.end]
    while todo:
        s = todo.pop()
        if s not in after:
            after.add(s)
            todo += [t.dest for t in wf.transitions if s in _sources(t)]
    return case.state in after and not wf.editable(case.state) and not wf.state(case.state).get("queue")


def is_open(case: Case, claim: SubsidyClaim, steps: Steps, today: date) -> bool:
    return case.state == steps.state and claim.publicity_to is not None and today <= claim.publicity_to


def public_claim(session, catalogue: Catalogue, reference, page=None, today: date | None = None) -> PublicClaim:
    case, claim, unit, steps = _published_case(session, catalogue, reference)
    today = today or clock.today()
    n = session.scalar(select(func.count(func.distinct(ClaimLine.id_number)))
                       .where(ClaimLine.claim_id == claim.id, ClaimLine.flag.is_(None)))
    where = [ClaimLine.claim_id == claim.id, ClaimLine.flag.is_(None)]
    total = session.scalar(select(func.count()).select_from(ClaimLine).where(*where))
    at = Page(parse_page(page), LINES_PER_PAGE, total).within()
    lines = session.scalars(select(ClaimLine).where(*where).order_by(ClaimLine.name, ClaimLine.id_number,
                                                                      ClaimLine.month)
                            .limit(LINES_PER_PAGE).offset(at.offset)).all()
    shown = [PublicLine(masking.mask_name(x.name or ""), masking.mask_id(x.id_number), x.month, yuan(x.total_fen))
             for x in lines]
    open_ = is_open(case, claim, steps, today)
    return PublicClaim(_row(case, claim, unit, n), open_, not open_, shown, at)


# ---- objections -----------------------------------------------------------------------------------------------

def _clean_text(value) -> tuple[str, str | None]:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return text, "请填写异议内容"
    if formats.has_control_chars(text.replace("\r\n", "\n").replace("\n", "")):
        return text, "异议内容含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"
    if len(text) < TEXT_MIN:
        return text, f"异议内容至少{TEXT_MIN}个字，请说明具体情况"
    if len(text) > TEXT_MAX:
        return text, f"异议内容不能超过{TEXT_MAX}个字（当前{len(text)}个字）"
    return text, None


def _clean_contact(value) -> tuple[str, str | None]:
    contact = value.strip() if isinstance(value, str) else ""
    if not contact:
        return "", None
    if "@" in contact or "＠" in contact:
        contact = formats.normalize_email(contact)
        problem = formats.check_email(contact)
    else:
        contact = formats.normalize_mobile(contact)
        problem = formats.check_mobile(contact)
        if problem:
            landline = formats.normalize_landline(value.strip())
            if formats.check_landline(landline) is None:
                contact, problem = landline, None
    if problem:
        return value.strip(), "联系方式应为手机号码、固定电话（如0351-1234567）或电子邮箱"
    return contact, None


def check_objection(text, contact) -> tuple[str, str | None]:
    """The text and contact cleaned, or ValidationFailed with a message per field (nothing counted)."""
    text, text_problem = _clean_text(text)
    contact, contact_problem = _clean_contact(contact)
    errors = [FieldError(f"/{f}", m) for f, m in (("text", text_problem), ("contact", contact_problem)) if m]
    if errors:
        raise ValidationFailed(errors, {"text": text, "contact": contact})
    return text, contact or None


def submit_objection(session, catalogue: Catalogue, reference, text, contact, address: str | None,
                     rule: throttle.Limit, today: date | None = None) -> ClaimObjection:
    """An objection to a claim in 公示, from anyone: ValidationFailed, NotFound, TooManyObjections or
    PublicityEnded, else the objection recorded (pending)."""
    text, contact = check_objection(text, contact)
    case, claim, unit, steps = _published_case(session, catalogue, reference)
    if not is_open(case, claim, steps, today or clock.today()):
        raise PublicityEnded(f"该公示已于{claim.publicity_to:%Y年%m月%d日}结束，不再受理异议")
    verdict = rule.hit(session, throttle.address_key(address))
    if not verdict.allowed:
        raise TooManyObjections(verdict)
    objection = ClaimObjection(claim_id=claim.id, text=text, contact=contact, status=PENDING,
                               submitted_at=clock.utcnow())
    session.add(objection)
    session.flush()
    return objection


@dataclass(frozen=True)
class ObjectionRow:
    objection: ClaimObjection
    case: Case
    unit_name: str
    decided_by: str | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.objection.status, self.objection.status)

    def as_dict(self) -> dict:
        o = self.objection
        return {"id": o.id, "case_id": self.case.id, "reference": self.case.reference, "unit_name": self.unit_name,
                "text": o.text, "contact": o.contact, "submitted_at": clock.isoformat(o.submitted_at),
                "status": o.status, "status_label": self.status_label, "decided_by": self.decided_by,
                "decided_at": clock.isoformat(o.decided_at) if o.decided_at else None, "note": o.note}


def _rows(session, found) -> list[ObjectionRow]:
    names = {a.id: a.name for a in session.scalars(select(Account).where(
        Account.id.in_({o.decided_by for o, *_ in found if o.decided_by})))} if found else {}
    return [ObjectionRow(o, c, u.name, names.get(o.decided_by)) for o, c, u in found]


def _joined():
    return (select(ClaimObjection, Case, Unit).join(SubsidyClaim, SubsidyClaim.id == ClaimObjection.claim_id)
            .join(Case, Case.id == SubsidyClaim.case_id).join(Unit, Unit.id == Case.unit_id))


def case_objections(session, case: Case) -> list[ObjectionRow]:
    """Every objection to this claim, oldest first (for its reviewers' pages)."""
    return _rows(session, session.execute(_joined().where(Case.id == case.id).order_by(ClaimObjection.id)).all())


def pending_page(session, account: Account, page=None) -> tuple[list[ObjectionRow], Page]:
    """The pending objections of the claims this reviewer oversees, oldest first."""
    where = [ClaimObjection.status == PENDING, access.objection_clause(account)]
    total = session.scalar(select(func.count()).select_from(ClaimObjection)
                           .join(SubsidyClaim, SubsidyClaim.id == ClaimObjection.claim_id)
                           .join(Case, Case.id == SubsidyClaim.case_id).where(*where))
    at = Page(parse_page(page), OBJECTIONS_PER_PAGE, total).within()
    found = session.execute(_joined().where(*where).order_by(ClaimObjection.id)
                            .limit(OBJECTIONS_PER_PAGE).offset(at.offset)).all()
    return _rows(session, found), at


def _pending(session, account: Account, objection_id) -> tuple[ClaimObjection, Case]:
    oid = row_id(objection_id)
    found = session.execute(_joined().where(ClaimObjection.id == oid)).first() if oid else None
    if found is None or not access.may_review(account, found[1]):
        raise NotFound("未找到该异议")
    objection, case, _ = found
    if objection.status != PENDING:
        raise Decided(f"该异议已处理（{STATUS_LABELS.get(objection.status, objection.status)}）")
    return objection, case


def _clean_note(note, required: bool) -> str | None:
    note = note.strip() if isinstance(note, str) else ""
    problem = None
    if required and not note:
        problem = "请填写处理意见"
    elif formats.has_control_chars(note.replace("\r\n", "\n").replace("\n", "")):
        problem = "处理意见含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"
    elif len(note) > NOTE_MAX:
        problem = f"处理意见不能超过{NOTE_MAX}个字"
    if problem:
        raise ValidationFailed([FieldError("/note", problem)], {"note": note})
    return note or None


def uphold(session, catalogue: Catalogue, account: Account, objection_id, note=None) -> ClaimObjection:
    """异议成立: the claim goes back to review with the objection as the reason; its other pending objections
    are closed with it."""
    objection, case = _pending(session, account, objection_id)
    note = _clean_note(note, required=False)
    steps = published(catalogue).get(case.item_key)
    if steps is None or case.state != steps.state:
        raise Decided("该申领已不在公示中，不能再认定异议成立")
    comment = f"公示异议成立：{objection.text}" + (f"\n审核意见：{note}" if note else "")
    transition(session, catalogue, case, steps.uphold, account, comment=comment, form=OBJECTION_FORM,
               event_data={"objection": objection.id})
    now = clock.utcnow()
    objection.status, objection.decided_by, objection.decided_at, objection.note = UPHELD, account.id, now, note
    for other in session.scalars(select(ClaimObjection).where(ClaimObjection.claim_id == objection.claim_id,
                                                              ClaimObjection.status == PENDING,
                                                              ClaimObjection.id != objection.id)):
        other.status, other.decided_by, other.decided_at = CLOSED, account.id, now
        other.note = f"已随第{objection.id}号异议成立一并退回审核"
    session.flush()
    return objection


def dismiss(session, catalogue: Catalogue, account: Account, objection_id, note) -> ClaimObjection:
    """异议不成立: recorded with the reviewer's reason; the claim stays where it is."""
    objection, case = _pending(session, account, objection_id)
    note = _clean_note(note, required=True)
    if not access.is_reviewer(account):
        raise AccessDenied("您的账号无权处理异议")
    objection.status, objection.decided_by, objection.decided_at, objection.note = \
        DISMISSED, account.id, clock.utcnow(), note
    session.flush()
    return objection


# ---- the end of 公示 -------------------------------------------------------------------------------------------

def end_due(session, catalogue: Catalogue, today: date) -> list[Case]:
    """Move every claim whose 公示 ended before `today` with no pending objection; the cases moved."""
    pending = exists().where(ClaimObjection.claim_id == SubsidyClaim.id, ClaimObjection.status == PENDING)
    due = session.scalars(select(Case).join(SubsidyClaim, SubsidyClaim.case_id == Case.id).where(
        _in_publicity(catalogue), SubsidyClaim.publicity_to < today, ~pending).order_by(Case.id)).all()
    steps = published(catalogue)
    actor = Actor(None, roles.SYSTEM)
    moved = []
    for case in due:
        s = steps[case.item_key]
        if s.end is None:
            continue
        wf = catalogue.workflows[case.workflow_key]
        event = fire(case, wf, s.end, actor, TransitionContext(session, catalogue, actor, today))
        transition_notices(session, catalogue, case, wf.transition(s.end, s.state), event, roles.SYSTEM)
        moved.append(case)
    return moved


@periodic("publicity_end", every=timedelta(hours=1))
def publicity_end(ctx: JobContext) -> None:
    now: datetime = ctx.now or clock.utcnow()
    end_due(ctx.session, ctx.catalogue, clock.to_beijing(now).date())
