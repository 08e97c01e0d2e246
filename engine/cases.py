"""Creating, saving and submitting cases of any item."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from engine.definitions import Catalogue, ItemDefinition
from engine.models import Account, Case, DefinitionSnapshot, Unit, utcnow
from engine.rules import RuleContext, TransitionContext
from engine.validation import ValidationFailed, validate
from engine.workflow import Actor, TransitionNotAllowed, fire


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


def unmet_requirement(session, item: ItemDefinition, unit_id: int | None, account_id: int | None) -> str | None:
    for req in item.requires:
        owner = Case.unit_id == unit_id if unit_id else Case.account_id == account_id
        found = session.scalar(select(Case.id).where(
            owner, Case.item_key == req["item"], Case.state == req["state"]).limit(1))
        if found is None:
            return req["message"]
    return None


def ensure_snapshot(session, item: ItemDefinition) -> None:
    """Keep the exact definition a case is submitted under."""
    snap = session.get(DefinitionSnapshot, (item.key, item.version))
    if snap is None:
        session.add(DefinitionSnapshot(item_key=item.key, version=item.version, sha256=item.sha256,
                                       body=item.raw))


def assign_reference(session, item: ItemDefinition, case: Case) -> None:
    if case.reference:
        return
    now = utcnow()
    area = case.city_code or "140000"
    case.reference = f"{item.reference_prefix}-{area}-{now:%Y%m}-{case.id:06d}"


def check_can_use(item: ItemDefinition, account: Account) -> None:
    if account.role not in item.roles or not account.active:
        raise TransitionNotAllowed("您的账号不能办理此事项")


def new_case(session, catalogue: Catalogue, item: ItemDefinition, account: Account) -> Case:
    check_can_use(item, account)
    wf = catalogue.workflow_for(item)
    unit = account.unit
    case = Case(item_key=item.key, definition_version=item.version, workflow_key=wf.key,
                state=wf.initial, unit_id=account.unit_id, account_id=account.id,
                city_code=unit.city_code if unit else None, county_code=unit.county_code if unit else None,
                data={})
    session.add(case)
    session.flush()
    return case


def save_draft(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: dict,
               case: Case | None = None, expected_version: int | None = None) -> Case:
    """Keep what the user typed (normalised, unvalidated) so they can come back later."""
    from engine.validation import normalize
    check_can_use(item, account)
    case = case or new_case(session, catalogue, item, account)
    _check_editable(catalogue, case, expected_version)
    merged = normalize(item, {**data, **prefill_values(item, account)})
    case.data = merged
    case.definition_version = item.version
    session.flush()
    return case


def _check_editable(catalogue: Catalogue, case: Case, expected_version: int | None) -> None:
    from engine.workflow import StaleCase
    wf = catalogue.workflows[case.workflow_key]
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理", state=case.state)
    if not wf.editable(case.state):
        raise TransitionNotAllowed(f"当前状态“{wf.label(case.state)}”下不能修改")


def submit(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: dict,
           case: Case | None = None, expected_version: int | None = None, today: date | None = None,
           trigger: str = "submit") -> Case:
    """Validate everything, then move the case with the submit trigger; raise ValidationFailed with all errors."""
    check_can_use(item, account)
    today = today or date.today()
    blocked = unmet_requirement(session, item, account.unit_id, account.id)
    if blocked:
        raise TransitionNotAllowed(blocked)
    raw = {**data, **prefill_values(item, account)}
    clean, errors = validate(item, raw, RuleContext(today=today, session=session, unit_id=account.unit_id))
    if errors:
        raise ValidationFailed(errors, raw)
    if case is not None:
        _check_editable(catalogue, case, expected_version)
    case = case or new_case(session, catalogue, item, account)
    case.data = clean
    case.definition_version = item.version
    ensure_snapshot(session, item)
    locate = item.raw.get("locates_unit")
    if locate and account.unit is not None:
        account.unit.city_code, account.unit.county_code = clean[locate["city"]], clean[locate["county"]]
    if account.unit is not None:
        case.city_code, case.county_code = account.unit.city_code, account.unit.county_code
    now = datetime.combine(today, utcnow().time()) if today != date.today() else utcnow()
    case.submitted_at = now
    case.submitted_month = now.strftime("%Y-%m")
    wf = catalogue.workflow_for(item)
    fire(case, wf, trigger, actor_of(account), TransitionContext(session, catalogue, actor_of(account), today),
         event_data=clean)
    return case


def transition(session, catalogue: Catalogue, case: Case, trigger: str, account: Account,
               comment: str | None = None, expected_version: int | None = None):
    wf = catalogue.workflows[case.workflow_key]
    actor = actor_of(account)
    return fire(case, wf, trigger, actor, TransitionContext(session, catalogue, actor),
                comment=comment, expected_version=expected_version)


def register_unit(session, name: str, credit_code: str) -> Unit:
    unit = Unit(name=name, credit_code=credit_code)
    session.add(unit)
    return unit
