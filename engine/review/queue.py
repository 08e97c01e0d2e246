"""One page of the reviewer's queue with the counts per state (and of 即将超期 and 已超期), scoped by
engine.access to the jurisdiction; with scope "below", a supervisor's view of the jurisdictions below (超期督办)."""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime


from engine import access, clock
from engine.access import claim_active
from engine.deadlines import Countdown, DeadlineStatus, countdown
from engine.cases.lifecycle import actor_of
from engine.definitions.model import Catalogue
from engine.models import Account
from engine.paging import Page
from engine.states import state_index
from engine.workflow import Actor, available
from engine.review.filters import DEADLINE_FILTERS, QUEUE, QueueQuery
from engine.review.statements import (
    counts_statement, dated_count_statement, deadline_counts_statement, filter_shape, matching_units,
    page_statement, queue_count_statement, queue_spec,
)


COUNT_CAP = 10_000   # counts above this show as "10000+": exact enough, and bounded in cost


@dataclass
class QueueRow:
    id: int
    reference: str | None
    item_key: str
    item_title: str
    unit_name: str | None
    credit_code: str | None
    city_code: str | None
    county_code: str | None
    state: str
    state_label: str
    submitted_at: datetime | None
    submitted_month: str | None
    days_waited: int | None
    claimed_by: int | None
    claimed_by_name: str | None
    claimed_at: datetime | None
    version: int
    actionable: bool
    deadline: DeadlineStatus | None = None
    waiting: bool = True   # in a review state: a finished case has waited for nobody and is nobody's claim

    def as_dict(self) -> dict:
        return {
            "id": self.id, "reference": self.reference, "item": self.item_key, "item_title": self.item_title,
            "unit": {"name": self.unit_name, "credit_code": self.credit_code} if self.unit_name else None,
            "city": self.city_code, "county": self.county_code, "state": self.state,
            "state_label": self.state_label,
            "submitted_at": clock.isoformat(self.submitted_at),
            "month": self.submitted_month, "days_waited": self.days_waited,
            "claimed_by": {"id": self.claimed_by, "name": self.claimed_by_name,
                           "at": clock.isoformat(self.claimed_at)} if self.claimed_by else None,
            "version": self.version, "actionable": self.actionable, "waiting": self.waiting,
            "deadline": self.deadline.as_dict() if self.deadline else None,
        }


@dataclass
class StateCount:
    state: str
    label: str
    count: int

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def shown(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.count)


@dataclass
class QueuePage:
    query: QueueQuery
    rows: list[QueueRow]
    total: int
    pages: int
    queue_count: int
    counts: list[StateCount]
    queue_states: set[str] = field(default_factory=set)
    queue_label: str = "未审核"
    queue_choice: str | None = None   # the state choice that is exactly this reviewer's queue, if one is
    deadline_counts: dict[str, int] = field(default_factory=dict)   # warning, overdue: in this selection
    timed: bool = False               # some workflow has time limits: the page shows deadlines
    supervises: bool = False          # this reviewer oversees jurisdictions below (超期督办)

    @property
    def deadline_filters(self) -> list[StateCount]:
        return [StateCount(k, label, self.deadline_counts.get(k, 0)) for k, label in DEADLINE_FILTERS.items()]

    @property
    def state_tabs(self) -> list[StateCount]:
        """A queue of one state is already the first tab; a queue of several keeps their own tabs."""
        return [c for c in self.counts if c.state != self.queue_choice]

    @property
    def total_shown(self) -> str:
        return f"{COUNT_CAP}+" if self.total > COUNT_CAP else str(self.total)

    @property
    def queue_shown(self) -> str:
        return f"{COUNT_CAP}+" if self.queue_count > COUNT_CAP else str(self.queue_count)


_ACTIONABLE: "weakref.WeakKeyDictionary[Catalogue, dict]" = weakref.WeakKeyDictionary()


def actionable_states(catalogue: Catalogue, actor: Actor) -> dict[str, set[str]]:
    """Per workflow, the queue states in which this reviewer has at least one trigger. It depends only on
    the role and the jurisdiction's level, and the definitions never change while the app runs."""
    known = _ACTIONABLE.setdefault(catalogue, {})
    key = (actor.role, actor.level)
    if key not in known:
        out: dict[str, set[str]] = {}
        for wf in catalogue.workflows.values():
            states = {s["name"] for s in wf.states if s.get("queue") and available(wf, s["name"], actor)}
            if states:
                out[wf.key] = states
        known[key] = out
    return known[key]


def state_labels(catalogue: Catalogue) -> dict[str, str]:
    """One label per state name; the first workflow that declares a name names it."""
    labels: dict[str, str] = {}
    for wf in catalogue.workflows.values():
        for s in wf.states:
            labels.setdefault(s["name"], s["label"])
    return labels


def days_between(start: datetime | None, now: datetime) -> int | None:
    if start is None:
        return None
    return max(0, (now - start).days)


def every_queue_state(catalogue: Catalogue) -> dict[str, set[str]]:
    """Per workflow, every queue state, whoever acts in it: what a supervisor looks over."""
    return {wf.key: states for wf in catalogue.workflows.values()
            if (states := {s["name"] for s in wf.states if s.get("queue")})}


def queue(session, catalogue: Catalogue, account: Account, query: QueueQuery,
          now: datetime | None = None, board: Countdown | None = None) -> QueuePage:
    """One page of the reviewer's queue plus the counts per state under the same filters. `board` is
    today's countdown (engine.deadlines: the calendar and the warning days); built here when not given."""
    now = now or clock.utcnow()
    actor = actor_of(account)
    pairs = actionable_states(catalogue, actor)
    timed = any(wf.timed for wf in catalogue.workflows.values())
    board = board or countdown(session)
    supervising = query.supervising
    below = access.level_of(account.jurisdiction) if supervising and access.supervises(account) else None
    # A supervisor looks over every queue state below, whoever acts in it (the rows say who may).
    spec, unambiguous = queue_spec(catalogue, every_queue_state(catalogue) if supervising else pairs)
    queue_names = {n for _, states in spec for n in states}
    unit_ids = matching_units(session, query.q) if query.q else None
    filters = None if supervising and below is None else \
        filter_shape(query, account.jurisdiction, unit_ids, board if timed else None, below)
    index = state_index(catalogue)
    # Drafts were never submitted: not the reviewer's to see, nor to count.
    choices = tuple(c for c in index.choices if not index.never_submitted(c))

    counts_by_key: dict[str, int] = {}
    queue_count = 0
    if filters is not None and choices:
        shape, params = filters
        counts_by_key = dict(session.execute(counts_statement(shape, choices, COUNT_CAP), params).all())
        if unambiguous:
            # Every state of these names is in the queue, and each choice holds one name.
            queue_count = sum(counts_by_key.get(c.key, 0) for c in choices if c.names[0] in queue_names)
        elif spec:
            queue_count = session.scalar(queue_count_statement(shape, spec, unambiguous, COUNT_CAP), params)

    chosen = index.get(query.state) if query.state != QUEUE else None
    if query.state == QUEUE:
        where_key, total = ("queue", spec, unambiguous), queue_count
    elif chosen is None or index.never_submitted(chosen):
        where_key, total = None, 0
    else:
        # A bare state name shared by several choices (an old link) is the sum of those choices.
        where_key = ("state", chosen)
        total = sum(counts_by_key.get(c.key, 0) for c in choices if set(c.members) <= set(chosen.members))
    page = Page(query.page, query.per_page, total).within()
    query.page = page.number

    deadline_counts: dict[str, int] = {}
    if timed and filters is not None and where_key is not None:
        shape, params = filters
        # The chips count the selection without its own deadline filter, as the state tabs count without theirs.
        deadline_counts = dict(session.execute(deadline_counts_statement(shape, where_key, COUNT_CAP), params).all())

    found = []
    if filters is not None and where_key is not None and total:
        shape, params = filters
        found = _page(session, shape, params, where_key, query, page.offset, timed)
    labels = state_labels(catalogue)
    review_states = every_queue_state(catalogue)
    rows = []
    for r in found:
        (cid, ref, item_key, wf_key, state, city, county, sub_at, sub_month, claimed_by, claimed_at, version,
         unit_name, credit_code, claimer_name, deadline_on, clock_state) = r
        item = catalogue.item(item_key)
        wf = catalogue.workflows.get(wf_key)
        waiting = state in review_states.get(wf_key, ())
        active = waiting and claim_active(claimed_at, now)
        rows.append(QueueRow(
            id=cid, reference=ref, item_key=item_key, item_title=item.title if item else item_key,
            unit_name=unit_name, credit_code=credit_code, city_code=city, county_code=county, state=state,
            state_label=wf.label(state) if wf else labels.get(state, state), submitted_at=sub_at,
            submitted_month=sub_month, days_waited=days_between(sub_at, now) if waiting else None,
            claimed_by=claimed_by if active else None, claimed_by_name=claimer_name if active else None,
            claimed_at=claimed_at if active else None, version=version,
            actionable=state in pairs.get(wf_key, ()), deadline=board.status(deadline_on, clock_state),
            waiting=waiting))
    # Every tab stays, an empty one with 0: a tab that comes and goes is a page that changes shape.
    counts = [StateCount(c.key, c.label, counts_by_key.get(c.key, 0)) for c in choices]
    queue_states = set().union(*pairs.values()) if pairs else set()
    mine = {(w, st) for w, states in pairs.items() for st in states}
    queue_choice = next((c.key for c in choices if set(c.members) == mine), None)
    return QueuePage(query=query, rows=rows, total=total, pages=page.pages, queue_count=queue_count, counts=counts,
                     queue_states=queue_states, queue_choice=queue_choice, deadline_counts=deadline_counts,
                     timed=timed, supervises=access.supervises(account))


def _page(session, shape, params, where_key, query: QueueQuery, offset: int, timed: bool) -> list:
    """The page's rows. By deadline: the running clocks soonest due first, then the cases with no clock
    (oldest first), each part a range of its own index."""
    limit = query.per_page
    if query.order != "deadline" or not timed:
        order = "oldest" if query.order == "deadline" else query.order
        return session.execute(page_statement(shape, where_key, order),
                               {**params, "limit": limit, "offset": offset}).all()
    found = session.execute(page_statement(shape, where_key, "deadline"),
                            {**params, "limit": limit, "offset": offset}).all()
    if len(found) == limit or query.deadline:
        return found
    dated = offset + len(found) if found or not offset else \
        session.scalar(dated_count_statement(shape, where_key), params)
    return found + session.execute(page_statement(shape, where_key, "undated"),
                                   {**params, "limit": limit - len(found), "offset": max(0, offset - dated)}).all()
