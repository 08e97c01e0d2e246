"""个人中心: an owner's cases filtered by state, item and 申办月份, a page at a time, with every tab's count."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from engine import access, clock
from engine.cases.decisions import Decision, latest_decisions
from engine.cases.summary import case_summary
from engine.deadlines import Countdown, countdown
from engine.definitions.model import Catalogue, ItemDefinition
from engine.models import Account, Case
from engine.paging import Page, page_count, parse_page
from engine.ratings.rating import rateable_ids
from engine.states import StateIndex, state_index

PAGE_SIZE = 20
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # fullmatch: "$" would let a trailing newline through
MONTH_YEARS = (1900, 2199)


@dataclass(frozen=True)
class CaseFilters:
    """The filters as typed, each one checked: a bad one is dropped, with a message in `problems`."""
    state: str = ""
    month: str = ""
    item: str = ""
    page: int = 1
    problems: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params, catalogue: Catalogue, role: str | None) -> CaseFilters:
        state = params.get("state", "")
        month = params.get("month", "").strip(" ")  # spaces typed around it; not newlines (the API says so)
        item = params.get("item", "")
        problems = []
        if month and not MONTH.fullmatch(month):
            problems.append("申办月份格式应为YYYY-MM，如2026-11")
            month = ""
        elif month and not MONTH_YEARS[0] <= int(month[:4]) <= MONTH_YEARS[1]:
            # 0000-01 fits the pattern but is no month any case was made in (nor one a datetime can hold).
            problems.append(f"申办月份须在{MONTH_YEARS[0]}年至{MONTH_YEARS[1]}年之间，如2026-11")
            month = ""
        if item and catalogue.item(item) is None:
            item = ""
        if state and state_index(catalogue, role).get(state) is None:
            state = ""
        return cls(state, month, item, parse_page(params.get("page")), tuple(problems))

    def params(self, page: int | None = None, **change) -> dict:
        """This list's query with some filters changed; without `page`, the first page (e.g. another tab)."""
        # In this order (changed filters after the ones already set), so a link stays the same link.
        params = {k: v for k, v in (("state", self.state), ("month", self.month), ("item", self.item)) if v}
        params = {k: v for k, v in {**params, **change}.items() if v}
        if page and page > 1:
            params["page"] = page
        return params


@dataclass(frozen=True)
class CaseList:
    """One page of the owner's cases, the count of every state choice and tab, and the items to filter by."""
    filters: CaseFilters
    rows: list[Case]
    total: int
    counts: dict[str, int]
    index: StateIndex
    items: list[ItemDefinition]
    summaries: list[dict]
    decisions: dict[int, Decision]   # case id -> the reviewer's return or refusal it is waiting in
    rateable: frozenset[int] = frozenset()     # cases of this page that have ended and await 好差评

    @property
    def pages(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    @property
    def all_count(self) -> int:
        return sum(self.counts[c.key] for c in self.index.choices)

    @property
    def active_tab(self) -> str | None:
        """The tab holding the filtered state (审核中 for each review state)."""
        tab = self.index.tab_for(self.filters.state)
        return tab.key if tab else None

    def page_rows(self) -> list[dict]:
        # The page prints 提交时间 through its dt filter, like every other time: the datetime, not the API's text.
        offered = {i.key for i in self.items}   # 重新申请 is offered only for an item still open to the owner
        return [{**s, "submitted_at": c.submitted_at, "decision": self.decisions.get(c.id),
                 "item_open": c.item_key in offered,
                 "rateable": c.id in self.rateable} for s, c in zip(self.summaries, self.rows)]

    def as_dict(self) -> dict:
        """The JSON API's body. counts: per state choice (the values `state` takes), non-zero only;
        tabs: the 个人中心 tabs, empty ones too."""
        return {"cases": self.summaries, "total": self.total,
                "counts": {c.key: self.counts[c.key] for c in self.index.choices if self.counts[c.key]},
                "tabs": [{"state": t.key, "label": t.label, "count": self.counts[t.key]} for t in self.index.tabs],
                "page": self.filters.page}


def owner_cases(session, catalogue: Catalogue, account: Account, filters: CaseFilters,
                board: Countdown | None = None) -> CaseList:
    """The cases engine.access's owner rule gives this account, newest first, each with its 办理时限."""
    base = select(Case).where(access.owner_clause(account))
    if filters.item:
        base = base.where(Case.item_key == filters.item)
    if filters.month:
        # Drafts have no 申办月份 yet; they are found by the (Beijing) month they were started in.
        start, end = clock.beijing_month(filters.month)
        base = base.where(or_(Case.submitted_month == filters.month,
                              and_(Case.submitted_month.is_(None), Case.created_at >= start, Case.created_at < end)))
    index = state_index(catalogue, account.role)
    sub = base.subquery()
    by_state = {(wf, st): n for wf, st, n in session.execute(
        select(sub.c.workflow_key, sub.c.state, func.count()).group_by(sub.c.workflow_key, sub.c.state))}
    counts = index.counts(by_state)
    choice = index.get(filters.state)
    listed = base.where(choice.condition()) if choice else base
    total = session.scalar(select(func.count()).select_from(listed.subquery()))
    rows = session.scalars(
        listed.order_by(func.coalesce(Case.submitted_at, Case.created_at).desc(), Case.id.desc())
        .limit(PAGE_SIZE).offset(Page(filters.page, PAGE_SIZE, total).offset)).all()
    items = [i for i in catalogue.items.values() if account.role in i.roles]
    board = board or countdown(session)
    decisions = latest_decisions(session, catalogue, list(rows))
    summaries = []
    for c in rows:
        decision = decisions.get(c.id)
        summaries.append({**case_summary(catalogue, c, board), "decision": decision.as_dict() if decision else None})
    return CaseList(filters, list(rows), total, counts, index, items, summaries, decisions,
                    frozenset(rateable_ids(session, catalogue, rows)))
