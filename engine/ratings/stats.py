"""好差评 statistics for administrators: counts per level and 满意率, by item, by place (the cities, then the
counties of a chosen city), by month (the Beijing month of the rating), within a month range and an item;
and the bad ratings with their follow-up's status.

Every count is a GROUP BY in SQL over `ratings` alone (item, place and month are copied there when the rating
is made). The statistics by item, place and month count the overall level (整体评价); the table of
dimensions counts each dimension's own level. 满意率 = (非常满意 + 满意 + 基本满意) / all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from engine import formats
from engine.deadlines import Countdown, countdown
from engine.masking import redact_text
from engine.models import Case, Rating, RatingFollowup, Unit
from engine.paging import Page, parse_page
from engine.ratings import followups, scale
from engine.regions import load_regions

BAD_PER_PAGE = 20
UNPLACED = "（未定归属地）"


@dataclass(frozen=True)
class StatsQuery:
    """The filters as typed; a bad one is dropped with a message for its field."""
    month_from: str = ""
    month_to: str = ""
    item: str = ""
    city: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params, catalogue) -> tuple["StatsQuery", dict[str, str]]:
        errors: dict[str, str] = {}

        def text(name):
            return formats.trim(formats.drop_control_chars(params.get(name) or "")) or ""

        months = {}
        for name, what in (("month_from", "起始月份"), ("month_to", "截止月份")):
            raw = text(name)
            months[name] = formats.parse_month_text(raw) if raw else ""
            if months[name] is None:
                errors[name] = f"{what}应为“年-月”，如2026-10"
                months[name] = ""
        if months["month_from"] and months["month_to"] and months["month_from"] > months["month_to"]:
            errors["month_to"] = "截止月份不能早于起始月份"
            months["month_to"] = ""
        item = text("item")
        if item and catalogue.item(item) is None:
            errors["item"] = "没有这个事项"
            item = ""
        city = text("city")
        if city and not load_regions().is_city(city):
            errors["city"] = "请选择山西省的地市"
            city = ""
        return cls(months["month_from"], months["month_to"], item, city, parse_page(params.get("page"))), errors

    def params(self, **over) -> dict:
        values = {"month_from": self.month_from, "month_to": self.month_to, "item": self.item, "city": self.city,
                  "page": self.page}
        values.update(over)
        return {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}

    def where(self) -> list:
        out = []
        if self.month_from:
            out.append(Rating.rated_month >= self.month_from)
        if self.month_to:
            out.append(Rating.rated_month <= self.month_to)
        if self.item:
            out.append(Rating.item_key == self.item)
        return out


@dataclass(frozen=True)
class Tally:
    """One row of counts: how many ratings gave each level (score -> count)."""
    key: str | None
    label: str
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied(self) -> int:
        return sum(n for s, n in self.counts.items() if scale.BY_SCORE[s].satisfied)

    @property
    def bad(self) -> int:
        return sum(n for s, n in self.counts.items() if scale.BY_SCORE[s].bad)

    @property
    def rate(self) -> float | None:
        return scale.satisfaction(self.satisfied, self.total)

    def count(self, score: int) -> int:
        return self.counts.get(score, 0)


@dataclass(frozen=True)
class BadRow:
    rating: Rating
    reference: str | None
    item_title: str
    owner_name: str
    followup: dict | None       # engine.ratings.followups.summary

    @property
    def bad_levels(self):
        return followups.bad_levels(self.rating)

    @property
    def comment(self) -> str:
        return redact_text(self.rating.comment)


@dataclass(frozen=True)
class Statistics:
    query: StatsQuery
    overall: Tally                  # 整体评价 over everything filtered
    dimensions: list[Tally]         # each dimension's own levels, 整体评价 last
    by_item: list[Tally]
    by_city: list[Tally]
    by_county: list[Tally]          # the counties of query.city (empty without one)
    by_month: list[Tally]
    bad: list[BadRow]
    bad_page: Page


def _grouped(session, where, key, level) -> dict:
    """key value -> {score: count}, one GROUP BY."""
    out: dict = {}
    stmt = select(key, level, func.count()).where(*where).group_by(key, level)
    for k, score, n in session.execute(stmt):
        out.setdefault(k, {})[score] = n
    return out


def _levels(session, where, level) -> dict[int, int]:
    return {score: n for score, n in session.execute(select(level, func.count()).where(*where).group_by(level))}


def _tallies(grouped: dict, label, order=None) -> list[Tally]:
    keys = sorted(grouped, key=order or (lambda k: (k is None, k or "")))
    return [Tally(k, label(k), grouped[k]) for k in keys]


def statistics(session, catalogue, query: StatsQuery, board: Countdown | None = None) -> Statistics:
    where = query.where()
    regions = load_regions()
    overall = Tally(scale.OVERALL.key, scale.OVERALL.label, _levels(session, where, Rating.overall))
    dimensions = [Tally(d.key, d.label, _levels(session, where, getattr(Rating, d.key))) for d in scale.ALL]
    items = list(catalogue.items)

    def item_label(key):
        item = catalogue.item(key)
        return item.title if item else key

    by_item = _tallies(_grouped(session, where, Rating.item_key, Rating.overall), item_label,
                       lambda k: (k not in items, items.index(k) if k in items else 0, k))

    def place(code):
        return regions.get(code).name if code and regions.get(code) else UNPLACED

    by_city = _tallies(_grouped(session, where, Rating.city_code, Rating.overall), place)
    by_county = _tallies(_grouped(session, [*where, Rating.city_code == query.city], Rating.county_code,
                                  Rating.overall), place) if query.city else []
    by_month = _tallies(_grouped(session, where, Rating.rated_month, Rating.overall), lambda m: m)
    bad, page = bad_ratings(session, catalogue, query, board)
    return Statistics(query, overall, dimensions, by_item, by_city, by_county, by_month, bad, page)


def bad_ratings(session, catalogue, query: StatsQuery, board: Countdown | None = None) -> tuple[list[BadRow], Page]:
    """The bad ratings within the filters, newest first, each with its follow-up's status."""
    board = board or countdown(session)
    where = [*query.where(), Rating.bad.is_(True)]
    total = session.scalar(select(func.count()).select_from(Rating).where(*where))
    page = Page(query.page, BAD_PER_PAGE, total).within()
    stmt = (select(Rating, RatingFollowup, Case.reference, Unit.name)
            .join(Case, Case.id == Rating.case_id).outerjoin(RatingFollowup, RatingFollowup.rating_id == Rating.id)
            .outerjoin(Unit, Unit.id == Case.unit_id).where(*where)
            .order_by(Rating.rated_at.desc(), Rating.id.desc()).limit(BAD_PER_PAGE).offset(page.offset))
    rows = []
    for rating, found, reference, unit_name in session.execute(stmt):
        item = catalogue.item(rating.item_key)
        rows.append(BadRow(rating, reference, item.title if item else rating.item_key, unit_name or followups.INDIVIDUAL,
                           followups.summary(found, followups.status_of(found, board) if found else None)))
    return rows, page
