"""The figures of 数据统计 over a jurisdiction and a period: each by month and by city or county of the scope.

No item and no field is named: the unit applications are the item playing `unit_approval` (approved: its
`role.when`), positions the `positions` rows that items' `publish` made, agreements the `agreements` item's
active rows (by their start date), the on-duty report and its status field the claim items' scheme's
`reports.status` (what a status means: the scheme's `statuses`), claims the items of kind `claim` (审核通过 and
已拨付: the states their workflow marks `outcome`), overdue the cases' clocks (engine/deadlines.py).

One GROUP BY per source over (month, region), each scoped by engine.access.jurisdiction_clause; the months,
the bars and the totals are sums of those groups, so they always agree. Amounts stay in fen here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal_column, or_, select

from engine import access, clock, declarations, deadlines
from engine.models import BatchRow, Case, Intent, Position, SubsidyClaim, Unit
from engine.regions import CITY, PROVINCE, load_regions
from engine.stats.period import Period, shift

COUNT, FEN, PERCENT = "count", "fen", "percent"
UNLOCATED = ""     # the bar of rows whose unit or case has no 业务办理归属地 yet (province scope only)

RETENTION_TEXT = "留用率 = 留用人数 ÷（留用人数 + 离岗人数），离岗含中止见习和期满未留用，按月报中结束见习的状态计"


def retention_rate(retained: int, left: int) -> float | None:
    """留用率 in percent (one decimal), None when nobody ended an internship: the one definition of it."""
    ended = retained + left
    return round(retained * 100 / ended, 1) if ended else None


@dataclass(frozen=True)
class Spec:
    key: str
    title: str
    unit: str                          # what the numbers count: 家, 个, 人, 件, 元
    series: tuple[tuple[str, str], ...]
    note: str
    kind: str = COUNT
    chart: tuple[str, ...] = ()        # the series charted (all of them when empty)


SPECS: tuple[Spec, ...] = (
    Spec("units", "见习单位", "家", (("applied", "申请单位"), ("approved", "审核通过")),
         "按首次提交见习单位申请的月份统计；审核通过为其中已通过认定的申请（变更申请不计）"),
    Spec("positions", "见习岗位", "个", (("published", "发布岗位"),), "按岗位发布的月份统计"),
    Spec("openings", "招募人数", "人", (("openings", "招募人数"),), "所发布岗位的招募人数之和，按发布月份统计"),
    Spec("intents", "求职意向", "人次", (("intents", "意向人次"),), "按表达意向的月份统计，不含已撤回的意向；地区为岗位所在地"),
    Spec("trainees", "见习人员", "人", (("matched", "新匹配上岗"), ("on_duty", "在岗")),
         "新匹配上岗按见习协议开始月份统计；在岗为各月在岗情况月报中在岗的人数（合计为人月）；地区为单位业务办理归属地"),
    Spec("retention", "离岗与留用", "人", (("left", "离岗"), ("retained", "留用"), ("rate", "留用率（%）")),
         RETENTION_TEXT, chart=("rate",)),
    Spec("claims", "补贴申领", "件", (("claimed", "申领"), ("approved", "审核通过"), ("paid", "已拨付")),
         "按提交申领的月份统计；审核通过含公示中、待拨付和已拨付"),
    Spec("amounts", "补贴金额", "元", (("claimed", "申领金额"), ("approved", "审核通过金额"), ("paid", "已拨付金额")),
         "申领计算的补贴合计，按提交申领的月份统计", kind=FEN),
    Spec("overdue", "超期办件", "件", (("overdue", "超期办件"),),
         "按提交月份统计：已超过办理时限仍未办结的和超期办结的办件"),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}


@dataclass(frozen=True)
class Region:
    code: str          # UNLOCATED for rows not yet located
    label: str


@dataclass
class Figure:
    spec: Spec
    months: list[str]
    regions: list[Region]
    by_month: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    by_region: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    total: dict[str, float | int | None] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def chart_series(self) -> list[tuple[str, str]]:
        keys = self.spec.chart or tuple(k for k, _ in self.spec.series)
        return [(k, label) for k, label in self.spec.series if k in keys]

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.spec.title, "unit": self.spec.unit, "note": self.spec.note,
                "amounts_in": "fen" if self.spec.kind == FEN else None,
                "series": [{"key": k, "label": label} for k, label in self.spec.series],
                "total": self.total,
                "by_month": [{"month": m, **self.by_month[m]} for m in self.months],
                "by_region": [{"code": r.code or None, "label": r.label, **self.by_region[r.code]}
                              for r in self.regions]}


@dataclass
class Statistics:
    scope: str                  # the jurisdiction's code (the province for administrators)
    scope_label: str
    period: Period
    figures: list[Figure]
    breakdown: str              # 城市 or 县（市、区）
    as_of: datetime | None = None   # 数据截至: when the rollup it was read from was counted (None: counted now)

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


# ---- scope and SQL pieces ---------------------------------------------------------

def _regions(scope: str) -> tuple[list[Region], str]:
    """The bars of a scope: the province's cities, a city's counties, a county itself."""
    table = load_regions()
    level = access.level_of(scope)
    if level == PROVINCE:
        return [Region(c.code, c.name) for c in table.cities()], "城市"
    if level == CITY:
        return [Region(c.code, c.name) for c in table.counties(scope)], "县（市、区）"
    return [Region(scope, table.label(scope))], "县（市、区）"


def _by_city(scope: str) -> bool:
    return access.level_of(scope) == PROVINCE


def _dialect(session) -> str:
    return session.get_bind().dialect.name


def _beijing_month(session, column):
    """A stored (naive UTC) time's Beijing month "YYYY-MM" in SQL (Beijing has no summer time: +8 hours)."""
    if _dialect(session) == "postgresql":
        return func.to_char(column + literal_column("interval '8 hours'"), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _date_month(session, column):
    if _dialect(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


def _flag(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _amount(condition, column):
    return func.coalesce(func.sum(case((condition, column), else_=0)), 0)


# ---- the sources --------------------------------------------------------------------

def _units(session, catalogue, scope, period):
    item = declarations.role_item(catalogue, "unit_approval")
    if item is None:
        return []
    region = (Case.city_code, Case.county_code)
    when = declarations.role_state(item)
    return session.execute(
        select(Case.submitted_month, *region, func.count(), _flag(Case.state == when))
        .where(Case.item_key == item.key, Case.submitted_at.is_not(None), Case.change_of.is_(None),
               Case.submitted_month.between(period.first, period.last),
               access.jurisdiction_clause(scope))
        .group_by(Case.submitted_month, *region)).all()


def _positions(session, scope, period):
    start, end = clock.beijing_month(period.first)[0], clock.beijing_month(period.last)[1]
    month = _beijing_month(session, Position.published_at)
    region = (Position.city_code, Position.county_code)
    return session.execute(
        select(month, *region, func.count(), func.coalesce(func.sum(Position.openings), 0))
        .where(Position.published_at >= start, Position.published_at < end,
               access.jurisdiction_clause(scope, Position.city_code, Position.county_code))
        .group_by(month, *region)).all()


def _intents(session, scope, period):
    start, end = clock.beijing_month(period.first)[0], clock.beijing_month(period.last)[1]
    month = _beijing_month(session, Intent.created_at)
    region = (Position.city_code, Position.county_code)
    return session.execute(
        select(month, *region, func.count())
        .join(Position, Position.id == Intent.position_id)
        .where(Intent.created_at >= start, Intent.created_at < end, Intent.withdrawn_at.is_(None),
               access.jurisdiction_clause(scope, Position.city_code, Position.county_code))
        .group_by(month, *region)).all()


def _agreements(session, catalogue, scope, period):
    item = declarations.role_item(catalogue, "agreements")
    if item is None:
        return []
    month = _date_month(session, BatchRow.start_date)
    region = (Unit.city_code, Unit.county_code)
    return session.execute(
        select(month, *region, func.count())
        .join(Unit, Unit.id == BatchRow.unit_id)
        .where(BatchRow.item_key == item.key, BatchRow.active.is_(True),
               BatchRow.start_date >= _first_day(period.first),
               BatchRow.start_date < _first_day(shift(period.last, 1)),
               access.jurisdiction_clause(scope, Unit.city_code, Unit.county_code))
        .group_by(month, *region)).all()


def status_source(catalogue):
    """(status item key, status field, on-duty values, left values, retained values) from the scheme of the
    first claim item that names one, or None."""
    for item in catalogue.items.values():
        scheme = catalogue.scheme(declarations.claim_scheme(item))
        if scheme is None or not scheme.report_item("status") or not scheme.report_field("status", "status"):
            continue
        on = tuple(s for s, m in scheme.statuses.items() if not m.get("ends"))
        retained = tuple(s for s, m in scheme.statuses.items() if m.get("ends") and m.get("retained"))
        left = tuple(s for s, m in scheme.statuses.items() if m.get("ends") and not m.get("retained"))
        return scheme.report_item("status"), scheme.report_field("status", "status"), on, left, retained
    return None


def _statuses(session, catalogue, scope, period):
    source = status_source(catalogue)
    if source is None:
        return []
    item_key, status_field, on, left, retained = source
    status = BatchRow.data[status_field].as_string()
    region = (Unit.city_code, Unit.county_code)
    return session.execute(
        select(BatchRow.month, *region, _flag(status.in_(on or ("",))), _flag(status.in_(left or ("",))),
               _flag(status.in_(retained or ("",))))
        .join(Unit, Unit.id == BatchRow.unit_id)
        .where(BatchRow.item_key == item_key, BatchRow.active.is_(True),
               BatchRow.month.between(period.first, period.last),
               access.jurisdiction_clause(scope, Unit.city_code, Unit.county_code))
        .group_by(BatchRow.month, *region)).all()


def claim_states(catalogue) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """The claim items' keys, and the states of their workflows marked approved (or paid) and paid."""
    keys, approved, paid = [], set(), set()
    for item in catalogue.items.values():
        if item.kind != "claim":
            continue
        keys.append(item.key)
        wf = catalogue.workflows.get(item.workflow_key)
        for s in (wf.states if wf is not None else ()):
            if s.get("outcome") in ("approved", "paid"):
                approved.add(s["name"])
            if s.get("outcome") == "paid":
                paid.add(s["name"])
    return keys, tuple(sorted(approved)) or ("",), tuple(sorted(paid)) or ("",)


def _claims(session, catalogue, scope, period):
    keys, approved, paid = claim_states(catalogue)
    if not keys:
        return []
    region = (Case.city_code, Case.county_code)
    fen = func.coalesce(SubsidyClaim.total_fen, 0)
    is_approved, is_paid = Case.state.in_(approved), Case.state.in_(paid)
    return session.execute(
        select(Case.submitted_month, *region, func.count(), _flag(is_approved), _flag(is_paid),
               func.coalesce(func.sum(fen), 0), _amount(is_approved, fen), _amount(is_paid, fen))
        .outerjoin(SubsidyClaim, SubsidyClaim.case_id == Case.id)
        .where(Case.item_key.in_(keys), Case.submitted_at.is_not(None),
               Case.submitted_month.between(period.first, period.last), access.jurisdiction_clause(scope))
        .group_by(Case.submitted_month, *region)).all()


def _overdue(session, scope, period, today: date):
    region = (Case.city_code, Case.county_code)
    late = or_(Case.clock == deadlines.MISSED,
               and_(Case.clock == deadlines.RUNNING, Case.deadline_on.is_not(None), Case.deadline_on < today))
    return session.execute(
        select(Case.submitted_month, *region, func.count())
        .where(Case.submitted_at.is_not(None), Case.submitted_month.between(period.first, period.last), late,
               access.jurisdiction_clause(scope))
        .group_by(Case.submitted_month, *region)).all()


# ---- putting them together ----------------------------------------------------------

def _empty(spec: Spec) -> dict:
    return {k: 0 for k, _ in spec.series if k != "rate"}


def _figure(spec: Spec, period: Period, regions: list[Region]) -> Figure:
    fig = Figure(spec, period.months, list(regions))
    fig.by_month = {m: _empty(spec) for m in fig.months}
    fig.by_region = {r.code: _empty(spec) for r in fig.regions}
    fig.total = _empty(spec)
    return fig


def _add(fig: Figure, month: str | None, region: str | None, values: dict) -> None:
    code = region or UNLOCATED
    if code not in fig.by_region:
        fig.by_region[code] = _empty(fig.spec)
        fig.regions.append(Region(code, "未确定归属地" if code == UNLOCATED else load_regions().label(code) or code))
    for target in (fig.by_month.get(month), fig.by_region[code], fig.total):
        if target is None:
            continue
        for k, v in values.items():
            target[k] += int(v or 0)


def _rates(fig: Figure) -> None:
    for values in [*fig.by_month.values(), *fig.by_region.values(), fig.total]:
        values["rate"] = retention_rate(values["retained"], values["left"])


def groups(session, catalogue, scope: str, period: Period, today: date):
    """(figure, month, city, county, {series: value}) for every group of rows of the scope and period."""
    for m, c, k, applied, approved in _units(session, catalogue, scope, period):
        yield "units", m, c, k, {"applied": applied, "approved": approved}
    for m, c, k, published, openings in _positions(session, scope, period):
        yield "positions", m, c, k, {"published": published}
        yield "openings", m, c, k, {"openings": openings}
    for m, c, k, n in _intents(session, scope, period):
        yield "intents", m, c, k, {"intents": n}
    for m, c, k, n in _agreements(session, catalogue, scope, period):
        yield "trainees", m, c, k, {"matched": n}
    for m, c, k, on, left, retained in _statuses(session, catalogue, scope, period):
        yield "trainees", m, c, k, {"on_duty": on}
        yield "retention", m, c, k, {"left": left, "retained": retained}
    for m, c, k, n, n_ok, n_paid, fen, fen_ok, fen_paid in _claims(session, catalogue, scope, period):
        yield "claims", m, c, k, {"claimed": n, "approved": n_ok, "paid": n_paid}
        yield "amounts", m, c, k, {"claimed": fen, "approved": fen_ok, "paid": fen_paid}
    for m, c, k, n in _overdue(session, scope, period, today):
        yield "overdue", m, c, k, {"overdue": n}


def assemble(scope: str, period: Period, found, as_of: datetime | None = None) -> Statistics:
    """The figures from groups (figure, month, city, county, values): summed by month, by the scope's city
    (province) or county, and in total; 留用率 last."""
    regions, breakdown = _regions(scope)
    figs = {s.key: _figure(s, period, regions) for s in SPECS}
    by_city = _by_city(scope)
    for key, month, city, county, values in found:
        _add(figs[key], month, city if by_city else county, values)
    _rates(figs["retention"])
    return Statistics(scope, load_regions().label(scope), period, [figs[s.key] for s in SPECS], breakdown, as_of)


def statistics(session, catalogue, account, period: Period, today: date | None = None) -> Statistics:
    """Every figure of the account's scope over the period, counted from the rows now (engine.errors.
    AccessDenied for anyone but reviewers and administrators)."""
    scope = access.check_statistics_scope(account)
    return assemble(scope, period, groups(session, catalogue, scope, period, today or clock.today()))


def yuan(fen: int | None) -> str:
    """An amount in fen as yuan for people: 1,234.50."""
    return "—" if fen is None else f"{fen / 100:,.2f}"


def shown(fig: Figure, key: str, value) -> str:
    """A table cell: yuan for amounts, a percentage for 留用率, the count otherwise."""
    if key == "rate":
        return "—" if value is None else f"{value:.1f}%"
    return yuan(value) if fig.spec.kind == FEN else str(value)
