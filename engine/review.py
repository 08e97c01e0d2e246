"""The reviewer's side: a queue scoped to their jurisdiction, claims, actions, bulk actions, round diffs.

Everything here is driven by the workflow definitions: which states form the queue ("queue": true),
which triggers a reviewer may fire (engine.workflow.available), what each state is called.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import and_, bindparam, false, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from engine import access, clock, formats
from engine.access import claim_active, holder
from engine.cases import actor_of, definition_for, transition
from engine.definitions import Catalogue, ItemDefinition
from engine.models import Account, Attachment, BatchRow, Case, CaseEvent, Unit, row_id
from engine.paging import Page, parse_page, parse_per_page
from engine.regions import load_regions
from engine.rules import GUARDS, TransitionContext
from engine.errors import ClaimConflict, StaleCase, TransitionNotAllowed, WorkflowError  # noqa: F401
from engine.states import StateChoice, state_index
from engine.workflow import Actor, available, role_allows

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_BULK = 100
COUNT_CAP = 10_000   # counts above this show as "10000+": exact enough, and bounded in cost
QUEUE = "queue"   # the default state filter: the queue states this reviewer can act on


# ---- the queue -----------------------------------------------------------------

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
        query.order = "newest" if params.get("order") == "newest" else "oldest"
        return query, errors

    def params(self, **over) -> dict:
        """The query string for links that keep the current filters."""
        values = {"item": self.item, "state": None if self.state == QUEUE else self.state, "month": self.month,
                  "q": self.q, "city": self.city, "county": self.county,
                  "order": None if self.order == "oldest" else self.order,
                  "per_page": None if self.per_page == PER_PAGE else self.per_page}
        values.update(over)
        return {k: v for k, v in values.items() if v is not None and v != "" and not (k == "page" and v == 1)}


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


def _queue_spec(catalogue: Catalogue, pairs: dict[str, set[str]]) -> tuple[tuple, bool]:
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


def _filter_shape(query: QueueQuery, jurisdiction: str | None,
                  unit_ids: list[int] | None) -> tuple[tuple, dict] | None:
    """The filters as (shape, parameters): the shape picks a statement built once and cached, the
    parameters fill it. None when nothing can match."""
    region = _region(query, jurisdiction)
    if region is None or (unit_ids is not None and not unit_ids):
        return None
    kind, code = region
    shape, params = [kind], {"region": code} if code else {}
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
    return conds


def _capped(where: list, cap: int):
    inner = select(literal(1).label("one")).select_from(Case).where(*where).limit(cap + 1).subquery()
    return select(func.count()).select_from(inner)


@lru_cache(maxsize=256)
def _counts_statement(shape: tuple, choices: tuple[StateChoice, ...], cap: int):
    """One count per state choice (UNION ALL, one round trip), each a range of the region/state index
    where a GROUP BY would read the whole jurisdiction; each stops at the cap (shown as "10000+"), so a
    city's years of approved cases cost no more than its backlog. Built once per shape: constructing it
    costs more than running it."""
    base = _conditions(shape)
    return union_all(*(select(literal(c.key).label("state"), _capped([*base, c.condition()], cap).scalar_subquery()
                              .label("n")) for c in choices))


@lru_cache(maxsize=256)
def _page_statement(shape: tuple, where_key: tuple, newest: bool):
    """One page: the ids from the narrow index first, then only those rows with their unit and claimer."""
    base = _conditions(shape)
    if where_key[0] == "state":
        where = [*base, where_key[1].condition()]
    else:
        where = [*base, _queue_clause(where_key[1], where_key[2])]
    order = (Case.submitted_at.desc(), Case.id.desc()) if newest else (Case.submitted_at.asc(), Case.id.asc())
    ids = (select(Case.id).where(*where).order_by(*order)
           .limit(bindparam("limit")).offset(bindparam("offset")).subquery())
    claimer = aliased(Account)
    return (select(Case.id, Case.reference, Case.item_key, Case.workflow_key, Case.state, Case.city_code,
                   Case.county_code, Case.submitted_at, Case.submitted_month, Case.claimed_by, Case.claimed_at,
                   Case.version, Unit.name, Unit.credit_code, claimer.name)
            .join(ids, ids.c.id == Case.id)
            .outerjoin(Unit, Unit.id == Case.unit_id)
            .outerjoin(claimer, claimer.id == Case.claimed_by)
            .order_by(*order))


@lru_cache(maxsize=256)
def _queue_count_statement(shape: tuple, spec: tuple, unambiguous: bool, cap: int):
    return _capped([*_conditions(shape), _queue_clause(spec, unambiguous)], cap)


MAX_UNIT_MATCHES = 500


def matching_units(session, q: str) -> list[int]:
    """Units whose name contains q or whose credit code is q. Resolved first, so the cases query can
    use the unit index instead of scanning the whole jurisdiction."""
    code = formats.normalize_code(q)
    return list(session.scalars(select(Unit.id).where(
        or_(Unit.name.contains(q, autoescape=True), Unit.credit_code == code)).limit(MAX_UNIT_MATCHES)))


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
    spec, unambiguous = _queue_spec(catalogue, pairs)
    queue_names = {n for _, states in spec for n in states}
    unit_ids = matching_units(session, query.q) if query.q else None
    filters = _filter_shape(query, account.jurisdiction, unit_ids)
    index = state_index(catalogue)
    # Drafts were never submitted: not the reviewer's to see, nor to count.
    choices = tuple(c for c in index.choices if not index.never_submitted(c))

    counts_by_key: dict[str, int] = {}
    queue_count = 0
    if filters is not None and choices:
        shape, params = filters
        counts_by_key = dict(session.execute(_counts_statement(shape, choices, COUNT_CAP), params).all())
        if unambiguous:
            # Every state of these names is in the queue, and each choice holds one name.
            queue_count = sum(counts_by_key.get(c.key, 0) for c in choices if c.names[0] in queue_names)
        elif spec:
            queue_count = session.scalar(_queue_count_statement(shape, spec, unambiguous, COUNT_CAP), params)

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
        stmt = _page_statement(shape, where_key, query.order == "newest")
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


# ---- one case ----------------------------------------------------------------

def item_for_case(session, catalogue: Catalogue, case: Case) -> ItemDefinition | None:
    """The definition the case was submitted under, which may be older than the one in forms/."""
    try:
        return definition_for(session, catalogue, case)
    except LookupError:
        return None


def format_value(item: ItemDefinition, key: str, value: Any) -> str:
    if value is None or value == "":
        return "（未填写）"
    f = item.field_map.get(key)
    if isinstance(value, bool):
        return "是" if value else "否"
    if f is not None and f.format in formats.REGION_FORMATS:
        return load_regions().label(value) or str(value)
    return str(value)


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str, str]]     # (key, label, shown value)
    attachments: list[dict] = field(default_factory=list)
    description: str = ""


def sections(item: ItemDefinition, data: dict) -> list[Section]:
    """The submitted data laid out as the definition's sections; transient fields (confirmations) left out."""
    out = []
    for section in item.ui["sections"]:
        rows = []
        for key in section.get("fields", []):
            f = item.field_map.get(key)
            if f is None or f.transient:
                continue
            rows.append((key, f.label, format_value(item, key, data.get(key))))
        slots = [item.attachment(s) for s in section.get("attachments", []) if item.attachment(s)]
        out.append(Section(section["title"], rows, slots, section.get("description", "")))
    placed = {k for s in item.ui["sections"] for k in s.get("fields", [])}
    extra = [(k, k, str(v)) for k, v in data.items() if k not in placed and not k.startswith("__")]
    if extra and not item.is_batch:
        out.append(Section("其他信息", extra))
    return out


@dataclass
class FieldChange:
    key: str
    label: str
    before: str
    after: str


@dataclass
class FileChange:
    slot: str
    title: str
    before: Attachment | None
    after: Attachment | None


@dataclass
class RoundDiff:
    previous_at: datetime
    latest_at: datetime
    fields: list[FieldChange]
    files: list[FileChange]

    @property
    def empty(self) -> bool:
        return not self.fields and not self.files


def submitted_rounds(case: Case) -> list[CaseEvent]:
    """Events that carry what was submitted: one per submission round."""
    return [e for e in case.events if e.data is not None]


def round_diff(case: Case, item: ItemDefinition) -> RoundDiff | None:
    """What changed between the last two submissions, fields and files; None for a first submission."""
    rounds = submitted_rounds(case)
    if len(rounds) < 2:
        return None
    prev, last = rounds[-2], rounds[-1]
    before, after = prev.data or {}, last.data or {}
    changes = []
    keys = [f.key for f in item.fields if not f.transient]
    keys += [k for k in sorted(set(before) | set(after)) if k not in keys and k not in item.field_map]
    for key in keys:
        if before.get(key) != after.get(key):
            changes.append(FieldChange(key, item.label(key), format_value(item, key, before.get(key)),
                                       format_value(item, key, after.get(key))))
    files = []
    for spec in item.attachments:
        slot = [a for a in case.attachments if a.slot == spec["slot"]]
        at_prev = [a for a in slot if a.uploaded_at <= prev.at]
        old = max(at_prev, key=lambda a: (a.uploaded_at, a.id)) if at_prev else None
        new = next((a for a in slot if a.current), None)
        if new is not None and new.uploaded_at > prev.at and (old is None or old.sha256 != new.sha256):
            files.append(FileChange(spec["slot"], spec["title"], old, new))
        elif new is None and old is not None:
            files.append(FileChange(spec["slot"], spec["title"], old, None))
    return RoundDiff(prev.at, last.at, changes, files)


def other_cases(session, case: Case, limit: int = 20) -> list[Case]:
    """The same unit's (or person's) other submitted cases, newest first."""
    owner = Case.unit_id == case.unit_id if case.unit_id else Case.account_id == case.account_id
    return list(session.scalars(select(Case).where(owner, Case.id != case.id, Case.submitted_at.is_not(None))
                                .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit)))


def batch_rows(session, case: Case, limit: int = 200) -> list[BatchRow]:
    return list(session.scalars(select(BatchRow).where(BatchRow.case_id == case.id)
                                .order_by(BatchRow.row_number).limit(limit)))


def actions(catalogue: Catalogue, case: Case, account: Account):
    """The triggers this reviewer may fire on this case now, from the workflow definition."""
    wf = catalogue.workflows[case.workflow_key]
    return available(wf, case.state, actor_of(account))


# ---- claims ------------------------------------------------------------------

def claim(session, case: Case, account: Account, expected_version: int | None = None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理", state=case.state)
    other = holder(session, case)
    if other is not None and other.id != account.id:
        raise ClaimConflict(access.claimed_message(other, case.claimed_at))
    case.claimed_by, case.claimed_at = account.id, clock.utcnow()
    _flush(session, case)


def release(session, case: Case, account: Account, expected_version: int | None = None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("该申请已被他人处理", state=case.state)
    other = holder(session, case)
    if other is not None and other.id != account.id:
        raise ClaimConflict(f"该申请由{other.name}认领，只有认领人可以释放")
    case.claimed_by, case.claimed_at = None, None
    _flush(session, case)


def _flush(session, case: Case) -> None:
    from sqlalchemy.orm.exc import StaleDataError
    try:
        session.flush()
    except StaleDataError:
        raise StaleCase("该申请已被他人处理", state=case.state) from None


# ---- acting ------------------------------------------------------------------

def act(session, catalogue: Catalogue, case: Case, trigger: str, account: Account, comment: str | None = None,
        expected_version: int | None = None) -> CaseEvent:
    """A reviewer's transition. engine.cases.transition refuses it outside the jurisdiction, on a draft
    or on a case someone else has claimed, and ends the reviewer's own claim."""
    return transition(session, catalogue, case, trigger, account, comment=comment,
                      expected_version=expected_version)


def why_not(session, catalogue: Catalogue, case: Case, trigger: str, account: Account) -> str | None:
    """Why this reviewer cannot fire the trigger now (None if they can, guards permitting)."""
    wf = catalogue.workflows[case.workflow_key]
    actor = actor_of(account)
    if account.role == "reviewer" and not access.may_review(account, case):
        return "该申请不在您的管辖范围内"
    t = wf.transition(trigger, case.state)
    if t is None:
        return f"当前状态“{wf.label(case.state)}”下不能执行此操作"
    if not role_allows(t, actor):
        return f"您的账号无权执行“{t.label}”"
    other = holder(session, case)
    if other is not None and other.id != account.id:
        return access.claimed_message(other, case.claimed_at)
    ctx = TransitionContext(session, catalogue, actor)
    problems = [m for m in (GUARDS[name](case, ctx) for name in t.conditions) if m]
    return "；".join(problems) or None


@dataclass
class BulkResult:
    id: int
    reference: str | None
    ok: bool
    state: str | None
    state_label: str | None
    message: str

    def as_dict(self) -> dict:
        return {"id": self.id, "reference": self.reference, "ok": self.ok, "state": self.state,
                "state_label": self.state_label, "message": self.message}


def bulk_triggers(catalogue: Catalogue, account: Account) -> list[tuple[str, str]]:
    """Triggers fit for a bulk action: fired by this reviewer from a queue state, styled primary (the
    forward action) and needing no comment."""
    actor = actor_of(account)
    known = _ACTIONABLE.setdefault(catalogue, {})
    key = ("bulk", actor.role, actor.level)
    if key not in known:
        seen: dict[str, str] = {}
        for wf in catalogue.workflows.values():
            for s in wf.states:
                if not s.get("queue"):
                    continue
                for t in available(wf, s["name"], actor):
                    if t.comment != "required" and t.style == "primary":
                        seen.setdefault(t.trigger, t.label)
        known[key] = list(seen.items())
    return known[key]


def parse_selection(values: Iterable[str]) -> list[tuple[int, int | None]]:
    """Checkbox values "id:version" (the version shown on the page) or bare ids."""
    out: list[tuple[int, int | None]] = []
    for v in values:
        head, _, tail = str(v).partition(":")
        try:
            case_id = row_id(head)
            version = int(tail) if tail else None
        except ValueError:
            continue
        if case_id is None:
            continue
        if (case_id, version) not in out:
            out.append((case_id, version))
    return out


def bulk(session, catalogue: Catalogue, account: Account, trigger: str, selection: list[tuple[int, int | None]],
         comment: str | None = None) -> list[BulkResult]:
    """Each selected case through the same transition rules, each in its own savepoint: one case's
    conflict or refusal never undoes another's success."""
    if len(selection) > MAX_BULK:
        raise WorkflowError(f"一次最多批量处理{MAX_BULK}件")
    results = []
    for case_id, version in selection:
        case = session.get(Case, case_id) if row_id(case_id) is not None else None
        if case is None or not access.may_review(account, case):
            results.append(BulkResult(case_id, None, False, None, None, "申请不存在或不在您的管辖范围内"))
            continue
        wf = catalogue.workflows[case.workflow_key]
        try:
            with session.begin_nested():
                act(session, catalogue, case, trigger, account, comment=comment, expected_version=version)
        except WorkflowError as e:
            session.refresh(case)
            message = e.message
            if isinstance(e, StaleCase):
                message = f"该申请已被他人处理，当前状态：{wf.label(case.state)}"
            results.append(BulkResult(case.id, case.reference, False, case.state, wf.label(case.state), message))
            continue
        label = next((x.label for x in wf.transitions if x.trigger == trigger), trigger)
        results.append(BulkResult(case.id, case.reference, True, case.state, wf.label(case.state), f"已{label}"))
    return results


def cases_for_bulk(session, account: Account, ids: list[int]) -> list[tuple[Case, Unit | None]]:
    """The selected cases this reviewer may see, for the confirmation list."""
    if not ids:
        return []
    rows = session.execute(select(Case, Unit).outerjoin(Unit, Unit.id == Case.unit_id).where(
        Case.id.in_(ids), access.staff_case_clause(account))).all()
    by_id = {c.id: (c, u) for c, u in rows}
    return [by_id[i] for i in ids if i in by_id]


def bulk_outcome(session, catalogue: Catalogue, account: Account, trigger: str, ids: list[int],
                 after_event_id: int) -> list[BulkResult]:
    """Read back what a bulk action did to each case: the events it wrote after `after_event_id`,
    or, where it wrote none, why not (so the result page needs nothing kept in the session)."""
    results = []
    found = {c.id: c for c, _ in cases_for_bulk(session, account, ids)}
    for case_id in ids:
        case = found.get(case_id)
        if case is None:
            results.append(BulkResult(case_id, None, False, None, None, "申请不存在或不在您的管辖范围内"))
            continue
        wf = catalogue.workflows[case.workflow_key]
        later = [e for e in case.events if e.id > after_event_id]
        mine = next((e for e in later if e.trigger == trigger and e.actor_id == account.id), None)
        if mine is not None:
            t = next((x for x in wf.transitions if x.trigger == trigger), None)
            results.append(BulkResult(case.id, case.reference, True, case.state, wf.label(case.state),
                                      f"已{t.label if t else trigger}"))
            continue
        if later:
            message = f"该申请已被他人处理，当前状态：{wf.label(case.state)}"
        else:
            message = (why_not(session, catalogue, case, trigger, account)
                       or "该申请在您勾选后已有变动，请打开重新查看后再处理")
        results.append(BulkResult(case.id, case.reference, False, case.state, wf.label(case.state), message))
    return results
