"""One case as its owner sees it: its page (the decision to read first, history, files, where a batch came
from), its JSON body, and the 申报成功 page (its reference, who reviews it next, by when, how to follow it)."""
from __future__ import annotations

from sqlalchemy import select

from engine import clock
from engine.attachments import current_attachments
from engine.cases.decisions import actor_text, case_decision
from engine.cases.lifecycle import actor_of, definition_for
from engine.cases.summary import case_summary
from engine.deadlines import Countdown, countdown
from engine.definitions.model import Catalogue, WorkflowDefinition
from engine.models import Account, BatchImport, Case
from engine.ratings.rating import rating_panel
from engine.regions import CITY, COUNTY, LEVEL_LABELS, PROVINCE, load_regions
from engine.roles import role_label
from engine.states import state_index
from engine.workflow import Actor, available


def source_import(session, case: Case) -> BatchImport | None:
    """The import that produced a batch case (its original file), or None for cases made another way.
    Here, below engine.batch, because the owner's and the reviewer's pages of any case show it."""
    if case.row_count is None:
        return None
    return session.scalar(select(BatchImport).where(BatchImport.case_id == case.id))


def timeline(catalogue: Catalogue, case: Case) -> list[dict]:
    """办理记录: each event with its action's label and who did it (staff by name, owners by role)."""
    wf = catalogue.workflows[case.workflow_key]
    out = []
    for e in case.events:
        transition = next((t for t in wf.transitions if t.trigger == e.trigger), None)
        out.append({"at": e.at, "action": transition.label if transition else e.trigger,
                    "from": wf.label(e.from_state) if e.from_state else "", "to": wf.label(e.to_state),
                    "to_state": e.to_state, "comment": e.comment, "who": actor_text(e.actor)})
    return out


def case_page(session, catalogue: Catalogue, case: Case, board: Countdown | None = None,
              account: Account | None = None) -> dict:
    """Everything the owner's page of one case shows, but its fields' layout (the web side draws that
    from `item`, the definition the case was submitted under); with its rating (好差评) for `account`."""
    wf = catalogue.workflows[case.workflow_key]
    board = board or countdown(session)
    item = definition_for(session, catalogue, case)
    current = catalogue.item(case.item_key)
    return {"item": item, "timeline": timeline(catalogue, case), "state_label": wf.label(case.state),
            "editable": wf.editable(case.state) and item.kind == "form",
            "newer_definition": current is not None and current.version != case.definition_version,
            "attachments": current_attachments(case), "source": source_import(session, case),
            "deadline": board.of(case), "rating": rating_panel(session, catalogue, case, account, board),
            "decision": case_decision(catalogue, case),
            "draft": case.submitted_at is None, "item_open": current is not None}


def case_document(session, catalogue: Catalogue, case: Case, account: Account,
                  board: Countdown | None = None) -> dict:
    """The JSON API's body of one case: its summary (with its 办理时限), data (without typed-twice copies),
    the case it changes (a change application), current files, history and the triggers this account may
    fire now."""
    wf = catalogue.workflows[case.workflow_key]
    item = definition_for(session, catalogue, case)
    out = case_summary(catalogue, case, board or countdown(session))
    out["data"] = {k: v for k, v in (case.data or {}).items() if not item.field_map.get(k) or
                   not item.field_map[k].transient}
    out["change_of"] = case.change_of
    out["attachments"] = [{"id": a.id, "slot": a.slot, "filename": a.filename, "size": a.size,
                           "content_type": a.content_type, "uploaded_at": clock.isoformat(a.uploaded_at)}
                          for a in current_attachments(case).values()]
    out["events"] = [{"trigger": e.trigger, "from": e.from_state, "to": e.to_state, "at": clock.isoformat(e.at),
                      "comment": e.comment} for e in case.events]
    out["triggers"] = [{"trigger": t.trigger, "label": t.label, "comment": t.comment}
                       for t in available(wf, case.state, actor_of(account))]
    decision = case_decision(catalogue, case)
    out["decision"] = decision.as_dict() if decision else None
    return out


# ---- 申报成功 ------------------------------------------------------------------

def reviewing_levels(wf: WorkflowDefinition, case: Case) -> list[str]:
    """The levels of the jurisdictions covering the case whose reviewers have an action in its state (the
    state's `reviewer_level`, its transitions' `reviewer_levels`), lowest first."""
    return [level for level, code in _places(case)
            if available(wf, case.state, Actor(None, "reviewer", None, code))]


def _places(case: Case) -> list[tuple[str, str]]:
    """(level, code) of each jurisdiction covering the case, lowest first (engine.access.covers)."""
    codes = ((COUNTY, case.county_code), (CITY, case.city_code), (PROVINCE, load_regions().province.code))
    return [(level, code) for level, code in codes if code]


def next_step(wf: WorkflowDefinition, case: Case) -> str | None:
    """下一步, in words: who reviews the case now, by place and level; None when no reviewer acts in its state."""
    levels = reviewing_levels(wf, case)
    if not levels:
        return None
    places = _places(case)
    regions = load_regions()
    if len(levels) == len(places):
        # Any reviewer covering the place may act: name the place, not a level.
        return f"由{regions.label(places[0][1])}的就业见习审核人员审核"
    where = dict(places)
    return "由" + "或".join(f"{regions.label(where[lv])}（{LEVEL_LABELS[lv]}）" for lv in levels) + "审核人员审核"


def done_page(session, catalogue: Catalogue, case: Case, account: Account, board: Countdown | None = None) -> dict:
    """What the 申报成功 page says: the reference, who reviews next, the time limit with its deadline and the
    working days left (the case's clock, as engine.deadlines reads it today), and the 个人中心 tab it is in."""
    wf = catalogue.workflows[case.workflow_key]
    board = board or countdown(session)
    choice = state_index(catalogue, account.role).of(case.workflow_key, case.state)
    return {"item": catalogue.item(case.item_key) or definition_for(session, catalogue, case),
            "state_label": wf.label(case.state), "next_step": next_step(wf, case),
            "time_limit": wf.time_limit(case.state), "deadline": board.of(case),
            "center_state": choice.key if choice else case.state}
