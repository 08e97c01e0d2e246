"""Who is concerned by an event: the one home of it. Every notice's recipients come from here.

- owner: the people a case (or a position) belongs to, by engine.access's owner rule: every active
  account of its unit (a unit may have several agents), or for an individual the account that made it.
- reviewers: the people who must act on a case next, never a whole role: active reviewers whose
  jurisdiction covers the case (engine.access.covers) and whose level has an action in the case's state
  (engine.workflow.available: the state's `reviewer_level`, a transition's `reviewer_levels`).
- uploader: the account that uploaded a batch file (what an import shows back is theirs alone).
- a jurisdiction's reviewers (a bad rating's follow-up, engine/ratings): active reviewers whose
  jurisdiction covers a place, of a given level, else of the most local level that has any.
"""
from __future__ import annotations

from sqlalchemy import select

from engine import access
from engine.definitions.model import WorkflowDefinition
from engine.models import Account, Case
from engine.regions import CITY, COUNTY, PROVINCE, load_regions
from engine.roles import OWNER_ROLES
from engine.workflow import Actor, available


def owners(session, unit_id: int | None, account_id: int | None) -> list[Account]:
    """The owner's active accounts: the unit's (by Account.unit_id), else the one individual account."""
    if unit_id is not None:
        return list(session.scalars(select(Account).where(
            Account.unit_id == unit_id, Account.active.is_(True), Account.role.in_(OWNER_ROLES))
            .order_by(Account.id)))
    account = session.get(Account, account_id) if account_id is not None else None
    return [account] if account is not None and account.active and account.role in OWNER_ROLES else []


def case_owners(session, case: Case) -> list[Account]:
    return owners(session, case.unit_id, case.account_id)


def covering_jurisdictions(city_code: str | None, county_code: str | None) -> list[str]:
    """The jurisdictions that cover a place: the province, its city, its county (engine.access.covers)."""
    return [code for code in (load_regions().province.code, city_code, county_code) if code]


LOCAL_FIRST = (COUNTY, CITY, PROVINCE)


def jurisdiction_reviewers(session, city_code: str | None, county_code: str | None,
                           level: str | None = None) -> list[Account]:
    """The active reviewers covering a place at `level` (province, city, county); when there are none of it (or
    no level is given), those of the most local level that has any: the county's, else the city's, else the
    province's."""
    places = covering_jurisdictions(city_code, county_code)
    candidates = [a for a in session.scalars(select(Account).where(
        Account.role == "reviewer", Account.active.is_(True), Account.jurisdiction.in_(places))
        .order_by(Account.id)) if access.covers(a.jurisdiction, city_code, county_code)]
    for wanted in ((level,) if level else ()) + LOCAL_FIRST:
        found = [a for a in candidates if access.level_of(a.jurisdiction) == wanted]
        if found:
            return found
    return []


def acting_reviewers(session, wf: WorkflowDefinition, case: Case) -> list[Account]:
    """The reviewers who must act next on the case in its current state (none for a draft)."""
    if access.is_draft(case):
        return []
    places = covering_jurisdictions(case.city_code, case.county_code)
    candidates = session.scalars(select(Account).where(
        Account.role == "reviewer", Account.active.is_(True), Account.jurisdiction.in_(places))
        .order_by(Account.id))
    acts: dict[str | None, bool] = {}   # level -> whether a reviewer of that level has an action here
    out = []
    for account in candidates:
        if not access.covers(account.jurisdiction, case.city_code, case.county_code):
            continue
        level = access.level_of(account.jurisdiction)
        if level not in acts:
            actor = Actor(account.id, account.role, account.unit_id, account.jurisdiction)
            acts[level] = bool(available(wf, case.state, actor))
        if acts[level]:
            out.append(account)
    return out
