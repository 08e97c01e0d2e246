"""Everything the reviewer's page of one case shows, gathered in one call."""
from __future__ import annotations

from sqlalchemy import select

from engine import access, clock
from engine.cases.detail import source_import
from engine.cases.lifecycle import relocation
from engine.deadlines import Countdown, countdown
from engine.definitions.model import Catalogue
from engine.models import Account, Case
from engine.ratings.rating import rating_panel
from engine.review import actions, display, queue
from engine.subsidy.claims import lines_page
from engine.subsidy.compute import FLAGS
from engine.subsidy.publicity import case_objections


def case_page(session, catalogue: Catalogue, case: Case, account: Account, board: Countdown | None = None,
              lines: tuple = (None, None)) -> dict:
    """`lines`: the page and filter of a claim's lines (its subsidy lines are shown with their basis)."""
    item = display.item_for_case(session, catalogue, case)
    current = catalogue.item(case.item_key)
    events = list(case.events)
    ids = {e.actor_id for e in events if e.actor_id} | ({case.claimed_by} if case.claimed_by else set())
    actors = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}
    board = board or countdown(session)
    # 提交人: the person who submitted the latest round (for a unit: which of its agents), shown with what
    # they are for the unit (engine.roles.person_label); the case's creator if no round names one.
    rounds = [e for e in display.submitted_rounds(case) if e.actor_id in actors]
    submitter = actors[rounds[-1].actor_id] if rounds else case.account
    return {
        "case": case, "item": item, "wf": catalogue.workflows[case.workflow_key],
        "current_version": current.version if current else None,
        "sections": display.sections(item, case.data or {}) if item else [],
        "files": {a.slot: a for a in case.attachments if a.current},
        "diff": display.round_diff(case, item) if item else None,
        "change": display.change_of(session, catalogue, case, item, account) if item else None,
        "relocation": relocation(session, catalogue, case),
        "events": events, "actors": actors, "submitter": submitter,
        "actions": actions.actions(catalogue, case, account),
        "holder": access.holder(session, case),
        "others": display.other_cases(session, case, account),
        "rows": display.batch_rows(session, item, case) if item and item.is_batch else [],
        "source": source_import(session, case),
        "subsidy": lines_page(session, catalogue, case, *lines) if item and item.kind == "claim" else None,
        "subsidy_flags": FLAGS,
        "objections": case_objections(session, case) if item and item.kind == "claim" else [],
        "days": queue.days_between(case.submitted_at, clock.utcnow()),
        "deadline": board.of(case), "rating": rating_panel(session, catalogue, case, account, board),
        "catalogue": catalogue, "labels": queue.state_labels(catalogue),
    }
