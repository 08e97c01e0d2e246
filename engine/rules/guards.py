"""Guards: conditions a workflow transition names, checked before it fires (message, or None to pass)."""
from __future__ import annotations

from sqlalchemy import select

from engine import access
from engine.models import Case
from engine.rules.registry import guard


def unmet_requirement(session, item, unit_id: int | None, account_id: int | None) -> str | None:
    """The message of the first `requires` entry of the item that the owner does not meet yet."""
    for req in item.requires:
        found = session.scalar(select(Case.id).where(
            access.owned_by_clause(unit_id, account_id), Case.item_key == req["item"], Case.state == req["state"]).limit(1))
        if found is None:
            return req["message"]
    return None


@guard("attachments_complete", label="必传附件均已上传", doc="every required attachment slot holds a file")
def attachments_complete(case, ctx):
    item = ctx.catalogue.item(case.item_key)
    stored = {a.slot for a in case.attachments if a.current}
    missing = [item.attachment(s)["title"] for s in item.required_slots if s not in stored]
    if missing:
        return "请先上传以下附件：" + "、".join(missing)
    return None


@guard("requires_met", label="已办妥前置事项", doc="the owner has a case of each item in `requires`, in the state it names")
def requires_met(case, ctx):
    item = ctx.catalogue.item(case.item_key)
    return unmet_requirement(ctx.session, item, case.unit_id, case.account_id)
