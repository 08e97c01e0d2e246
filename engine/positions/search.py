"""见习岗位查询, the public search: filters from the URL, the query on both databases, one page of summaries.

What may be chosen (学历要求, 行业) comes from the definitions: the enum of the field each publishing
item declares as the position's `education`, and of the field the `unit_approval` item declares as the
unit's `industry`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Date, bindparam, select, text

from engine import clock, declarations, formats
from engine import search as keywords
from engine.models import LISTED_SQL, Position, Unit
from engine.positions.cache import RESULT_CACHE, cache_key, current_version, search_version
from engine.paging import Page, page_count, parse_page
from engine.regions import load_regions
from engine.validation import FieldError

PER_PAGE = 20
PERIODS = tuple(range(3, 13))
SORTS = {"new": "最新发布", "allowance": "生活补助从高到低"}


@dataclass(frozen=True)
class Choices:
    """The values the search offers for its select filters; an empty tuple accepts any value."""
    educations: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()


@lru_cache(maxsize=16)
def search_choices(catalogue) -> Choices:
    """学历要求 and 行业 as the definitions declare them (once per catalogue: they never change while it lives)."""
    educations: dict[str, None] = {}
    for item in declarations.publishers(catalogue):
        educations.update(dict.fromkeys(declarations.field_enum(
            item, declarations.publish_fields(item).get("education"))))
    unit_item = declarations.role_item(catalogue, "unit_approval")
    industries = declarations.field_enum(
        unit_item, declarations.role_fields(unit_item).get("industry") if unit_item else None)
    return Choices(tuple(educations), industries)


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


def parse_filters(params: Mapping[str, str], choices: Choices = Choices()) -> tuple[PositionFilters, list]:
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
    if education and choices.educations and education not in choices.educations:
        errors.append(FieldError("/education", "学历要求的选项无效"))
        education = None
    industry = get("industry") or None
    if industry and choices.industries and industry not in choices.industries:
        errors.append(FieldError("/industry", "行业的选项无效"))
        industry = None
    period = _int_param(get("period"), "period", "见习期限", PERIODS[0], PERIODS[-1], errors)
    min_allowance = _int_param(get("min_allowance"), "min_allowance", "最低生活补助", 0, 100000, errors)
    q = keywords.normalize(get("q"))[:keywords.MAX_KEYWORD] or None
    if q and not keywords.terms(q):
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
    kw_where, kw_params = keywords.keyword_sql(dialect, filters.q)
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


def cached_search(engine, filters: PositionFilters, today: date | None = None,
                  per_page: int = PER_PAGE) -> SearchResult | None:
    """A cached result for the current data, at the cost of one tiny query. The version is read before
    any data a miss would read, so a result stored under it is never older than it."""
    version = current_version(engine)
    if version is None:
        return None
    return RESULT_CACHE.get(cache_key(engine.url, version, today or clock.today(), per_page, filters))


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
            key = cache_key(bind.url, version, today, per_page, filters)
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
