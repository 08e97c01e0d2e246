"""One page of the reviewer's queue with the counts per state, scoped by engine.access to the jurisdiction."""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime


from engine import clock
from engine.access import claim_active
from engine.cases.lifecycle import actor_of
from engine.definitions.model import Catalogue
from engine.models import Account
from engine.paging import Page
from engine.states import state_index
from engine.workflow import Actor, available
from engine.review.filters import QUEUE, QueueQuery
from engine.review.statements import (
    counts_statement, filter_shape, matching_units, page_statement, queue_count_statement, queue_spec,
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
            "version": self.version, "actionable": self.actionable,
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


def queue(session, catalogue: Catalogue, account: Account, query: QueueQuery,
          now: datetime | None = None) -> QueuePage:
    """One page of the reviewer's queue plus the counts per state under the same filters."""
    now = now or clock.utcnow()
    actor = actor_of(account)
    pairs = actionable_states(catalogue, actor)
    spec, unambiguous = queue_spec(catalogue, pairs)
    queue_names = {n for _, states in spec for n in states}
    unit_ids = matching_units(session, query.q) if query.q else None
    filters = filter_shape(query, account.jurisdiction, unit_ids)
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

    found = []
    if filters is not None and where_key is not None and total:
        shape, params = filters
        stmt = page_statement(shape, where_key, query.order == "newest")
        found = session.execute(stmt, {**params, "limit": query.per_page, "offset": page.offset}).all()
    labels = state_labels(catalogue)
    rows = []
    for r in found:
        (cid, ref, item_key, wf_key, state, city, county, sub_at, sub_month, claimed_by, claimed_at, version,
         unit_name, credit_code, claimer_name) = r
        item = catalogue.item(item_key)
        wf = catalogue.workflows.get(wf_key)
        active = claim_active(claimed_at, now)
        rows.append(QueueRow(
            id=cid, reference=ref, item_key=item_key, item_title=item.title if item else item_key,
            unit_name=unit_name, credit_code=credit_code, city_code=city, county_code=county, state=state,
            state_label=wf.label(state) if wf else labels.get(state, state), submitted_at=sub_at,
            submitted_month=sub_month, days_waited=days_between(sub_at, now),
            claimed_by=claimed_by if active else None, claimed_by_name=claimer_name if active else None,
            claimed_at=claimed_at if active else None, version=version,
            actionable=state in pairs.get(wf_key, ())))
    counts = [StateCount(c.key, c.label, counts_by_key[c.key]) for c in choices if counts_by_key.get(c.key)]
    queue_states = set().union(*pairs.values()) if pairs else set()
    mine = {(w, st) for w, states in pairs.items() for st in states}
    queue_choice = next((c.key for c in choices if set(c.members) == mine), None)
    return QueuePage(query=query, rows=rows, total=total, pages=page.pages, queue_count=queue_count, counts=counts,
                     queue_states=queue_states, queue_choice=queue_choice)
