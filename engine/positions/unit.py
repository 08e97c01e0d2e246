"""The unit's side: its published positions with their counts, and the people interested in each."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from engine import clock, declarations, masking
from engine import search as keywords
from engine.models import Account, Intent, Position, PositionEvent
from engine.positions.detail import position_detail
from engine.positions.intents import consented
from engine.positions.status import STATUS_LABELS, position_status
from engine.positions.takedown import position_history
from engine.regions import load_regions


@dataclass
class UnitPosition:
    id: int
    name: str
    region: str
    openings: int
    matched: int
    intents: int
    allowance: int
    period_months: int
    deadline: date | None
    published_at: datetime
    status: str
    status_label: str

    def as_json(self) -> dict:
        out = asdict(self)
        out["deadline"] = self.deadline.isoformat() if self.deadline else None
        out["published_at"] = clock.isoformat(self.published_at)
        return out


def unit_positions(session, unit_id: int, today: date | None = None, status: str | None = None,
                   q: str | None = None, position_id: int | None = None) -> list[UnitPosition]:
    """The unit's published positions (or the one asked for) with openings, matched and active intent counts."""
    regions = load_regions()
    counts = (select(Intent.position_id, func.count().label("n")).where(Intent.withdrawn_at.is_(None))
              .group_by(Intent.position_id).subquery())
    stmt = (select(Position, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.position_id == Position.id)
            .where(Position.unit_id == unit_id).order_by(Position.published_at.desc(), Position.id.desc()))
    if position_id is not None:
        stmt = stmt.where(Position.id == position_id)
    out = []
    needle = keywords.normalize(q) if q else None
    for p, n in session.execute(stmt):
        st = position_status(p, today)
        if status and st != status:
            continue
        if needle and needle not in keywords.normalize(p.name):
            continue
        out.append(UnitPosition(p.id, p.name, regions.label(p.county_code), p.openings, p.matched, n, p.allowance,
                                p.period_months, p.deadline, p.published_at, st, STATUS_LABELS[st]))
    return out


@dataclass
class IntentPerson:
    intent_id: int
    account_id: int
    name: str
    id_number: str
    id_masked: str
    mobile: str
    education: str
    school: str
    major: str
    created_at: datetime
    consented: bool   # said 我有意向 under CONSENT_TEXT: the full ID number may go into the match template

    def as_json(self) -> dict:
        # The full number never leaves in JSON (docs/privacy.md): only the masked one.
        return {"id": self.intent_id, "name": self.name, "id_number": self.id_masked, "mobile": self.mobile,
                "education": self.education, "school": self.school, "major": self.major,
                "created_at": clock.isoformat(self.created_at), "consented": self.consented}


def position_intents(session, position: Position, education: str | None = None, q: str | None = None,
                     ids: list[int] | None = None) -> list[IntentPerson]:
    """People with an active intent for the position, oldest first; filter by education or a keyword
    (name, school, major), or pick given intent ids."""
    stmt = (select(Intent, Account).join(Account, Account.id == Intent.account_id)
            .where(Intent.position_id == position.id, Intent.withdrawn_at.is_(None))
            .order_by(Intent.created_at, Intent.id))
    if ids is not None:
        stmt = stmt.where(Intent.id.in_(ids or [-1]))
    needle = keywords.normalize(q) if q else None
    found = session.execute(stmt).all()
    agreed = consented(session, [intent for intent, _ in found])
    out = []
    for intent, account in found:
        profile = account.profile or {}
        person = IntentPerson(intent.id, account.id, account.name, account.id_number or "",
                              masking.mask_id(account.id_number or ""), account.mobile or "",
                              profile.get("education") or "", profile.get("school") or "",
                              profile.get("major") or "", intent.created_at, intent.id in agreed)
        if education and person.education != education:
            continue
        if needle and not any(needle in keywords.normalize(v) for v in (person.name, person.school, person.major)):
            continue
        out.append(person)
    return out


def application_item(catalogue):
    """The item a unit applies with for a position: the first that publishes positions and units may use."""
    return next((i for i in declarations.publishers(catalogue) if "unit" in i.roles), None)


def intent_educations(catalogue) -> tuple[str, ...]:
    """The 学历 filter over interested people: the choices of the agreements' education field, the form
    in which the unit will report them."""
    item = declarations.role_item(catalogue, "agreements")
    return declarations.field_enum(item, declarations.role_fields(item).get("education") if item else None)


@dataclass
class UnitPositionPage:
    summary: UnitPosition | None
    detail: dict
    people: list[IntentPerson]   # filtered as asked
    all_count: int               # everyone interested, before the filter
    history: list[PositionEvent]
    educations: tuple[str, ...]


def unit_position_page(session, catalogue, position: Position, education: str | None = None,
                       q: str | None = None) -> UnitPositionPage:
    people = position_intents(session, position, education=education, q=q)
    all_count = len(position_intents(session, position)) if (education or q) else len(people)
    summary = next(iter(unit_positions(session, position.unit_id, position_id=position.id)), None)
    return UnitPositionPage(summary, position_detail(session, catalogue, position), people, all_count,
                            position_history(session, position), intent_educations(catalogue))
