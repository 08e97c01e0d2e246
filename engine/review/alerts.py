"""预警 and 超期: the workers' periodic deadline scan, and a notice to the reviewers concerned per crossing.

engine.deadlines records each crossing once (across repeated and concurrent scans); this module only tells
people, in the same transaction, so a crossing is never recorded without its notices nor notified twice."""
from __future__ import annotations

from datetime import timedelta

from engine import clock, deadlines
from engine.models import Case
from engine.notices.jobs import JobContext, periodic
from engine.notices.outbox import raise_notice

EVENTS = {deadlines.WARNING: "deadline_warning", deadlines.OVERDUE: "deadline_overdue"}


def alert(session, catalogue, now, warning: int) -> list:
    """Start the clocks still missing, record the crossings due now and notify each; the crossings."""
    deadlines.start_missing(session, catalogue)
    crossings = deadlines.scan(session, now, warning)
    notify(session, catalogue, crossings)
    return crossings


def notify(session, catalogue, crossings) -> None:
    for crossing in crossings:
        case = session.get(Case, crossing.case_id)
        raise_notice(session, catalogue, EVENTS[crossing.kind], case=case,
                     params={"deadline_on": crossing.deadline_on.isoformat()})


@periodic("deadline_scan", every=timedelta(minutes=10))
def deadline_scan(ctx: JobContext) -> None:
    warning = int(ctx.settings.get("jianxi.deadline_warning_days", deadlines.WARNING_DAYS))
    alert(ctx.session, ctx.catalogue, ctx.now or clock.now(), warning)
