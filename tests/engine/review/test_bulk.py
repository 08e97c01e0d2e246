"""engine.review.bulk: one trigger over many cases, each in its own savepoint."""
from __future__ import annotations



import pytest

from engine import review
from engine.models import Case
from engine.workflow import WorkflowError


def test_bulk_gives_a_result_per_case_and_one_failure_undoes_nothing(dbsession, catalogue, people, spread):
    ok, stale, foreign = spread["xiaodian"], spread["yingze"], spread["pingcheng"]
    assert review.bulk.bulk_triggers(catalogue, people["taiyuan"]) == [("city_approve", "市级审核通过"), ("approve", "审核通过")]
    results = review.bulk.bulk(dbsession, catalogue, people["taiyuan"], "approve",
                          [(ok.id, ok.version), (stale.id, stale.version - 1), (foreign.id, None), (999999, None)])
    dbsession.commit()
    assert [(r.id, r.ok, r.message) for r in results] == [
        (ok.id, True, "已审核通过"),
        (stale.id, False, "该申请已被他人处理，当前状态：未审核"),
        (foreign.id, False, "申请不存在或不在您的管辖范围内"),
        (999999, False, "申请不存在或不在您的管辖范围内")]
    dbsession.expire_all()
    assert [dbsession.get(Case, c.id).state for c in (ok, stale, foreign)] == ["approved", "submitted", "submitted"]
    assert review.bulk.parse_selection(["3:4", "5", "x", "3:4", "7:y"]) == [(3, 4), (5, None)]
    with pytest.raises(WorkflowError):
        review.bulk.bulk(dbsession, catalogue, people["taiyuan"], "approve", [(i, None) for i in range(101)])
