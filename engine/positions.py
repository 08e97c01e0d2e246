"""Published positions: an approved post application, listed for the public while it is open.

A position is listed while its status is "open", its 招募截止日 has not passed and matched < openings.
The unit or a reviewer may take it down (recorded in position_events). Individuals register 我有意向
once per position (again after withdrawing); the unit sees who did, for its own positions only.
"""
from __future__ import annotations

import io
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from engine import clock, formats, search
from engine.definitions import ItemDefinition
from engine.models import (
    LISTED_SQL, Account, Case, Intent, Position, PositionEvent, SearchVersion, Unit,
)
from engine.paging import Page, page_count, parse_page
from engine.regions import load_regions
from engine.rules import effect
from engine.spreadsheet import neutralise
from engine.validation import FieldError

PER_PAGE = 20
EDUCATIONS = ("不限", "中专", "大专", "本科", "硕士", "博士")
PERIODS = tuple(range(3, 13))
SORTS = {"new": "最新发布", "allowance": "生活补助从高到低"}
STATUS_LABELS = {"open": "招募中", "expired": "已截止", "full": "已招满", "taken_down": "已下架"}


class PositionError(Exception):
    """A refused action on a position or an intent, with the HTTP status a web layer should answer."""

    def __init__(self, message: str, status: int = 422):
        self.message = message
        self.status = status
        super().__init__(message)


# ---------------------------------------------------------------------------
# Publishing (the "publish" / "unpublish" workflow effects)
# ---------------------------------------------------------------------------

def _unit_application(session, unit_id: int) -> dict:
    data = session.scalar(select(Case.data).where(
        Case.unit_id == unit_id, Case.item_key == "unit_application", Case.state == "approved"
    ).order_by(Case.id.desc()).limit(1))
    return data or {}


def _unit_industry(session, unit_id: int) -> str | None:
    return _unit_application(session, unit_id).get("industry")


def publish_case(session, item: ItemDefinition, case: Case) -> Position | None:
    if not item.publish or item.publish["as"] != "position" or item.publish["when"] != case.state:
        return None
    d = case.data
    existing = session.scalar(select(Position).where(Position.case_id == case.id))
    position = existing or Position(case_id=case.id, unit_id=case.unit_id)
    position.name = d["position_name"]
    position.openings = d["openings"]
    position.education = d.get("education")
    position.major = d.get("major")
    position.period_months = d["period_months"]
    position.allowance = int(d["allowance"])
    position.city_code = d["work_city"]
    position.county_code = d["work_county"]
    position.address = d.get("work_address")
    position.deadline = formats.parse_date_text(d.get("deadline")) if d.get("deadline") else None
    position.industry = _unit_industry(session, case.unit_id)
    position.status = "open"
    unit_name = case.unit.name if case.unit else ""
    position.search_text = search.search_text(position.name, unit_name, position.major)
    position.search_tokens = search.search_tokens(position.search_text)
    if existing is None:
        session.add(position)
    return position


def unpublish_case(session, case: Case) -> None:
    position = session.scalar(select(Position).where(Position.case_id == case.id))
    if position is not None:
        position.status = "taken_down"


@effect("publish", doc="entering the item's `publish.when` state publishes the case as a position")
def _publish_effect(case, ctx) -> None:
    publish_case(ctx.session, ctx.catalogue.item(case.item_key), case)


@effect("unpublish", doc="takes the case's position off the public search")
def _unpublish_effect(case, ctx) -> None:
    unpublish_case(ctx.session, case)


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------

def position_status(position: Position, today: date | None = None) -> str:
    today = today or clock.today()
    if position.status != "open":
        return "taken_down"
    if position.matched >= position.openings:
        return "full"
    if position.deadline is not None and position.deadline < today:
        return "expired"
    return "open"


# ---------------------------------------------------------------------------
# Public search
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PositionFilters:
    city: str | None = None
    county: str | None = None
    education: str | None = None
    industry: str | None = None
    period: int | None = None
    min_allowance: int | None = None
    q: str | None = None
    sort: str = "new"
    page: int = 1

    def params(self, **changes) -> dict:
        """The non-default filters as URL parameters (page 1 and the default sort are left out)."""
        out = {}
        for key in FILTER_KEYS:
            value = changes[key] if key in changes else getattr(self, key)
            if value is None or value == "" or (key == "sort" and value == "new") or (key == "page" and value == 1):
                continue
            out[key] = str(value)
        return out


FILTER_KEYS = ("city", "county", "education", "industry", "period", "min_allowance", "q", "sort", "page")


_DIGITS = re.compile(r"^[0-9]{1,9}$")


def _int_param(raw: str, key: str, label: str, low: int, high: int, errors: list) -> int | None:
    text = formats.to_halfwidth(raw).strip().replace(",", "")
    if not text:
        return None
    if not _DIGITS.match(text):
        errors.append(FieldError(f"/{key}", f"{label}请填写整数" if not text.isdigit() or len(text) <= 9
                                 else f"{label}须在{low}至{high}之间"))
        return None
    value = int(text)
    if not low <= value <= high:
        errors.append(FieldError(f"/{key}", f"{label}须在{low}至{high}之间"))
        return None
    return value


def parse_filters(params: Mapping[str, str], industries: tuple[str, ...] = ()) -> tuple[PositionFilters, list]:
    """Filters from URL parameters. A bad value gets a message for its field and is ignored."""
    regions = load_regions()
    errors: list[FieldError] = []

    def get(key):
        value = params.get(key)
        return value.strip() if isinstance(value, str) else ""

    city, county = get("city") or None, get("county") or None
    if county and not regions.is_county(county):
        errors.append(FieldError("/county", "所选县（市、区）不存在"))
        county = None
    if city and not regions.is_city(city):
        errors.append(FieldError("/city", "所选城市不存在"))
        city = None
    if county:
        parent = regions.city_of(county).code
        if city and city != parent:
            errors.append(FieldError("/county", "所选县（市、区）不属于所选城市"))
            county = None
        else:
            city = parent
    education = get("education") or None
    if education and education not in EDUCATIONS:
        errors.append(FieldError("/education", "学历要求的选项无效"))
        education = None
    industry = get("industry") or None
    if industry and industries and industry not in industries:
        errors.append(FieldError("/industry", "行业的选项无效"))
        industry = None
    period = _int_param(get("period"), "period", "见习期限", PERIODS[0], PERIODS[-1], errors)
    min_allowance = _int_param(get("min_allowance"), "min_allowance", "最低生活补助", 0, 100000, errors)
    q = search.normalize(get("q"))[:search.MAX_KEYWORD] or None
    if q and not search.terms(q):
        errors.append(FieldError("/q", "关键词须包含汉字、字母或数字"))
        q = None
    sort = get("sort") or "new"
    if sort not in SORTS:
        sort = "new"
    page = parse_page(get("page"))
    return PositionFilters(city, county, education, industry, period, min_allowance, q, sort, page), errors


@dataclass
class PositionSummary:
    id: int
    name: str
    unit_name: str
    city_code: str
    county_code: str
    region: str
    education: str | None
    major: str | None
    industry: str | None
    period_months: int
    allowance: int
    openings: int
    remaining: int
    deadline: date | None
    published_at: datetime

    def as_json(self) -> dict:
        out = asdict(self)
        out["deadline"] = self.deadline.isoformat() if self.deadline else None
        out["published_at"] = clock.isoformat(self.published_at)
        return out


@dataclass
class SearchResult:
    items: list[PositionSummary]
    total: int
    page: int
    per_page: int
    filters: PositionFilters
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = page_count(self.total, self.per_page)
        self._json = None
        self._bytes = None

    def as_json(self) -> dict:
        # Cached results are shared between requests: build the JSON once, never mutate it.
        if self._json is None:
            self._json = {"total": self.total, "page": self.page, "pages": self.pages,
                          "per_page": self.per_page, "filters": self.filters.params(page=self.page),
                          "items": [i.as_json() for i in self.items]}
        return self._json

    def json_bytes(self) -> bytes:
        if self._bytes is None:
            self._bytes = json.dumps(self.as_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self._bytes


# SQLite's planner prefers the older (status, city) indexes, which make it read every row; the partial
# "listed" indexes (models.LISTED_INDEXES) carry every filter column and never touch the table, so the
# search names one: for the count the narrowest range, for the page one already in the wanted order.
def _sqlite_index(filters: PositionFilters, for_count: bool) -> str:
    if filters.county:
        return "ix_positions_listed_county"
    if filters.city:
        return "ix_positions_listed_city"
    if filters.q:
        return "ix_positions_listed_id"  # probed by each keyword hit
    if filters.sort == "allowance" and not for_count:
        return "ix_positions_listed_allowance"
    if for_count and filters.education:
        return "ix_positions_listed_education"
    if for_count and filters.min_allowance:
        return "ix_positions_listed_allowance"
    return "ix_positions_listed_new"


def _where(dialect: str, filters: PositionFilters) -> tuple[list[str], dict]:
    # LISTED_SQL is repeated literally (not as parameters) so the partial indexes' WHERE is implied.
    where = [LISTED_SQL, "(deadline IS NULL OR deadline >= :today)"]
    params: dict = {}
    if filters.county:
        where.append("county_code = :county")
        params["county"] = filters.county
    elif filters.city:
        where.append("city_code = :city")
        params["city"] = filters.city
    for key, column in (("education", "education"), ("industry", "industry"), ("period", "period_months")):
        value = getattr(filters, key)
        if value:
            where.append(f"{column} = :{key}")
            params[key] = value
    if filters.min_allowance:
        where.append("allowance >= :min_allowance")
        params["min_allowance"] = filters.min_allowance
    kw_where, kw_params = search.keyword_sql(dialect, filters.q)
    return where + kw_where, {**params, **kw_params}


def _statement(sql: str, params: dict, today: date):
    return text(sql).bindparams(bindparam("today", today, type_=Date),
                                *(bindparam(k, v) for k, v in params.items()))


def _hint(dialect: str, filters: PositionFilters, for_count: bool) -> str:
    return f" INDEXED BY {_sqlite_index(filters, for_count)}" if dialect == "sqlite" else ""


def _count(session, dialect: str, filters: PositionFilters, where: list[str], params: dict, today: date) -> int:
    if dialect == "sqlite" and where[2:] == []:
        # Everything listed: two range scans of the deadline index instead of a test on every entry.
        hint = "INDEXED BY ix_positions_listed_deadline"
        sql = (f"SELECT (SELECT count(*) FROM positions {hint} WHERE {LISTED_SQL} AND deadline IS NULL)"
               f" + (SELECT count(*) FROM positions {hint} WHERE {LISTED_SQL} AND deadline >= :today)")
        return session.scalar(_statement(sql, {}, today))
    sql = f"SELECT count(*) FROM positions{_hint(dialect, filters, True)} WHERE " + " AND ".join(where)
    return session.scalar(_statement(sql, params, today))


def _order(filters: PositionFilters) -> str:
    return ("allowance DESC, " if filters.sort == "allowance" else "") + "published_at DESC, id DESC"


def _page_ids(session, dialect, filters, where, params, today, limit, offset) -> list[int]:
    sql = (f"SELECT id FROM positions{_hint(dialect, filters, False)} WHERE " + " AND ".join(where) +
           f" ORDER BY {_order(filters)} LIMIT :limit OFFSET :offset")
    return list(session.scalars(_statement(sql, {**params, "limit": limit, "offset": offset}, today)))


def _keyword_page(session, dialect, filters, where, params, today, per_page) -> tuple[int, list[int]]:
    """Keyword hits are visited once for both the total and the page (a window count)."""
    offset = (filters.page - 1) * per_page
    if dialect == "postgresql":
        # Every hit is needed for the total anyway; materialised, PostgreSQL fetches them through the
        # bigram index instead of walking the date index in the hope of twenty early ones.
        sql = ("WITH hits AS MATERIALIZED (SELECT id, published_at, allowance FROM positions WHERE "
               + " AND ".join(where) + f") SELECT id, count(*) OVER () FROM hits ORDER BY {_order(filters)}"
               " LIMIT :limit OFFSET :offset")
    else:
        sql = (f"SELECT id, count(*) OVER () FROM positions{_hint(dialect, filters, False)} WHERE "
               + " AND ".join(where) + f" ORDER BY {_order(filters)} LIMIT :limit OFFSET :offset")
    rows = session.execute(_statement(sql, {**params, "limit": per_page, "offset": offset}, today)).all()
    if rows:
        return rows[0][1], [r[0] for r in rows]
    if filters.page == 1:
        return 0, []
    total = _count(session, dialect, filters, where, params, today)  # past the last page: go to it
    last = Page(filters.page, per_page, total).within()
    return total, _page_ids(session, dialect, filters, where, params, today, per_page, last.offset)


class _ResultCache:
    """Search results of this process, keyed by the filters, the day and search_versions' counter
    (raised by triggers in every writer's transaction), so a hit is never older than the data."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


RESULT_CACHE = _ResultCache(256)


_VERSION = select(SearchVersion.version).where(SearchVersion.name == "positions")


def search_version(session) -> int | None:
    return session.scalar(_VERSION)


def _cache_key(url, version: int, today: date, per_page: int, filters: PositionFilters) -> tuple:
    return (url, version, today, per_page, filters)


def cached_search(engine, filters: PositionFilters, today: date | None = None,
                  per_page: int = PER_PAGE) -> SearchResult | None:
    """A cached result for the current data, read on a pooled connection of its own: a hit costs one
    tiny query and no ORM session. The version is read before any data a miss would read, so a result
    stored under it is never older than it."""
    # The driver's own cursor: a fifth of the cost of a Core statement, on the path every search takes.
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT version FROM search_versions WHERE name = 'positions'")
        row = cursor.fetchone()
        cursor.close()
    finally:
        conn.close()
    version = row[0] if row else None
    if version is None:
        return None
    return RESULT_CACHE.get(_cache_key(engine.url, version, today or clock.today(), per_page, filters))


def search_positions(session, filters: PositionFilters, today: date | None = None,
                     per_page: int = PER_PAGE, cache: bool = True) -> SearchResult:
    """One page of listed positions and the total. Results are cached per search_versions counter;
    without the counter row nothing is cached."""
    today = today or clock.today()
    bind = session.get_bind()
    key = None
    if cache:
        version = search_version(session)
        if version is not None:
            key = _cache_key(bind.url, version, today, per_page, filters)
            hit = RESULT_CACHE.get(key)
            if hit is not None:
                return hit
    dialect = bind.dialect.name
    where, params = _where(dialect, filters)
    if filters.q:
        total, ids = _keyword_page(session, dialect, filters, where, params, today, per_page)
        page = Page(filters.page, per_page, total).within()
    else:
        total = _count(session, dialect, filters, where, params, today)
        page = Page(filters.page, per_page, total).within()
        ids = _page_ids(session, dialect, filters, where, params, today, per_page, page.offset)
    rows = {}
    if ids:
        for p, unit_name in session.execute(select(Position, Unit.name).join(Unit, Unit.id == Position.unit_id)
                                            .where(Position.id.in_(ids))):
            rows[p.id] = _summary(p, unit_name)
    result = SearchResult([rows[i] for i in ids if i in rows], total, page.number, per_page,
                          replace(filters, page=page.number))
    if key is not None:
        RESULT_CACHE.put(key, result)
    return result


def _summary(p: Position, unit_name: str) -> PositionSummary:
    return PositionSummary(
        id=p.id, name=p.name, unit_name=unit_name, city_code=p.city_code, county_code=p.county_code,
        region=load_regions().label(p.county_code), education=p.education, major=p.major, industry=p.industry,
        period_months=p.period_months, allowance=p.allowance, openings=p.openings,
        remaining=max(0, p.openings - p.matched), deadline=p.deadline, published_at=p.published_at)


def regions_tree() -> dict:
    regions = load_regions()
    return {"province": {"code": regions.province.code, "name": regions.province.name},
            "cities": [{"code": c.code, "name": c.name,
                        "counties": [{"code": k.code, "name": k.name} for k in regions.counties(c.code)]}
                       for c in regions.cities()]}


# ---------------------------------------------------------------------------
# Detail: only what the public may see (never bank details, never a full mobile)
# ---------------------------------------------------------------------------

def position_detail(session, position: Position, today: date | None = None) -> dict:
    today = today or clock.today()
    case_data = session.scalar(select(Case.data).where(Case.id == position.case_id)) or {}
    unit_data = _unit_application(session, position.unit_id)
    unit = session.get(Unit, position.unit_id)
    regions = load_regions()
    status = position_status(position, today)
    unit_region = regions.label(unit_data.get("county")) if unit_data.get("county") else ""
    return {
        "id": position.id,
        "name": position.name,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "openings": position.openings,
        "matched": position.matched,
        "remaining": max(0, position.openings - position.matched),
        "education": position.education,
        "major": position.major,
        "period_months": position.period_months,
        "allowance": position.allowance,
        "city_code": position.city_code,
        "county_code": position.county_code,
        "region": regions.label(position.county_code),
        "address": position.address,
        "age_min": case_data.get("age_min"),
        "age_max": case_data.get("age_max"),
        "description": case_data.get("description"),
        "deadline": position.deadline.isoformat() if position.deadline else None,
        "published_at": clock.isoformat(position.published_at),
        "contact_name": case_data.get("contact_name"),
        "contact_mobile": formats.mask_mobile(case_data.get("contact_mobile") or "") or None,
        "unit": {
            "name": unit.name if unit else "",
            "industry": position.industry or unit_data.get("industry"),
            "unit_type": unit_data.get("unit_type"),
            "address": " ".join(filter(None, [unit_region, unit_data.get("address")])) or None,
            "intro": unit_data.get("intro"),
        },
    }


# ---------------------------------------------------------------------------
# Taking a position down
# ---------------------------------------------------------------------------

def take_down(session, position: Position, account: Account, reason: str | None) -> PositionEvent:
    """The owner unit or a reviewer ends the listing; the reason is kept in the position's history."""
    reason = (reason or "").strip() or None
    if position.status != "open":
        raise PositionError("该岗位已下架", 409)
    if account.role == "reviewer" and not reason:
        raise PositionError("请填写下架原因", 422)
    if reason and len(reason) > 200:
        raise PositionError("下架原因不能超过200个字", 422)
    position.status = "taken_down"
    event = PositionEvent(position_id=position.id, actor_id=account.id, action="takedown", comment=reason)
    session.add(event)
    session.flush()
    return event


def position_history(session, position: Position) -> list[PositionEvent]:
    return list(session.scalars(select(PositionEvent).where(PositionEvent.position_id == position.id)
                                .order_by(PositionEvent.id)))


ACTION_LABELS = {"takedown": "岗位下架"}


# ---------------------------------------------------------------------------
# Intents (我有意向)
# ---------------------------------------------------------------------------

def active_intent(session, position_id: int, account_id: int) -> Intent | None:
    return session.scalar(select(Intent).where(Intent.position_id == position_id, Intent.account_id == account_id,
                                               Intent.withdrawn_at.is_(None)))


_CLOSED = {"expired": "该岗位已过招募截止日，不能再登记意向", "full": "该岗位已招满，不能再登记意向",
           "taken_down": "该岗位已下架，不能登记意向"}


def register_intent(session, position: Position, account: Account, today: date | None = None) -> Intent:
    if account.role != "individual":
        raise PositionError("只有个人用户可以登记“我有意向”", 403)
    status = position_status(position, today)
    if status != "open":
        raise PositionError(_CLOSED[status], 422)
    if active_intent(session, position.id, account.id) is not None:
        raise PositionError("您已对该岗位登记过意向，无需重复登记", 409)
    intent = Intent(position_id=position.id, account_id=account.id)
    try:
        # Two clicks at once: the partial unique index lets only one through.
        with session.begin_nested():
            session.add(intent)
    except IntegrityError:
        raise PositionError("您已对该岗位登记过意向，无需重复登记", 409) from None
    return intent


def withdraw_intent(session, intent: Intent, account: Account) -> Intent:
    if intent.account_id != account.id:
        raise PositionError("这不是您登记的意向", 403)
    if intent.withdrawn_at is not None:
        raise PositionError("该意向已撤回", 409)
    intent.withdrawn_at = clock.utcnow()
    session.flush()
    return intent


@dataclass
class MyIntent:
    id: int
    created_at: datetime
    withdrawn_at: datetime | None
    position_id: int
    position_name: str
    unit_name: str
    region: str
    allowance: int
    status: str
    status_label: str

    def as_json(self) -> dict:
        out = asdict(self)
        out["created_at"] = clock.isoformat(self.created_at)
        out["withdrawn_at"] = clock.isoformat(self.withdrawn_at)
        return out


def intents_of_account(session, account_id: int, today: date | None = None) -> list[MyIntent]:
    """Every intent of one person, newest first, each with its position's current status."""
    regions = load_regions()
    rows = session.execute(select(Intent, Position, Unit.name).join(Position, Position.id == Intent.position_id)
                           .join(Unit, Unit.id == Position.unit_id).where(Intent.account_id == account_id)
                           .order_by(Intent.created_at.desc(), Intent.id.desc()))
    out = []
    for intent, p, unit_name in rows:
        status = position_status(p, today)
        out.append(MyIntent(intent.id, intent.created_at, intent.withdrawn_at, p.id, p.name, unit_name,
                            regions.label(p.county_code), p.allowance, status, STATUS_LABELS[status]))
    return out


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
                   q: str | None = None) -> list[UnitPosition]:
    """The unit's published positions with openings, matched and active intent counts."""
    regions = load_regions()
    counts = (select(Intent.position_id, func.count().label("n")).where(Intent.withdrawn_at.is_(None))
              .group_by(Intent.position_id).subquery())
    stmt = (select(Position, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.position_id == Position.id)
            .where(Position.unit_id == unit_id).order_by(Position.published_at.desc(), Position.id.desc()))
    out = []
    needle = search.normalize(q) if q else None
    for p, n in session.execute(stmt):
        st = position_status(p, today)
        if status and st != status:
            continue
        if needle and needle not in search.normalize(p.name):
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

    def as_json(self) -> dict:
        return {"id": self.intent_id, "name": self.name, "id_number": self.id_masked, "mobile": self.mobile,
                "education": self.education, "school": self.school, "major": self.major,
                "created_at": clock.isoformat(self.created_at)}


def position_intents(session, position: Position, education: str | None = None, q: str | None = None,
                     ids: list[int] | None = None) -> list[IntentPerson]:
    """People with an active intent for the position, oldest first; filter by education or a keyword
    (name, school, major), or pick given intent ids."""
    stmt = (select(Intent, Account).join(Account, Account.id == Intent.account_id)
            .where(Intent.position_id == position.id, Intent.withdrawn_at.is_(None))
            .order_by(Intent.created_at, Intent.id))
    if ids is not None:
        stmt = stmt.where(Intent.id.in_(ids or [-1]))
    needle = search.normalize(q) if q else None
    out = []
    for intent, account in session.execute(stmt):
        profile = account.profile or {}
        person = IntentPerson(intent.id, account.id, account.name, account.id_number or "",
                              formats.mask_id(account.id_number or ""), account.mobile or "",
                              profile.get("education") or "", profile.get("school") or "",
                              profile.get("major") or "", intent.created_at)
        if education and person.education != education:
            continue
        if needle and not any(needle in search.normalize(v) for v in (person.name, person.school, person.major)):
            continue
        out.append(person)
    return out


# ---------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------

def intents_workbook(position: Position, people: list[IntentPerson]) -> bytes:
    """The 意向人员 list as xlsx; ID numbers masked as on the page."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "意向人员"
    ws.append([neutralise(f"岗位：{position.name}（编号{position.id}）")])
    headers = ["序号", "姓名", "身份证号", "手机号", "学历", "毕业院校", "专业", "登记意向时间"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, p in enumerate(people, start=1):
        ws.append([i, neutralise(p.name), p.id_masked, neutralise(p.mobile), neutralise(p.education),
                   neutralise(p.school), neutralise(p.major), clock.format_beijing(p.created_at)])
    for row in ws.iter_rows(min_row=3, min_col=3, max_col=4):
        for cell in row:
            cell.number_format = "@"
    for col, width in zip("ABCDEFGH", (6, 12, 22, 16, 8, 24, 24, 18)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def match_rows(position: Position, people: list[IntentPerson], position_names: list[str],
               education_choices: tuple = ()) -> list[dict]:
    """见习匹配结果 rows (field key -> value) for the chosen people; the unit completes the agreement columns.

    The position is written as the template's dropdown shows it (engine.batch.template.open_position_names:
    the name, or "编号 名称" when two open positions share a name)."""
    label = next((n for n in position_names if n in (position.name, f"{position.id} {position.name}")),
                 f"{position.id} {position.name}")
    rows = []
    for p in people:
        education = p.education if not education_choices or p.education in education_choices else None
        rows.append({"name": p.name, "id_number": p.id_number, "mobile": p.mobile, "education": education,
                     "school": p.school or None, "major": p.major or None, "position": label,
                     "allowance": position.allowance})
    return rows


def match_template(session, item: ItemDefinition, position: Position, people: list[IntentPerson]) -> bytes:
    """The 见习匹配结果 template (engine/batch/template.py) with the chosen people filled in."""
    from engine.batch.template import filled_workbook, open_position_names
    names = open_position_names(session, position.unit_id)
    education = item.field_map.get("education")
    rows = match_rows(position, people, names, tuple(education.enum or ()) if education else ())
    return filled_workbook(item, rows, names)
