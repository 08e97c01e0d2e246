"""What an owner holds of an item declared `change` (held once), and the refusal of a second case of it.

- In force: the owner's case of the item in `change.when` that entered that state last. A change, once
  approved, is in force in its turn; the case it changed keeps its state, as history.
- In progress: a submitted case of the item that has reached neither an outcome (a `final` state) nor
  the in-force state: it waits for a reviewer, or was returned for correction.
- While a case is in progress no other case of the item is started or submitted; while one is in force,
  only a change of it (`Case.change_of`, set by `engine.cases.lifecycle.start_change`, never from input).

The same reading gives the newest case of any item in a state (`latest_in`), which the unit's profile uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from engine import access, clock, declarations
from engine.definitions.model import Catalogue, ItemDefinition
from engine.errors import CaseExists
from engine.models import Account, Case, CaseEvent, Unit


@dataclass(frozen=True)
class Held:
    """A case in the state that makes it count, and when it entered that state (e.g. 认定日期)."""
    case: Case
    since: datetime

    @property
    def date(self) -> str:
        return clock.format_beijing(self.since, "%Y-%m-%d")


def latest_in(session, item_key: str, state: str, unit_id: int | None, account_id: int | None) -> Held | None:
    """The owner's case of the item that entered `state` last and is still in it (by the event that took it
    there: the case made first is not always the one approved last)."""
    row = session.execute(
        select(Case, CaseEvent.at).join(CaseEvent, CaseEvent.case_id == Case.id).where(
            access.owned_by_clause(unit_id, account_id), Case.item_key == item_key, Case.state == state,
            CaseEvent.to_state == state).order_by(CaseEvent.id.desc()).limit(1)).first()
    return Held(row[0], row[1]) if row is not None else None


def entered_at(session, case: Case, state: str) -> datetime | None:
    """When the case last entered the state, or None."""
    return session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id, CaseEvent.to_state == state)
                          .order_by(CaseEvent.id.desc()).limit(1))


@dataclass(frozen=True)
class Standing:
    in_force: Held | None = None
    in_progress: Case | None = None


def standing(session, catalogue: Catalogue, item: ItemDefinition, unit_id: int | None, account_id: int | None,
             exclude: int | None = None) -> Standing:
    """The owner's case in force and case in progress of an item held once (nothing for other items)."""
    when = declarations.change_state(item)
    if when is None:
        return Standing()
    in_force = latest_in(session, item.key, when, unit_id, account_id)
    progressing = session.scalars(select(Case).where(
        access.owned_by_clause(unit_id, account_id), Case.item_key == item.key, access.submitted_clause(),
        Case.state != when, Case.id != (exclude or 0)).order_by(Case.id.desc()))
    in_progress = next((c for c in progressing if c.workflow_key in catalogue.workflows
                        and not catalogue.workflows[c.workflow_key].state(c.state).get("final")), None)
    return Standing(in_force, in_progress)


def _owner_word(unit_id: int | None) -> str:
    return "贵单位" if unit_id is not None else "您"


def in_progress_message(catalogue: Catalogue, item: ItemDefinition, case: Case) -> str:
    wf = catalogue.workflows[case.workflow_key]
    return (f"{_owner_word(case.unit_id)}已有一件{item.title}正在办理（编号{case.reference or case.id}，"
            f"{wf.label(case.state)}），请勿重复申请")


def in_force_message(item: ItemDefinition, held: Held) -> str:
    return declarations.change_message(item, held.case.reference or str(held.case.id), held.date)


def _refusal(catalogue: Catalogue, item: ItemDefinition, found: Standing, change_of: int | None) -> CaseExists | None:
    if found.in_progress is not None:
        case = found.in_progress
        return CaseExists(in_progress_message(catalogue, item, case), case_id=case.id, reference=case.reference,
                          state=case.state)
    held = found.in_force
    if held is not None and change_of != held.case.id:
        why = "如需修改，请申请变更" if change_of is None else "此变更申请所依据的申请已被更新的申请取代，请重新申请变更"
        return CaseExists(f"{in_force_message(item, held)}，{why}", case_id=held.case.id,
                          reference=held.case.reference, state=held.case.state, change=True)
    if held is None and change_of is not None:
        return CaseExists("所要变更的申请已不再有效，请重新填写申请", case_id=change_of)
    return None


def refusal_for(session, catalogue: Catalogue, item: ItemDefinition, case: Case) -> CaseExists | None:
    """Why this unsubmitted (or returned) case could not be submitted now, for its page; None if it could."""
    if declarations.change_state(item) is None:
        return None
    found = standing(session, catalogue, item, case.unit_id, case.account_id, exclude=case.id)
    return _refusal(catalogue, item, found, case.change_of)


def check_may_start(session, catalogue: Catalogue, item: ItemDefinition, account: Account,
                    change_of: int | None = None) -> None:
    """Raise CaseExists unless the owner may start a case of the item (a change of the case in force, if any)."""
    if declarations.change_state(item) is None:
        return
    refusal = _refusal(catalogue, item, standing(session, catalogue, item, account.unit_id, account.id), change_of)
    if refusal is not None:
        raise refusal


def check_may_submit(session, catalogue: Catalogue, item: ItemDefinition, case: Case) -> None:
    """As check_may_start, for submitting this case. The owner's row is locked first, so two submissions
    of one owner at once (two tabs, two colleagues) are decided one after the other."""
    if declarations.change_state(item) is None:
        return
    if case.unit_id is not None:
        session.execute(select(Unit.id).where(Unit.id == case.unit_id).with_for_update())
    else:
        session.execute(select(Account.id).where(Account.id == case.account_id).with_for_update())
    found = standing(session, catalogue, item, case.unit_id, case.account_id, exclude=case.id)
    refusal = _refusal(catalogue, item, found, case.change_of)
    if refusal is not None:
        raise refusal


def change_drafts(session, catalogue: Catalogue, item: ItemDefinition, account: Account, held: Held) -> list[Case]:
    """The owner's unsubmitted changes of the case in force, newest first."""
    wf = catalogue.workflow_for(item)
    return list(session.scalars(select(Case).where(
        access.owner_clause(account), Case.item_key == item.key, Case.change_of == held.case.id,
        Case.state == wf.initial, Case.submitted_at.is_(None)).order_by(Case.id.desc())))


@dataclass(frozen=True)
class FormStanding:
    """What the form page of an item says instead of the blank form (a new case) or above it (a case)."""
    in_progress: Case | None = None
    in_progress_message: str | None = None
    in_force: Held | None = None
    in_force_message: str | None = None
    change_drafts: list[Case] = field(default_factory=list)
    changes: Case | None = None                 # the case in force that this change draft changes
    refusal: CaseExists | None = None           # why this case could not be submitted now
    relocating: list[str] = field(default_factory=list)   # labels of the fields that would move the unit


def for_form(session, catalogue: Catalogue, item: ItemDefinition, account: Account,
             case: Case | None = None) -> FormStanding:
    if case is not None:
        located = account.unit is not None and account.unit.county_code is not None
        return FormStanding(
            changes=session.get(Case, case.change_of) if case.change_of else None,
            refusal=refusal_for(session, catalogue, item, case),
            relocating=[item.label(k) for k in declarations.locates_fields(item).values()] if located else [])
    found = standing(session, catalogue, item, account.unit_id, account.id)
    if found.in_progress is not None:
        return FormStanding(in_progress=found.in_progress,
                            in_progress_message=in_progress_message(catalogue, item, found.in_progress))
    if found.in_force is not None:
        return FormStanding(in_force=found.in_force, in_force_message=in_force_message(item, found.in_force),
                            change_drafts=change_drafts(session, catalogue, item, account, found.in_force))
    return FormStanding()
