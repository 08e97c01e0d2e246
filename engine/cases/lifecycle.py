"""Creating, saving and submitting cases of any item, and moving them through their workflow; starting a
change of an item held once; and where a unit is located (its 业务办理归属地).

Where a unit is located decides which reviewers see its cases, so it changes only with a reviewer's
approval: a unit with no location yet is located when it first submits an item declaring `locates_unit`
(otherwise nobody but the province could review that first case); after that only the `locate_unit`
effect, which the loader allows on staff transitions alone, moves it. A case takes its unit's location at
its first submission and keeps it, so a unit's earlier cases stay with the jurisdiction that had them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from engine import access, clock, declarations
from engine.attachments import current_attachments
from engine.cases import standing
from engine.errors import DefinitionGone
from engine.definitions.model import Catalogue, ItemDefinition, Transition
from engine.models import Account, Attachment, AuditEntry, Case, DefinitionSnapshot
from engine.notices.outbox import transition_notices
from engine.rules import EFFECTS, RuleContext, TransitionContext, effect
from engine.rules.guards import unmet_requirement
from engine.validation import ValidationFailed, normalize, validate
from engine.workflow import Actor, StaleCase, TransitionNotAllowed, fire, flush_versioned


def actor_of(account: Account) -> Actor:
    return Actor(account.id, account.role, account.unit_id, account.jurisdiction)


def prefill_values(item: ItemDefinition, account: Account) -> dict:
    """Values the definition takes from the account, never from the user's input."""
    sources = {
        "unit.name": account.unit.name if account.unit else None,
        "unit.credit_code": account.unit.credit_code if account.unit else None,
        "account.name": account.name,
        "account.mobile": account.mobile,
    }
    return {f.key: sources[f.prefill] for f in item.fields if f.prefill and sources.get(f.prefill)}


def with_confirmations(item: ItemDefinition, data: dict) -> dict:
    """Data that passed its checks once, with the typed-twice copies those checks dropped (transient fields
    of `confirm_equals`) restored from the fields they confirm: what was typed twice when the case was
    submitted need not be typed twice again to fix something else, or to change it."""
    out = dict(data)
    for rule in item.rules:
        if rule.get("rule") == "confirm_equals" and out.get(rule["field"]) and not out.get(rule["confirm"]):
            out[rule["confirm"]] = out[rule["field"]]
    return out


def ensure_snapshot(session, item: ItemDefinition) -> None:
    """Keep the exact definition a case is submitted under."""
    if session.get(DefinitionSnapshot, (item.key, item.version)) is None:
        session.add(DefinitionSnapshot(item_key=item.key, version=item.version, sha256=item.sha256,
                                       body=item.raw))


def definition_for(session, catalogue: Catalogue, case: Case) -> ItemDefinition:
    """The definition a case was submitted under, even after the file has changed."""
    current = catalogue.item(case.item_key)
    if current is not None and current.version == case.definition_version:
        return current
    snap = session.get(DefinitionSnapshot, (case.item_key, case.definition_version))
    if snap is not None:
        return ItemDefinition(snap.body, source=f"snapshot v{snap.version}", sha256=snap.sha256)
    if current is None:
        raise DefinitionGone(f"事项“{case.item_key}”已停止办理，此申请无法再打开或修改")
    return current


# What assign_reference writes: the item's reference_prefix (2-6 capitals), 地市代码, 申办月份 YYYYMM, the case id
# (6 digits at least; at most 10, engine.models.MAX_ID). People type it to follow a case (engine/cases/progress.py).
REFERENCE_RE = re.compile(r"[A-Z]{2,6}-[0-9]{6}-[0-9]{6}-[0-9]{6,10}", re.ASCII)


def assign_reference(session, item: ItemDefinition, case: Case) -> None:
    if case.reference:
        return
    area = case.city_code or "140000"
    month = (case.submitted_month or clock.this_month()).replace("-", "")   # 申办月份, a Beijing month
    case.reference = f"{item.reference_prefix}-{area}-{month}-{case.id:06d}"


@effect("assign_reference", label="生成申报编号", doc="gives the case its reference (前缀-地市代码-年月-序号) if it has none")
def _assign_reference_effect(case, ctx) -> None:
    assign_reference(ctx.session, ctx.catalogue.item(case.item_key), case)


def check_can_use(item: ItemDefinition | None, account: Account) -> None:
    if item is None:
        raise DefinitionGone("该事项已停止办理，此申请不能再修改")
    if account.role not in item.roles or not account.active:
        raise TransitionNotAllowed("您的账号不能办理此事项")


def check_requirements(session, item: ItemDefinition, account: Account) -> None:
    """Raise unless the owner meets every `requires` entry of the item (e.g. an approved unit application)."""
    blocked = unmet_requirement(session, item, account.unit_id, account.id)
    if blocked:
        raise TransitionNotAllowed(blocked)


def find_case(session, case_id: int | None) -> Case | None:
    """The case as stored (e.g. again after a failed attempt was rolled back), or None."""
    return session.get(Case, case_id) if case_id is not None else None


def new_case(session, catalogue: Catalogue, item: ItemDefinition, account: Account,
             change_of: int | None = None) -> Case:
    """A draft. Of an item held once, only while none is in progress, and then a change of the one in force."""
    check_can_use(item, account)
    standing.check_may_start(session, catalogue, item, account, change_of)
    wf = catalogue.workflow_for(item)
    unit = account.unit
    case = Case(item_key=item.key, definition_version=item.version, workflow_key=wf.key,
                state=wf.initial, unit_id=account.unit_id, account_id=account.id,
                city_code=unit.city_code if unit else None, county_code=unit.county_code if unit else None,
                data={}, change_of=change_of)
    session.add(case)
    session.flush()
    return case


def start_change(session, catalogue: Catalogue, item: ItemDefinition, account: Account) -> Case:
    """申请变更: a draft of the item prefilled with the data and files of the case in force, which stays in
    force until the change reaches the item's `change.when` state. An unsubmitted change already started
    is continued rather than a second one made."""
    check_can_use(item, account)
    held = standing.standing(session, catalogue, item, account.unit_id, account.id).in_force
    standing.check_may_start(session, catalogue, item, account, held.case.id if held else None)  # one in progress
    if held is None:
        raise TransitionNotAllowed(f"没有可以变更的{item.title}，请直接填写申请")
    drafts = standing.change_drafts(session, catalogue, item, account, held)
    if drafts:
        return drafts[0]
    source = held.case
    case = new_case(session, catalogue, item, account, change_of=source.id)
    case.data = with_confirmations(item, normalize(item, {**(source.data or {}), **prefill_values(item, account)}))
    for a in current_attachments(source).values():
        if item.attachment(a.slot) is not None:
            # The same stored file (files are never deleted once kept); the unit may replace it.
            session.add(Attachment(case=case, slot=a.slot, filename=a.filename, content_type=a.content_type,
                                   size=a.size, sha256=a.sha256, storage_key=a.storage_key,
                                   uploaded_at=a.uploaded_at, uploaded_by=a.uploaded_by, current=True))
    session.flush()
    return case


def drafts_of(session, catalogue: Catalogue, item: ItemDefinition, account: Account, limit: int = 5) -> list[Case]:
    """The owner's unsubmitted cases of an item, newest first (offered to continue)."""
    wf = catalogue.workflow_for(item)
    return list(session.scalars(select(Case).where(
        access.owner_clause(account), Case.item_key == item.key, Case.state == wf.initial,
        Case.submitted_at.is_(None)).order_by(Case.id.desc()).limit(limit)))


def _check_editable(catalogue: Catalogue, case: Case, expected_version: int | None) -> None:
    wf = catalogue.workflows[case.workflow_key]
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理或已在其他页面修改，请刷新后重试", state=case.state)
    if not wf.editable(case.state):
        raise TransitionNotAllowed(f"当前状态“{wf.label(case.state)}”下不能修改")


def save_draft(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: dict,
               case: Case | None = None, expected_version: int | None = None) -> Case:
    """Keep what the user typed (normalised, unvalidated) so they can come back later."""
    check_can_use(item, account)
    if case is not None:
        _check_editable(catalogue, case, expected_version)
    case = case or new_case(session, catalogue, item, account)
    # Transient fields (typed-twice copies) are kept in drafts so the form comes back as it was left.
    case.data = normalize(item, {**data, **prefill_values(item, account)})
    case.definition_version = item.version
    session.flush()
    return case


def validate_for(session, item: ItemDefinition, account: Account, data: dict, today: date | None = None,
                 catalogue: Catalogue | None = None):
    raw = {**data, **prefill_values(item, account)}
    clean, errors = validate(item, raw, RuleContext(today=today or clock.today(), session=session,
                                                      unit_id=account.unit_id, catalogue=catalogue))
    return raw, clean, errors


def submit(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: dict,
           case: Case | None = None, expected_version: int | None = None, today: date | None = None) -> Case:
    """Check everything first (nothing is written on failure), then fire the submit trigger."""
    check_can_use(item, account)
    check_requirements(session, item, account)
    raw, clean, errors = validate_for(session, item, account, data, today, catalogue)
    if errors:
        raise ValidationFailed(errors, raw)
    if case is not None:
        _check_editable(catalogue, case, expected_version)
    case = case or new_case(session, catalogue, item, account)
    case.data = raw
    transition(session, catalogue, case, "submit", account, today=today)
    return case


def transition(session, catalogue: Catalogue, case: Case, trigger: str, account: Account,
               comment: str | None = None, expected_version: int | None = None, today: date | None = None,
               form: str | None = None, event_data: dict | None = None):
    """Fire a trigger: the one way any caller (page, bulk, API, console) moves a case.

    engine.access decides first whether this account may act on the case at all (owner; reviewer of the
    jurisdiction, on a submitted case nobody else has claimed). A transition marked `validates` checks
    the case's data first and records what was sent. A transition with a `form` is fired only by that
    form's feature (`form=`, with what it records as `event_data`). A reviewer's claim ends with their action."""
    access.check_may_act(session, account, case)
    wf = catalogue.workflows[case.workflow_key]
    actor = actor_of(account)
    t = wf.transition(trigger, case.state)
    if t is not None and t.validates and actor.role in t.roles:
        if expected_version is not None and expected_version != case.version:
            raise StaleCase("该申请已被他人处理", state=case.state)
        expected_version = None  # checked; writing the clean data below bumps the version by itself
        item = catalogue.item(case.item_key)
        check_can_use(item, account)
        check_requirements(session, item, account)
        raw, clean, errors = validate_for(session, item, account, case.data or {}, today, catalogue)
        if errors:
            raise ValidationFailed(errors, raw)
        standing.check_may_submit(session, catalogue, item, case)
        case.data = clean
        case.definition_version = item.version
        ensure_snapshot(session, item)
        unit = case.unit
        where = declarations.locates_fields(item)
        if where and unit is not None and unit.county_code is None:
            # The first location needs no approval: without one only the province would see the case.
            unit.city_code, unit.county_code = clean[where["city"]], clean[where["county"]]
        if unit is not None and case.submitted_at is None:
            # Located once, at the first submission: a resubmission stays where it was reviewed.
            case.city_code, case.county_code = unit.city_code, unit.county_code
        today = today or clock.today()
        case.submitted_at = clock.on_day(today)
        case.submitted_month = clock.month_of(today)   # 申办月份: the Beijing month, as for batch cases
        event_data = clean
    elif case.submitted_at is None and t is not None and t.dest != wf.initial:
        # Leaving the initial state without a `validates` transition still ends the draft.
        case.submitted_at = clock.utcnow()
        case.submitted_month = clock.this_month()
    event = fire(case, wf, trigger, actor, TransitionContext(session, catalogue, actor, today or clock.today()),
                 comment=comment, expected_version=expected_version, event_data=event_data, form=form)
    if case.claimed_by is not None and account.role == "reviewer":
        case.claimed_by, case.claimed_at = None, None
        flush_versioned(session, case.state)
    transition_notices(session, catalogue, case, t, event, account.role)
    return event


# ---- where a unit is located ------------------------------------------------------

@dataclass(frozen=True)
class Relocation:
    """A change of the unit's 业务办理归属地 that approving the case would make."""
    from_city: str | None
    from_county: str | None
    to_city: str
    to_county: str


def _declared_location(session, catalogue: Catalogue, case: Case) -> tuple[str | None, str | None]:
    """(city, county) the case's data gives through `locates_unit` of the definition it was submitted under
    (or of the current one, if that version declared none)."""
    try:
        where = declarations.locates_fields(definition_for(session, catalogue, case))
    except LookupError:
        where = {}
    where = where or declarations.locates_fields(catalogue.item(case.item_key))
    data = case.data or {}
    return (data.get(where["city"]), data.get(where["county"])) if where else (None, None)


def relocation(session, catalogue: Catalogue, case: Case) -> Relocation | None:
    """The move of the unit that approving this case would make, while the case has no outcome yet."""
    unit = case.unit
    wf = catalogue.workflows.get(case.workflow_key)
    if unit is None or unit.county_code is None or wf is None or wf.state(case.state).get("final"):
        return None
    city, county = _declared_location(session, catalogue, case)
    if not city or not county or (city, county) == (unit.city_code, unit.county_code):
        return None
    return Relocation(unit.city_code, unit.county_code, city, county)


def moves_unit(t: Transition) -> bool:
    """Whether firing the transition runs an effect that relocates the unit (the reviewer is told first)."""
    return any(EFFECTS.serves.get(name) == "locates_unit" for name in t.effects)


def locate_unit(session, catalogue: Catalogue, case: Case, actor_id: int | None = None) -> Relocation | None:
    """Move the case's unit to the location its data declares; its later cases go to that jurisdiction,
    its earlier ones (this one included) stay where they are. Logged with from and to."""
    unit = case.unit
    city, county = _declared_location(session, catalogue, case)
    if unit is None or not city or not county or (city, county) == (unit.city_code, unit.county_code):
        return None
    moved = Relocation(unit.city_code, unit.county_code, city, county)
    unit.city_code, unit.county_code = city, county
    session.add(AuditEntry(actor_id=actor_id, action="unit_relocate", target=case.reference,
                           detail={"unit_id": unit.id, "case_id": case.id, "from": moved.from_county,
                                   "to": moved.to_county}))
    return moved


@effect("locate_unit", serves="locates_unit", staff_only=True, label="变更单位的业务办理归属地",
        doc="moves the unit to the 业务办理归属地 the item's `locates_unit` fields name (a unit without one is "
            "located when it first submits); its later cases go to the new jurisdiction, earlier ones stay")
def _locate_unit_effect(case, ctx) -> None:
    locate_unit(ctx.session, ctx.catalogue, case, ctx.actor.account_id)
