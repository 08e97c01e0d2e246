"""The reviewer's queue filters as typed in the address: checked, each bad value dropped with a message for its field."""
from __future__ import annotations

from dataclasses import dataclass


from engine import formats
from engine.definitions.model import Catalogue
from engine.paging import parse_page, parse_per_page
from engine.regions import load_regions
from engine.states import state_index


PER_PAGE = 20


MAX_PER_PAGE = 100


QUEUE = "queue"   # the default state filter: the queue states this reviewer can act on
ORDERS = ("oldest", "newest", "deadline")
DEADLINE_FILTERS = {"warning": "即将超期", "overdue": "已超期"}
MINE, BELOW = "mine", "below"   # scope: this reviewer's queue, or the jurisdictions below theirs (超期督办)


@dataclass
class QueueQuery:
    item: str | None = None
    state: str = QUEUE
    month: str | None = None
    q: str | None = None
    city: str | None = None
    county: str | None = None
    page: int = 1
    per_page: int = PER_PAGE
    order: str = "oldest"
    deadline: str | None = None   # warning (即将超期) or overdue (已超期)
    scope: str = MINE

    @classmethod
    def from_params(cls, params, catalogue: Catalogue) -> tuple["QueueQuery", dict[str, str]]:
        """Read the filters a person typed; every bad value is dropped with a message for its field."""
        errors: dict[str, str] = {}
        regions = load_regions()

        def text(name):
            # Control characters (NUL breaks a PostgreSQL query) count as spaces.
            v = formats.trim(formats.drop_control_chars(params.get(name) or ""))
            return v or None

        query = cls()
        item = text("item")
        if item and catalogue.item(item) is None:
            errors["item"] = "没有这个事项"
        else:
            query.item = item
        state = text("state") or QUEUE
        index = state_index(catalogue)
        choice = index.get(state) if state != QUEUE else None
        if state != QUEUE and (choice is None or index.never_submitted(choice)):
            errors["state"] = "没有这个审核状态"
        else:
            query.state = state
        month = text("month")
        if month:
            parsed = formats.parse_month_text(month)
            if parsed is None:
                errors["month"] = "申办月份应为“年-月”，如2025-03"
            else:
                query.month = parsed
        query.q = text("q")
        city, county = text("city"), text("county")
        if city and not regions.is_city(city):
            errors["city"] = "请选择山西省的地市"
        else:
            query.city = city
        if county and not regions.is_county(county):
            errors["county"] = "请选择山西省的县（市、区）"
        elif county and city and not regions.county_in_city(county, city):
            errors["county"] = "所选县（市、区）不属于所选地市"
        else:
            query.county = county
        query.page = parse_page(params.get("page"))
        query.per_page = parse_per_page(params.get("per_page"), PER_PAGE, MAX_PER_PAGE)
        order = params.get("order")
        query.order = order if order in ORDERS else "oldest"
        deadline = text("deadline")
        if deadline and deadline not in DEADLINE_FILTERS:
            errors["deadline"] = "办理期限只能按“即将超期”或“已超期”筛选"
        else:
            query.deadline = deadline
        scope = text("scope")
        if scope and scope not in (MINE, BELOW):
            errors["scope"] = "没有这个查看范围"
        else:
            query.scope = scope or MINE
        return query, errors

    @property
    def supervising(self) -> bool:
        """超期督办: the overdue cases of the jurisdictions below, most overdue first."""
        return self.scope == BELOW

    def params(self, **over) -> dict:
        """The query string for links that keep the current filters."""
        values = {"item": self.item, "state": None if self.state == QUEUE else self.state, "month": self.month,
                  "q": self.q, "city": self.city, "county": self.county,
                  "order": None if self.order == "oldest" else self.order,
                  "deadline": self.deadline, "scope": None if self.scope == MINE else self.scope,
                  "per_page": None if self.per_page == PER_PAGE else self.per_page}
        values.update(over)
        return {k: v for k, v in values.items() if v is not None and v != "" and not (k == "page" and v == 1)}
