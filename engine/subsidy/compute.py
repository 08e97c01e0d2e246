"""A claim's lines, one per trainee and month: the facts read set-based (a handful of queries, whatever the
number of units or trainees), then one pure pass over them that prices each month by the scheme version in
force for it and says why in words.

Nothing here names an item or a field: the agreements are the rows of the item playing `agreements` (its
`role.fields.name` gives the trainee's name, batch.index its dates), and the scheme's `reports` name the
status and attendance items and the fields read from them. Amounts are integer fen; a share and a
pro-rating are exact fractions, rounded half up to the fen once, at the end.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Iterable, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from engine import declarations
from engine.clock import month_of
from engine.definitions.model import Catalogue, SchemeVersion, SubsidyScheme
from engine.models import BatchRow, Case, ClaimLine, Position, SubsidyClaim, Unit
from engine.regions import RegionTable, load_regions

# Why a line is not paid, as people read it.
FLAGS = {
    "missing": "缺报",
    "duplicate": "重复匹配",
    "claimed": "已申领",
    "over_limit": "超过月数",
    "no_days": "无见习天数",
    "unpriced": "无最低工资标准",
    "no_scheme": "无适用方案",
}
REPORT_LABELS = {"status": "在岗情况", "attendance": "考勤"}


# ---- months ------------------------------------------------------------------------------------------------

def months(first: str, last: str) -> list[str]:
    """Every month from first to last (YYYY-MM), both included."""
    y, m = int(first[:4]), int(first[5:])
    out = []
    while (current := f"{y:04d}-{m:02d}") <= last:
        out.append(current)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@lru_cache(maxsize=512)
def days_in(month: str) -> int:
    return calendar.monthrange(int(month[:4]), int(month[5:]))[1]


@lru_cache(maxsize=512)
def month_days(month: str) -> tuple[date, date]:
    """The first and last day of a month."""
    y, m = int(month[:4]), int(month[5:])
    return date(y, m, 1), date(y, m, days_in(month))


@dataclass(frozen=True)
class Period:
    start: str   # YYYY-MM
    end: str

    @property
    def first_day(self) -> date:
        return date(int(self.start[:4]), int(self.start[5:]), 1)

    @property
    def last_day(self) -> date:
        return date(int(self.end[:4]), int(self.end[5:]), days_in(self.end))

    def months(self) -> list[str]:
        return months(self.start, self.end)


# ---- money ---------------------------------------------------------------------------------------------------

def fen(numerator: int, denominator: int = 1) -> int:
    """numerator / denominator fen, half up to the fen, in integers (amounts are never negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def yuan_to_fen(amount) -> int:
    """An amount in yuan as reported (an int, or a float such as 2200.5) in fen, half up."""
    if isinstance(amount, int) or float(amount).is_integer():
        return int(amount) * 100
    return int(Decimal(repr(float(amount))).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))


def yuan(amount_fen: int) -> str:
    """1720 for 172000 fen, 832.26 for 83226, 832.2 never (always two decimals when not whole)."""
    whole, cents = divmod(amount_fen, 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"


# ---- the facts -------------------------------------------------------------------------------------------------

class Agreement(NamedTuple):
    row_id: int
    case_id: int
    unit_id: int
    id_number: str
    name: str | None
    start: date
    end: date
    county: str | None          # the position's county, else the unit's (the minimum wage's)


class StatusRow(NamedTuple):
    case_id: int
    status: str | None
    days: int | None
    paid: float | None
    change_date: str | None


class AttendanceRow(NamedTuple):
    case_id: int
    required: int | None
    attended: int | None


@dataclass
class Facts:
    """Everything the lines of some units over a period depend on."""
    agreements: list[Agreement] = field(default_factory=list)
    status: dict[tuple, StatusRow] = field(default_factory=dict)          # (unit, id, month) ->
    attendance: dict[tuple, AttendanceRow] = field(default_factory=dict)  # (unit, id, month) ->
    ended_before: dict[tuple, str] = field(default_factory=dict)          # (unit, id) -> first ending month before
    others: dict[str, list[tuple]] = field(default_factory=dict)          # id -> [(unit, start, end)] of agreements
    claimed: dict[tuple, tuple] = field(default_factory=dict)             # (id, month) -> (unit, reference)
    months_used: dict[tuple, int] = field(default_factory=dict)           # (id, agreement start) -> counted months
    retained: set[tuple] = field(default_factory=set)                     # (id, agreement start): retention paid


@dataclass(frozen=True)
class Sources:
    """What a scheme reads: the agreements item and name field, and each report's item and fields."""
    agreements: str
    name_field: str | None
    reports: dict[str, str]                # report -> item key
    fields: dict[str, dict[str, str]]      # report -> slot -> field

    @classmethod
    def of(cls, catalogue: Catalogue, scheme: SubsidyScheme) -> "Sources":
        item = declarations.role_item(catalogue, "agreements")
        if item is None:   # the loader refuses a claim item when nothing plays `agreements`
            raise LookupError("no item plays the `agreements` role")
        return cls(item.key, declarations.role_fields(item).get("name"),
                   {r: spec["item"] for r, spec in scheme.reports.items()},
                   {r: dict(spec["fields"]) for r, spec in scheme.reports.items()})


def _json(column, key: str | None, kind: str):
    """One field of a row's JSON data as a SQL value (NULL when the scheme names no such field)."""
    if key is None:
        return func.nullif(1, 1)
    value = column[key]
    return {"string": value.as_string, "integer": value.as_integer, "float": value.as_float}[kind]()


def unit_scope(column, unit_ids: Iterable[int] | None = None, city: str | None = None):
    """The units a computation covers: given ones, or every unit located in a city."""
    if city is not None:
        return column.in_(select(Unit.id).where(Unit.city_code == city))
    return column.in_(list(unit_ids or ()))


def gather(session, sources: Sources, scheme: SubsidyScheme, period: Period, unit_ids=None, city=None,
           exclude_claim: int | None = None) -> Facts:
    """The facts for these units over the period, in seven queries."""
    facts = Facts()
    a = BatchRow
    active_agreement = (a.item_key == sources.agreements, a.active.is_(True),
                        a.start_date <= period.last_day, a.end_date >= period.first_day)
    ours = (*active_agreement, unit_scope(a.unit_id, unit_ids, city))
    people = select(a.id_number).where(*ours)
    rows = session.execute(
        select(a.id, a.case_id, a.unit_id, a.id_number, _json(a.data, sources.name_field, "string"),
               a.start_date, a.end_date, func.coalesce(Position.county_code, Unit.county_code))
        .select_from(a).join(Unit, Unit.id == a.unit_id).outerjoin(Position, Position.id == a.position_id)
        .where(*ours).order_by(a.unit_id, a.id_number, a.start_date))
    facts.agreements = [Agreement(*r) for r in rows]
    if not facts.agreements:
        return facts

    s = aliased(BatchRow)
    status_fields = sources.fields.get("status", {})
    status = _json(s.data, status_fields.get("status"), "string")
    for r in session.execute(select(
            s.unit_id, s.id_number, s.month, s.case_id, status, _json(s.data, status_fields.get("days"), "integer"),
            _json(s.data, status_fields.get("allowance_paid"), "float"),
            _json(s.data, status_fields.get("change_date"), "string"))
            .where(s.item_key == sources.reports["status"], s.active.is_(True), s.month >= period.start,
                   s.month <= period.end, unit_scope(s.unit_id, unit_ids, city))):
        facts.status[(r[0], r[1], r[2])] = StatusRow(*r[3:])
    ending = scheme.ending()
    if ending:
        for unit_id, id_number, first in session.execute(
                select(s.unit_id, s.id_number, func.min(s.month))
                .where(s.item_key == sources.reports["status"], s.active.is_(True), s.month < period.start,
                       status.in_(ending), unit_scope(s.unit_id, unit_ids, city))
                .group_by(s.unit_id, s.id_number)):
            facts.ended_before[(unit_id, id_number)] = first

    if "attendance" in sources.reports:
        t = aliased(BatchRow)
        att = sources.fields["attendance"]
        for r in session.execute(select(
                t.unit_id, t.id_number, t.month, t.case_id, _json(t.data, att.get("required_days"), "integer"),
                _json(t.data, att.get("attended_days"), "integer"))
                .where(t.item_key == sources.reports["attendance"], t.active.is_(True), t.month >= period.start,
                       t.month <= period.end, unit_scope(t.unit_id, unit_ids, city))):
            facts.attendance[(r[0], r[1], r[2])] = AttendanceRow(*r[3:])

    # The same people's agreements anywhere (another unit's in the same month is a double match).
    b = aliased(BatchRow)
    others = defaultdict(list)
    for id_number, unit_id, start, end in session.execute(
            select(b.id_number, b.unit_id, b.start_date, b.end_date)
            .where(b.item_key == sources.agreements, b.active.is_(True), b.start_date <= period.last_day,
                   b.end_date >= period.first_day, b.id_number.in_(people))):
        others[id_number].append((unit_id, start, end))
    facts.others = dict(others)

    # Their months already counted in claims (this one's own lines aside).
    counted = (select(ClaimLine.id_number, ClaimLine.month, ClaimLine.agreement_start, ClaimLine.retention_fen,
                      ClaimLine.unit_id, Case.reference)
               .join(SubsidyClaim, SubsidyClaim.id == ClaimLine.claim_id).join(Case, Case.id == SubsidyClaim.case_id)
               .where(ClaimLine.counted.is_(True), ClaimLine.id_number.in_(people)))
    if exclude_claim is not None:
        counted = counted.where(ClaimLine.claim_id != exclude_claim)
    used: dict[tuple, int] = defaultdict(int)
    for id_number, month, start, retention, unit_id, reference in session.execute(counted):
        facts.claimed[(id_number, month)] = (unit_id, reference)
        used[(id_number, start)] += 1
        if retention:
            facts.retained.add((id_number, start))
    facts.months_used = dict(used)
    return facts


# ---- the lines ------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Line:
    unit_id: int
    id_number: str
    name: str | None
    month: str
    agreement_start: date
    scheme_version: int | None
    flag: str | None
    basis: str
    sources: dict
    days: int | None = None
    paid_fen: int | None = None
    subsidy_fen: int = 0
    mentor_fen: int = 0
    insurance_fen: int = 0
    retention_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.subsidy_fen + self.mentor_fen + self.insurance_fen + self.retention_fen


@dataclass(frozen=True)
class Pricing:
    """What the pass needs besides the facts: the scheme, the report items' titles (for 缺报 in words), the
    minimum wages."""
    scheme: SubsidyScheme
    sources: Sources
    titles: dict[str, str]                 # report -> the title of its item
    regions: RegionTable

    @classmethod
    def of(cls, catalogue: Catalogue, scheme: SubsidyScheme, sources: Sources | None = None) -> "Pricing":
        sources = sources or Sources.of(catalogue, scheme)
        titles = {r: (catalogue.item(k).title if catalogue.item(k) else k) for r, k in sources.reports.items()}
        return cls(scheme, sources, titles, load_regions())


def compute_lines(pricing: Pricing, facts: Facts, period: Period) -> list[Line]:
    """One line per trainee and month of the period within the agreement, until a status that ends it."""
    out: list[Line] = []
    period_months = period.months()
    for a in facts.agreements:
        first, last = month_of(a.start), month_of(a.end)
        ended = facts.ended_before.get((a.unit_id, a.id_number))
        if ended is not None and ended >= first:
            continue   # left, retained or completed before the period
        state = {"used": facts.months_used.get((a.id_number, a.start), 0),
                 "retained": (a.id_number, a.start) in facts.retained}
        rivals = [o for o in facts.others.get(a.id_number, ()) if o[0] != a.unit_id]
        for month in period_months:
            if month < first or month > last:
                continue
            line, ends = _month(pricing, facts, a, month, rivals, state)
            out.append(line)
            if ends:
                break
    return out


def _flagged(a: Agreement, month: str, version: SchemeVersion | None, flag: str, basis: str, sources: dict) -> Line:
    return Line(a.unit_id, a.id_number, a.name, month, a.start, version.version if version else None, flag,
                f"{month}：{basis}", sources)


def _month(pricing: Pricing, facts: Facts, a: Agreement, month: str, rivals: list, state: dict) -> tuple[Line, bool]:
    scheme = pricing.scheme
    key = (a.unit_id, a.id_number, month)
    status, att = facts.status.get(key), facts.attendance.get(key)
    sources = {"agreement": a.case_id}
    if status is not None:
        sources["status"] = status.case_id
    if att is not None:
        sources["attendance"] = att.case_id
    meaning = scheme.statuses.get(status.status, {}) if status is not None else {}
    ends = bool(meaning.get("ends"))
    v = scheme.version_for(month)
    if v is None:
        return _flagged(a, month, None, "no_scheme", "该月没有适用的补贴方案版本，不计发", sources), ends
    reports = {"status": status, "attendance": att}
    missing = [r for r in v.needs if reports.get(r) is None]
    if missing:
        sources["missing"] = [pricing.sources.reports[r] for r in missing if r in pricing.sources.reports]
        what = "、".join(pricing.titles.get(r, REPORT_LABELS.get(r, r)) for r in missing)
        return _flagged(a, month, v, "missing", f"缺少{what}，补报后重新计算", sources), ends
    if (a.id_number, month) in facts.claimed:
        unit_id, reference = facts.claimed[(a.id_number, month)]
        where = f"申领{reference}" if unit_id == a.unit_id and reference else "其他申领"
        return _flagged(a, month, v, "claimed", f"该月已在{where}中计发，不重复计发", sources), ends
    first_day, last_day = month_days(month)
    if any(start <= last_day and first_day <= end for _, start, end in rivals):
        return _flagged(a, month, v, "duplicate", "该人员本月另与其他单位签有见习协议，不予自动计发，请核实", sources), ends
    if state["used"] >= v.max_months:
        return _flagged(a, month, v, "over_limit",
                        f"本协议已计发{state['used']}个月，达到每个协议最多{v.max_months}个月", sources), ends
    wage = pricing.regions.minimum_wage(a.county)
    if not wage:
        return _flagged(a, month, v, "unpriced", "无法确定见习岗位所在县的最低工资标准，不计发", sources), ends

    # The month's share: days / days in month, attended / required days, or the whole month.
    dim = days_in(month)
    if v.prorate == "days":
        num, den = min(max(status.days or 0, 0), dim), dim
        said = f"{status.status}{status.days or 0}天" if status.days is not None else status.status
    elif v.prorate == "attendance":
        num, den = max(att.attended or 0, 0), max(att.required or 0, 0)
        num = min(num, den)
        said = f"{status.status}，出勤{att.attended or 0}/{att.required or 0}天"
    else:
        num, den, said = 1, 1, status.status
    if status.change_date and meaning.get("ends"):
        said += f"（变动日期{status.change_date}）"
    line = _flagged(a, month, v, None, "", sources)
    line.days = status.days
    paid = yuan_to_fen(status.paid) if status.paid is not None else None
    line.paid_fen = paid
    if num == 0 or den == 0:
        line.flag = "no_days"
        line.basis = f"{month}：{said}，本月无见习天数，不计发"
        return line, ends

    # The share of min(minimum wage × num/den, paid), exactly, rounded once: integers, no floats.
    wage_fen = wage * 100
    ratio = f"×{num}/{den}" if num != den else ""
    if v.capped_by_paid and paid is not None and paid * den < wage_fen * num:
        shown = f"实发{yuan(paid)}元（低于最低工资{yuan(wage_fen)}元{ratio}）"
        line.subsidy_fen = fen(paid * v.share_percent, 100)
    else:
        shown = f"最低工资{yuan(wage_fen)}元{ratio}"
        line.subsidy_fen = fen(wage_fen * num * v.share_percent, den * 100)
    parts = [said]
    if paid is not None:
        parts.append(f"实发{yuan(paid)}元")
    parts.append(f"按{shown}×{v.share_percent}%计{yuan(line.subsidy_fen)}元")
    text = "，".join(parts)
    extras = []
    if v.mentor_fee:
        line.mentor_fen = v.mentor_fee * 100
        extras.append(f"带教费{yuan(line.mentor_fen)}元")
    if v.insurance:
        line.insurance_fen = v.insurance * 100
        extras.append(f"意外伤害保险补贴{yuan(line.insurance_fen)}元")
    kind = meaning.get("retained")
    if kind and not state["retained"] and v.retention.get(kind):
        line.retention_fen = v.retention[kind] * 100
        extras.append(f"{status.status}一次性补贴{yuan(line.retention_fen)}元")
        state["retained"] = True
    line.basis = f"{month}：{text}" + "".join(f"；{e}" for e in extras)
    state["used"] += 1
    return line, ends


def totals(lines: list[Line]) -> dict:
    """Counts and sums of a claim's lines."""
    paid = [x for x in lines if x.flag is None]
    by_flag: dict[str, int] = defaultdict(int)
    for x in lines:
        if x.flag:
            by_flag[x.flag] += 1
    return {"lines": len(lines), "paid": len(paid), "flagged": len(lines) - len(paid),
            "total_fen": sum(x.total_fen for x in paid), "by_flag": dict(by_flag)}
