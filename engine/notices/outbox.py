"""The outbox: notices written in the caller's transaction, beside the event that causes them, so a
notice exists exactly when its event was committed. One `notices` row per recipient (its 消息中心 text)
and one `deliveries` row per further channel (email, SMS), which `jianxi worker` sends later.

- transition_notices: every workflow transition (engine.cases.lifecycle.transition, engine.batch.store);
- raise_notice: any other event of an item (engine/declarations.py ITEM_EVENTS: a failed import, a
  position taken down; other modules add theirs there and call this);
- record: the rows themselves, for recipients and channels already chosen.
"""
from __future__ import annotations

from typing import Iterable

from engine.definitions.model import Catalogue, ItemDefinition, Transition
from engine.models import Account, Case, CaseEvent, Delivery, Notice
from engine.notices import recipients, routing
from engine.notices.texts import template
from engine.roles import OWNER_ROLES, role_label

# The pages a notice links to, as paths of the app (tests/webapp/test_notices.py checks each is a route).
LINKS = {
    "case": "/cases/{id}",                          # the owner's page of a case
    "review": "/review/cases/{id}",                 # the reviewer's page of a case
    "position": "/unit/positions/{id}",             # the unit's page of its position
    "import_errors": "/imports/{token}/errors.xlsx",  # the uploader's error workbook
    "followup": "/review/followups/{id}",           # a bad rating's follow-up (差评整改), for the reviewers
    "item": "/items/{key}",                         # an item's page (a batch item's: template and import)
}
ADDRESS = {"email": lambda a: a.email, "sms": lambda a: a.mobile}
NO_ADDRESS = {"email": "账号未填写邮箱", "sms": "账号未填写手机号"}


def link(kind: str, **values) -> str:
    return LINKS[kind].format(**values)


def record(session, kind: str, event: str, people: Iterable[Account], channels: Iterable[str], params: dict,
           *, case_id: int | None = None, path: str | None = None) -> list[Notice]:
    """A notice for each person (rendered from the `kind` template with params plus their own name, and the
    page `path` links to), shown in the 消息中心 if "inapp" is among the channels, and a pending delivery for
    each other channel (skipped at once when the person has no address for it)."""
    channels = tuple(channels)
    text = template(kind)
    out = []
    seen = set()
    for person in people:
        if person.id in seen:
            continue
        seen.add(person.id)
        own = {**params, "name": person.name, "link": path or ""}
        # The 消息中心 row links by itself: its text leaves the address line out.
        shown = {**own, "link": ""}
        notice = Notice(recipient_id=person.id, kind=kind, event=event, case_id=case_id,
                        title=text.render("title", shown)[:200], body=text.render("body", shown), link=path,
                        params=own, inapp="inapp" in channels)
        session.add(notice)
        for channel in channels:
            if channel == "inapp":
                continue
            address = ADDRESS[channel](person)
            notice.deliveries.append(Delivery(channel=channel, address=address, attempts=0,
                                              state="pending" if address else "skipped",
                                              last_error=None if address else NO_ADDRESS[channel]))
        out.append(notice)
    if out:
        session.flush()
    return out


def _item_title(catalogue: Catalogue | None, key: str) -> str:
    item = catalogue.item(key) if catalogue is not None else None
    return item.title if item is not None else key


def _owner_name(case: Case, people: list[Account]) -> str:
    if case.unit is not None:
        return case.unit.name
    return people[0].name if people else ""


def case_params(catalogue: Catalogue | None, case: Case, wf, owner_name: str) -> dict:
    return {"reference": case.reference or str(case.id), "item_title": _item_title(catalogue, case.item_key),
            "result": wf.label(case.state), "owner_name": owner_name}


def transition_notices(session, catalogue: Catalogue, case: Case, t: Transition, event: CaseEvent,
                       actor_role: str | None) -> list[Notice]:
    """The notices of one transition, as the item and its workflow route them (engine.notices.routing)."""
    wf = catalogue.workflows[case.workflow_key]
    item = catalogue.item(case.item_key)
    by_owner = routing.fired_by_owner(t, actor_role)
    routes = routing.transition_routes(item, wf, t, by_owner)
    if not routes:
        return []
    owner_people = recipients.case_owners(session, case)
    params = {**case_params(catalogue, case, wf, _owner_name(case, owner_people)), "action": t.label,
              "comment": event.comment or "", "actor": role_label(actor_role)}
    out = []
    if "owner" in routes:
        out += record(session, "case_receipt" if by_owner else "case_result", t.trigger, owner_people,
                      routes["owner"], params, case_id=case.id, path=link("case", id=case.id))
    if "reviewers" in routes:
        out += record(session, "case_waiting", t.trigger, recipients.acting_reviewers(session, wf, case),
                      routes["reviewers"], params, case_id=case.id, path=link("review", id=case.id))
    return out


def raise_notice(session, catalogue: Catalogue | None, event: str, *, item: ItemDefinition | None = None,
                 case: Case | None = None, owner: tuple[int | None, int | None] | None = None,
                 uploader: Account | None = None, actor_role: str | None = None, params: dict | None = None,
                 links: dict[str, str] | None = None, reviewers: list[Account] | None = None) -> list[Notice]:
    """Notices of an item event (engine/declarations.py ITEM_EVENTS) to the audiences the item routes it to.

    item: the item whose `notify` routes it (default: the case's). owner: (unit_id, account_id) when the
    event concerns an owner without a case (a position's unit); uploader: the account that uploaded a file.
    params fill the event's template (engine/notices/templates/<event>.txt) besides the case's own
    (reference, item_title, result, owner_name) and each person's name; links: audience -> path.
    reviewers: the reviewers concerned when they are not those who must act next on the case (a finished
    case's follow-up: engine.notices.recipients.jurisdiction_reviewers)."""
    if item is None and case is not None and catalogue is not None:
        item = catalogue.item(case.item_key)
    by_owner = actor_role in OWNER_ROLES
    routes = routing.event_routes(item, event, by_owner)
    links = links or {}
    base = {"actor": role_label(actor_role), "item_title": item.title if item is not None else ""}
    out = []
    for audience, channels in routes.items():
        if audience == "owner":
            people = recipients.case_owners(session, case) if case is not None else \
                recipients.owners(session, *(owner or (None, None)))
            default_link = link("case", id=case.id) if case is not None else None
        elif audience == "reviewers":
            people = reviewers if reviewers is not None else \
                recipients.acting_reviewers(session, catalogue.workflows[case.workflow_key], case) \
                if case is not None else []
            default_link = link("review", id=case.id) if case is not None else None
        else:
            people = [uploader] if uploader is not None and uploader.active else []
            default_link = None
        if not people:
            continue
        values = dict(base)
        if case is not None:
            values.update(case_params(catalogue, case, catalogue.workflows[case.workflow_key],
                                      _owner_name(case, recipients.case_owners(session, case))))
        values.update(params or {})
        out += record(session, event, event, people, channels, values, case_id=case.id if case else None,
                      path=links.get(audience, default_link))
    return out
