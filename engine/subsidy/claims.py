"""见习补贴申领 cases: a unit chooses a period, the lines are computed from what is stored and kept with the
claim (draft), recomputed on every submission (the reports may have changed since), and each paid
trainee-month is reserved in the database on submission; a rejection or a return releases it.

"No trainee-month is ever paid twice" holds in the database: the partial unique index on the counted
lines (engine/models.py ClaimLine). Python flags what it can see first (已申领, 重复匹配), and a
submission that races another one for the same month is refused with a conflict, never paid twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from engine import access, clock, declarations, masking
from engine.cases.lifecycle import check_can_use, check_requirements, new_case, validate_for
from engine.definitions.model import Catalogue, ItemDefinition, SubsidyScheme
from engine.errors import AccessDenied, EngineError, GuardFailed, StaleCase, TransitionNotAllowed
from engine.models import Account, Case, ClaimLine, SubsidyClaim
from engine.paging import Page, parse_page
from engine.rules import effect
from engine.subsidy.compute import FLAGS, Line, Period, Pricing, Sources, compute_lines, gather, totals, yuan
from engine.validation import ValidationFailed

LINES_PER_PAGE = 100


class MonthsTaken(EngineError):
    """Another submission took some of these trainee-months first (the unique index said so)."""
    kind = "conflict"


def scheme_of(catalogue: Catalogue, item: ItemDefinition) -> SubsidyScheme:
    scheme = catalogue.scheme(declarations.claim_scheme(item))
    if scheme is None:   # the loader refuses a claim item whose scheme is missing
        raise LookupError(f"no scheme for {item.key}")
    return scheme


def period_of(item: ItemDefinition, data: dict) -> Period:
    start, end = declarations.claim_period(item)
    return Period(data[start], data[end])


def _claim_item(catalogue: Catalogue, case: Case) -> ItemDefinition:
    item = catalogue.item(case.item_key)
    check_can_use_kind(item)
    return item


def check_can_use_kind(item: ItemDefinition | None) -> None:
    if item is None or item.kind != "claim":
        raise TransitionNotAllowed("该事项不是补贴申领事项")


def claim_of(session, case: Case) -> SubsidyClaim | None:
    return session.scalar(select(SubsidyClaim).where(SubsidyClaim.case_id == case.id))


# ---- computing and keeping the lines ------------------------------------------------------------------------

def compute(session, catalogue: Catalogue, item: ItemDefinition, unit_ids, period: Period,
            exclude_claim: int | None = None, city: str | None = None) -> tuple[SubsidyScheme, list[Line]]:
    """The lines of these units (or of every unit of a city) over the period, as they stand now."""
    scheme = scheme_of(catalogue, item)
    sources = Sources.of(catalogue, scheme)
    facts = gather(session, sources, scheme, period, unit_ids=unit_ids, city=city, exclude_claim=exclude_claim)
    return scheme, compute_lines(Pricing.of(catalogue, scheme, sources), facts, period)


LINE_COLUMNS = ("claim_id", "unit_id", "id_number", "name", "month", "agreement_start", "scheme_version", "flag",
                "counted", "days", "paid_fen", "subsidy_fen", "mentor_fen", "insurance_fen", "retention_fen",
                "total_fen", "basis", "sources")


def line_rows(claim_id: int, lines: list[Line], counted: bool) -> list[dict]:
    """Lines as claim_lines rows; `counted` (a submission) holds every paid one."""
    return [{"claim_id": claim_id, "unit_id": x.unit_id, "id_number": x.id_number, "name": x.name,
             "month": x.month, "agreement_start": x.agreement_start, "scheme_version": x.scheme_version,
             "flag": x.flag, "counted": counted and x.flag is None, "days": x.days, "paid_fen": x.paid_fen,
             "subsidy_fen": x.subsidy_fen, "mentor_fen": x.mentor_fen, "insurance_fen": x.insurance_fen,
             "retention_fen": x.retention_fen, "total_fen": x.total_fen, "basis": x.basis, "sources": x.sources}
            for x in lines]


def keep_lines(session, catalogue: Catalogue, case: Case, counted: bool = False) -> SubsidyClaim:
    """(Re)compute the claim's lines from the stored reports and keep them with it, replacing earlier ones."""
    item = _claim_item(catalogue, case)
    period = period_of(item, case.data or {})
    claim = claim_of(session, case)
    if claim is None:
        claim = SubsidyClaim(case_id=case.id, unit_id=case.unit_id, scheme_key="", scheme_versions={},
                             period_from=period.start, period_to=period.end)
        session.add(claim)
        session.flush()
    scheme, lines = compute(session, catalogue, item, [case.unit_id], period, exclude_claim=claim.id)
    used = sorted({x.scheme_version for x in lines if x.scheme_version is not None})
    sums = totals(lines)
    claim.scheme_key = scheme.key
    claim.scheme_versions = {str(n): scheme.version(n).sha256 for n in used}
    claim.period_from, claim.period_to = period.start, period.end
    claim.computed_at = clock.utcnow()
    claim.line_count, claim.paid_count, claim.flagged_count = sums["lines"], sums["paid"], sums["flagged"]
    claim.total_fen = sums["total_fen"]
    locked = session.scalar(select(func.count()).select_from(ClaimLine).where(
        ClaimLine.claim_id == claim.id, ClaimLine.locked_at.is_not(None)))
    if locked:
        raise TransitionNotAllowed("该申领已有拨付的明细，不能重新计算")
    session.execute(delete(ClaimLine).where(ClaimLine.claim_id == claim.id))
    rows = line_rows(claim.id, lines, counted)
    for chunk in range(0, len(rows), 5000):
        session.execute(ClaimLine.__table__.insert(), rows[chunk:chunk + 5000])
    return claim


def start(session, catalogue: Catalogue, item: ItemDefinition, account: Account, data: dict,
          today: date | None = None) -> Case:
    """A draft claim for the period typed, with its lines computed; nothing is written if the period is wrong."""
    check_can_use(item, account)
    check_can_use_kind(item)
    check_requirements(session, item, account)
    raw, clean, errors = validate_for(session, item, account, data, today, catalogue)
    if errors:
        raise ValidationFailed(errors, raw)
    case = new_case(session, catalogue, item, account)
    case.data = clean
    session.flush()
    keep_lines(session, catalogue, case)
    return case


def recompute(session, catalogue: Catalogue, case: Case, account: Account, data: dict | None = None,
              expected_version: int | None = None, today: date | None = None) -> SubsidyClaim:
    """重新计算 a claim the unit may still change (a draft, or one returned), optionally for another period."""
    item = _claim_item(catalogue, case)
    check_can_use(item, account)
    if access.Permission.EDIT not in access.case_permissions(account, case):
        raise AccessDenied("您的账号无权办理此申请")
    wf = catalogue.workflows[case.workflow_key]
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申领已在其他页面计算或提交，请刷新后重试", state=case.state)
    if not wf.editable(case.state):
        raise TransitionNotAllowed(f"当前状态“{wf.label(case.state)}”下不能重新计算")
    if data is not None:
        raw, clean, errors = validate_for(session, item, account, data, today, catalogue)
        if errors:
            raise ValidationFailed(errors, raw)
        case.data = clean
    claim = keep_lines(session, catalogue, case)
    case.updated_at = clock.utcnow()   # a new version: a page drawn before this computation is stale
    session.flush()
    return claim


@effect("reserve_claim_lines", serves="claim", label="计算并占用补贴月份",
        doc="a claim's lines are computed again from the stored reports and each paid trainee-month is reserved "
            "(the database refuses a month already reserved by another claim); a claim with nothing to pay is refused")
def _reserve_effect(case, ctx) -> None:
    reserve(ctx.session, ctx.catalogue, case)


def reserve(session, catalogue: Catalogue, case: Case) -> SubsidyClaim:
    savepoint = session.begin_nested()
    try:
        claim = keep_lines(session, catalogue, case, counted=True)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        raise MonthsTaken("部分见习月份刚刚已由其他申领计发，请重新计算后再提交") from None
    savepoint.commit()
    if claim.paid_count == 0:
        raise GuardFailed("本申领期间没有可计发的见习月份，不能提交；请补报缺少的记录或选择其他期间")
    return claim


@effect("release_claim_lines", label="释放已占用的补贴月份",
        doc="a rejected or returned claim's trainee-months are no longer reserved, so they can be claimed again")
def _release_effect(case, ctx) -> None:
    release(ctx.session, case)


def release(session, case: Case) -> None:
    claim = claim_of(session, case)
    if claim is not None:
        session.execute(update(ClaimLine).where(ClaimLine.claim_id == claim.id, ClaimLine.locked_at.is_(None))
                        .values(counted=False))


# ---- reading a claim ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShownLine:
    id: int
    name: str | None
    id_number: str          # masked
    month: str
    flag: str | None
    flag_label: str
    basis: str
    scheme_version: int | None
    subsidy: str
    mentor: str
    insurance: str
    retention: str
    total: str
    total_fen: int
    counted: bool
    sources: dict           # report -> batch case id; "missing" -> item keys

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "id_number": self.id_number, "month": self.month,
                "flag": self.flag, "flag_label": self.flag_label or None, "basis": self.basis,
                "scheme_version": self.scheme_version, "subsidy": self.subsidy, "mentor_fee": self.mentor,
                "insurance": self.insurance, "retention": self.retention, "total": self.total,
                "total_fen": self.total_fen, "counted": self.counted,
                "sources": {k: v for k, v in self.sources.items() if k != "missing"},
                "missing_items": list(self.sources.get("missing", []))}


def shown(line: ClaimLine) -> ShownLine:
    return ShownLine(line.id, line.name, masking.mask_id(line.id_number), line.month, line.flag,
                     FLAGS.get(line.flag, line.flag or ""), line.basis, line.scheme_version,
                     yuan(line.subsidy_fen), yuan(line.mentor_fen), yuan(line.insurance_fen),
                     yuan(line.retention_fen), yuan(line.total_fen), line.total_fen, line.counted,
                     dict(line.sources or {}))


FLAG_FILTERS = ("paid", "flagged", *FLAGS)


@dataclass(frozen=True)
class LinesPage:
    claim: SubsidyClaim
    scheme: SubsidyScheme | None
    lines: list[ShownLine]
    page: Page
    flag: str | None
    by_flag: dict[str, int]            # flag -> how many lines
    missing_items: list[str]           # the batch items some month lacks, to report first

    @property
    def total(self) -> str:
        return yuan(self.claim.total_fen)

    def as_dict(self) -> dict:
        c = self.claim
        return {"period": {"from": c.period_from, "to": c.period_to},
                "scheme": {"key": c.scheme_key, "title": self.scheme.title if self.scheme else c.scheme_key,
                           "versions": sorted(int(v) for v in c.scheme_versions)},
                "computed_at": clock.isoformat(c.computed_at), "line_count": c.line_count,
                "paid_count": c.paid_count, "flagged_count": c.flagged_count, "total": self.total,
                "total_fen": c.total_fen, "by_flag": self.by_flag, "missing_items": self.missing_items,
                "page": self.page.number, "pages": self.page.pages, "total_lines": self.page.total,
                "lines": [x.as_dict() for x in self.lines],
                "payment": {"paid_on": c.paid_on.isoformat(), "voucher": c.voucher} if c.paid_on else None}


def lines_page(session, catalogue: Catalogue, case: Case, page=None, flag: str | None = None) -> LinesPage | None:
    """A page of a claim's lines (all, paid ones, flagged ones or one flag), with its totals; None if the case
    has no computation (not a claim)."""
    claim = claim_of(session, case)
    if claim is None:
        return None
    flag = flag if flag in FLAG_FILTERS else None
    where = [ClaimLine.claim_id == claim.id]
    if flag == "paid":
        where.append(ClaimLine.flag.is_(None))
    elif flag == "flagged":
        where.append(ClaimLine.flag.is_not(None))
    elif flag:
        where.append(ClaimLine.flag == flag)
    total = session.scalar(select(func.count()).select_from(ClaimLine).where(*where))
    at = Page(parse_page(page), LINES_PER_PAGE, total).within()
    rows = session.scalars(select(ClaimLine).where(*where).order_by(ClaimLine.name, ClaimLine.id_number,
                                                                      ClaimLine.month)
                           .limit(LINES_PER_PAGE).offset(at.offset)).all()
    by_flag = dict(session.execute(select(ClaimLine.flag, func.count()).where(
        ClaimLine.claim_id == claim.id, ClaimLine.flag.is_not(None)).group_by(ClaimLine.flag)).all())
    missing: list[str] = []
    if by_flag.get("missing"):
        for sources in session.scalars(select(ClaimLine.sources).where(ClaimLine.claim_id == claim.id,
                                                                       ClaimLine.flag == "missing")):
            for key in (sources or {}).get("missing", []):
                if key not in missing:
                    missing.append(key)
    return LinesPage(claim, catalogue.scheme(claim.scheme_key), [shown(r) for r in rows], at, flag, by_flag,
                     missing)


@dataclass(frozen=True)
class ClaimRow:
    case: Case
    claim: SubsidyClaim | None
    state_label: str

    @property
    def total(self) -> str:
        return yuan(self.claim.total_fen) if self.claim else "—"


def unit_claims(session, catalogue: Catalogue, item: ItemDefinition, account: Account, limit: int = 20) -> list[ClaimRow]:
    """The owner's recent claims of the item, newest first, with their totals."""
    wf = catalogue.workflow_for(item)
    rows = session.execute(select(Case, SubsidyClaim).outerjoin(SubsidyClaim, SubsidyClaim.case_id == Case.id)
                           .where(access.owner_clause(account), Case.item_key == item.key)
                           .order_by(Case.id.desc()).limit(limit)).all()
    return [ClaimRow(case, claim, wf.label(case.state)) for case, claim in rows]
