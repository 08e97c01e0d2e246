"""engine.review.actions: acting on one case, and two reviewers acting at once."""
from __future__ import annotations


import threading

import pytest

from engine import review
from engine.models import Case
from engine.workflow import StaleCase, TransitionNotAllowed
from tests import factories as f


def test_act_checks_jurisdiction_version_and_clears_the_claim(dbsession, catalogue, people, spread):
    case = spread["pingcheng"]
    with pytest.raises(TransitionNotAllowed) as e:
        review.actions.act(dbsession, catalogue, case, "approve", people["taiyuan"])
    assert e.value.message == "该申请不在您的管辖范围内"
    review.claims.claim(dbsession, case, people["datong"])
    with pytest.raises(StaleCase):
        review.actions.act(dbsession, catalogue, case, "approve", people["datong"], expected_version=case.version - 1)
    review.actions.act(dbsession, catalogue, case, "reject", people["datong"], comment="重复申报",
               expected_version=case.version)
    assert (case.state, case.claimed_by, case.events[-1].comment) == ("rejected", None, "重复申报")
    assert review.actions.why_not(dbsession, catalogue, case, "approve", people["datong"]) == \
        "当前状态“审核不通过”下不能执行此操作"


def test_two_sessions_at_once_exactly_one_transition_wins(session_factory, catalogue, storage, is_postgres):
    """Two threads, two connections, the same case, the same moment: one wins, one is told it is stale."""
    if not is_postgres:
        pytest.skip("concurrent writers need PostgreSQL; SQLite web requests serialise on BEGIN IMMEDIATE")
    setup = session_factory()
    r1, r2 = f.reviewer(setup, "r1"), f.reviewer(setup, "r2", name="第二审核员")
    case = f.submitted_unit_application(setup, catalogue, storage, f.unit_account(setup))
    setup.commit()
    case_id, version, reviewers = case.id, case.version, (r1.id, r2.id)
    setup.close()
    barrier = threading.Barrier(2)
    outcome: list = [None, None]

    def work(i, trigger, comment):
        s = session_factory()
        try:
            c = s.get(Case, case_id)
            me = s.get(type(r1), reviewers[i])
            barrier.wait()
            try:
                review.actions.act(s, catalogue, c, trigger, me, comment=comment, expected_version=version)
                s.commit()
                outcome[i] = "won"
            except StaleCase as e:
                s.rollback()
                outcome[i] = e.message
        finally:
            s.close()

    threads = [threading.Thread(target=work, args=(0, "approve", None)),
               threading.Thread(target=work, args=(1, "reject", "不同意"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["won", "该申请已被他人处理"]
    check = session_factory()
    stored = check.get(Case, case_id)
    assert [e.trigger for e in stored.events][0] == "submit" and len(stored.events) == 2
    assert stored.state == ("approved" if outcome[0] == "won" else "rejected")
    check.close()
