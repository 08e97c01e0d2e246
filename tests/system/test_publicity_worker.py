"""The end of 公示 as the service runs it: a real `jianxi worker` process, started on the suite's database, finds
the claim whose 公示 ended (approved on 2026-09-30, last day 2026-10-15, long before today) and makes it 待拨付
as the system, with the unit's notice; a claim still in 公示 stays."""
from __future__ import annotations

from sqlalchemy import select

from engine import clock
from engine.cases.lifecycle import transition
from engine.models import Case, CaseEvent, Notice
from engine.subsidy import claims
from tests.engine.subsidy.conftest import claimants  # noqa: F401  (the fixture)
from tests.engine.subsidy.test_claims import trainee
from tests.engine.subsidy.test_publicity import bj
from tests.system.test_notice_workers import wait_until, worker_ini, workers  # noqa: F401  (fixtures)


def approved_on(s, catalogue, claimants, when, period):
    """A claim of one month approved by the city at `when` (None: now)."""
    clock.set_now(when)
    try:
        case = claims.start(s, catalogue, claimants["item"], claimants["unit"],
                            {"period_from": period, "period_to": period})
        transition(s, catalogue, case, "submit", claimants["unit"])
        transition(s, catalogue, case, "county_approve", claimants["county"])
        transition(s, catalogue, case, "city_approve", claimants["city"])
        s.commit()
    finally:
        clock.set_now(None)
    return case.id


def test_a_worker_process_ends_the_publicity_of_an_ended_claim(dbsession, catalogue, claimants, worker_ini, workers,
                                                               session_factory):
    s = dbsession
    trainee(s, catalogue, claimants["unit"])
    ended = approved_on(s, catalogue, claimants, bj(2026, 9, 30), "2026-01")
    running = approved_on(s, catalogue, claimants, None, "2026-02")

    def state(case_id):
        with session_factory() as fresh:
            return fresh.get(Case, case_id).state
    worker = workers(worker_ini())
    wait_until(lambda: state(ended) == "payable", 60, "the worker's publicity_end", [worker])
    assert state(running) == "publicity"
    with session_factory() as fresh:
        event = fresh.scalars(select(CaseEvent).where(CaseEvent.case_id == ended).order_by(CaseEvent.id.desc())).first()
        assert (event.trigger, event.actor_id) == ("end_publicity", None)
        assert fresh.scalar(select(Notice).where(Notice.case_id == ended, Notice.event == "end_publicity"))
