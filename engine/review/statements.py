"""The queue's SQL, built once per shape of the filters and cached: every count and page is one range of the
(region, state, submitted_at, id, item_key, submitted_month) indexes, or, by deadline and for 即将超期 and
已超期, of the partial (region, state, deadline_on, id, ...) indexes that hold only running clocks."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Date, and_, bindparam, false, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from engine import access, formats
from engine.definitions.model import Catalogue
from engine.models import Account, Case, Unit
from engine.regions import load_regions
from engine.states import StateChoice
from engine.review.filters import QueueQuery


def queue_spec(catalogue: Catalogue, pairs: dict[str, set[str]]) -> tuple[tuple, bool]:
    """The queue as a hashable spec, ((workflow, (states...)), ...), and whether the state names alone are
    unambiguous (they are for the shipped workflows), so the region + state indexes serve the queue."""
    spec = tuple((w, tuple(sorted(st))) for w, st in sorted(pairs.items()))
    names = set().union(*pairs.values()) if pairs else set()
    unambiguous = all(name not in wf.state_names or name in pairs.get(wf.key, set())
                      for wf in catalogue.workflows.values() for name in names)
    return spec, unambiguous


def _queue_clause(spec: tuple, unambiguous: bool):
    if not spec:
        return false()
    if unambiguous:
        names = sorted({n for _, states in spec for n in states})
        return Case.state == names[0] if len(names) == 1 else Case.state.in_(names)
    return or_(*(and_(Case.workflow_key == w, Case.state.in_(states)) for w, states in spec))


def _region(query: QueueQuery, jurisdiction: str | None) -> tuple[str, str | None] | None:
    """The narrower of the jurisdiction and the city/county filter as ("all"|"city"|"county", code), so a
    single region index answers; None when the filter lies outside the jurisdiction (nothing matches)."""
    regions = load_regions()
    level = access.level_of(jurisdiction)
    if level is None:
        return None
    if query.county:
        return ("county", query.county) if regions.contains(jurisdiction, query.county) else None
    if query.city:
        if level == "province" or (level == "city" and query.city == jurisdiction):
            return "city", query.city
        if level == "county" and regions.county_in_city(jurisdiction, query.city):
            return "county", jurisdiction
        return None
    return ("all", None) if level == "province" else (level, jurisdiction)


def filter_shape(query: QueueQuery, jurisdiction: str | None, unit_ids: list[int] | None,
                 board=None, below: str | None = None) -> tuple[tuple, dict] | None:
    """The filters as (shape, parameters): the shape picks a statement built once and cached, the
    parameters fill it. None when nothing can match. `board` (engine.deadlines.Countdown) gives today's
    bounds of 即将超期 and 已超期; `below`, a supervisor's level, narrows to the jurisdictions below it."""
    region = _region(query, jurisdiction)
    if region is None or (unit_ids is not None and not unit_ids):
        return None
    kind, code = region
    shape, params = [kind], {"region": code} if code else {}
    if below is not None:
        shape.append(("below", below))
    if board is not None:
        params.update(today=board.today, warn_before=board.warn_before)
        if query.deadline:
            shape.append(("deadline", query.deadline))
    if query.item:
        shape.append("item")
        params["item"] = query.item
    if query.month:
        # 申办月份 is submitted_month; the submitted_at range around it (a day of slack either side: months
        # taken before engine.clock were UTC or server-local ones) lets the index narrow the scan to that month.
        y, m = map(int, query.month.split("-"))
        shape.append("month")
        params.update(month=query.month, start=datetime(y, m, 1) - timedelta(days=1),
                      end=datetime(y + (m == 12), m % 12 + 1, 1) + timedelta(days=1))
    if unit_ids is not None:
        shape.append("units")
        params["units"] = unit_ids
    return tuple(shape), params


def _conditions(shape: tuple) -> list:
    """Conditions besides the state, as bound parameters. Each is on a column of the (region, state,
    submitted_at, id, item_key, submitted_month) indexes: with the state fixed, one index range."""
    conds = [access.submitted_clause()]   # drafts are never the reviewer's to see
    if shape[0] == "city":
        conds.append(Case.city_code == bindparam("region"))
    elif shape[0] == "county":
        conds.append(Case.county_code == bindparam("region"))
    if "item" in shape:
        conds.append(Case.item_key == bindparam("item"))
    if "month" in shape:
        conds += [Case.submitted_at >= bindparam("start"), Case.submitted_at < bindparam("end"),
                  Case.submitted_month == bindparam("month")]
    if "units" in shape:
        conds.append(Case.unit_id.in_(bindparam("units", expanding=True)))
    for part in shape:
        if isinstance(part, tuple) and part[0] == "below":
            conds.append(access.below_clause(part[1]))
        elif isinstance(part, tuple) and part[0] == "deadline":
            conds.append(_deadline_clause(part[1]))
    return conds


def _deadline_clause(level: str):
    """即将超期 (at most the warning days left) or 已超期, as a range of deadline_on: the bounds are today's."""
    if level == "overdue":
        return Case.deadline_on < bindparam("today", type_=Date)
    return and_(Case.deadline_on >= bindparam("today", type_=Date),
                Case.deadline_on < bindparam("warn_before", type_=Date))


def without_deadline(shape: tuple) -> tuple:
    return tuple(p for p in shape if not (isinstance(p, tuple) and p[0] == "deadline"))


def _capped(where: list, cap: int):
    inner = select(literal(1).label("one")).select_from(Case).where(*where).limit(cap + 1).subquery()
    return select(func.count()).select_from(inner)


@lru_cache(maxsize=256)
def counts_statement(shape: tuple, choices: tuple[StateChoice, ...], cap: int):
    """One count per state choice (UNION ALL, one round trip), each a range of the region/state index
    where a GROUP BY would read the whole jurisdiction; each stops at the cap (shown as "10000+"), so a
    city's years of approved cases cost no more than its backlog. Built once per shape: constructing it
    costs more than running it."""
    base = _conditions(shape)
    return union_all(*(select(literal(c.key).label("state"), _capped([*base, c.condition()], cap).scalar_subquery()
                              .label("n")) for c in choices))


def _where(shape: tuple, where_key: tuple) -> list:
    base = _conditions(shape)
    if where_key[0] == "state":
        return [*base, where_key[1].condition()]
    return [*base, _queue_clause(where_key[1], where_key[2])]


# oldest, newest; by deadline the running clocks soonest due first, then (undated) the cases with none.
_ORDERS = {"oldest": (Case.submitted_at.asc(), Case.id.asc()), "newest": (Case.submitted_at.desc(), Case.id.desc()),
           "deadline": (Case.deadline_on.asc(), Case.id.asc()), "undated": (Case.submitted_at.asc(), Case.id.asc())}


def _dated(order: str) -> list:
    # Repeats the deadline indexes' predicate, so SQLite sees that they apply.
    return {"deadline": [Case.deadline_on.is_not(None)], "undated": [Case.deadline_on.is_(None)]}.get(order, [])


@lru_cache(maxsize=256)
def page_statement(shape: tuple, where_key: tuple, order_by: str):
    """One page: the ids from the narrow index first, then only those rows with their unit and claimer."""
    where = [*_where(shape, where_key), *_dated(order_by)]
    order = _ORDERS[order_by]
    ids = (select(Case.id).where(*where).order_by(*order)
           .limit(bindparam("limit")).offset(bindparam("offset")).subquery())
    claimer = aliased(Account)
    return (select(Case.id, Case.reference, Case.item_key, Case.workflow_key, Case.state, Case.city_code,
                   Case.county_code, Case.submitted_at, Case.submitted_month, Case.claimed_by, Case.claimed_at,
                   Case.version, Unit.name, Unit.credit_code, claimer.name, Case.deadline_on, Case.clock)
            .join(ids, ids.c.id == Case.id)
            .outerjoin(Unit, Unit.id == Case.unit_id)
            .outerjoin(claimer, claimer.id == Case.claimed_by)
            .order_by(*order))


@lru_cache(maxsize=256)
def dated_count_statement(shape: tuple, where_key: tuple):
    """How many of the selection have a running clock (where the undated ones start, by deadline)."""
    return select(func.count()).select_from(
        select(Case.id).where(*_where(shape, where_key), *_dated("deadline")).subquery())


@lru_cache(maxsize=256)
def deadline_counts_statement(shape: tuple, where_key: tuple, cap: int):
    """How many of the selection are 即将超期 and 已超期, each capped: two ranges of the deadline indexes."""
    where = _where(without_deadline(shape), where_key)
    return union_all(*(select(literal(level).label("level"),
                              _capped([*where, _deadline_clause(level)], cap).scalar_subquery().label("n"))
                       for level in ("warning", "overdue")))


@lru_cache(maxsize=256)
def queue_count_statement(shape: tuple, spec: tuple, unambiguous: bool, cap: int):
    return _capped([*_conditions(shape), _queue_clause(spec, unambiguous)], cap)


MAX_UNIT_MATCHES = 500


def matching_units(session, q: str) -> list[int]:
    """Units whose name contains q or whose credit code is q. Resolved first, so the cases query can
    use the unit index instead of scanning the whole jurisdiction."""
    code = formats.normalize_code(q)
    return list(session.scalars(select(Unit.id).where(
        or_(Unit.name.contains(q, autoescape=True), Unit.credit_code == code)).limit(MAX_UNIT_MATCHES)))
