"""The decision an owner reads first: a reviewer's return or refusal, read from the workflow (never from
state names), with what the owner may do now; one query for a whole list."""
from __future__ import annotations

from engine.cases.answers import restored_values
from engine.cases.decisions import REAPPLY, RESUBMIT, case_decision, latest_decisions
from engine.cases.lifecycle import save_draft, start_change, submit, transition
from tests import factories as f


def test_a_return_asks_for_a_resubmission_with_the_reviewers_reason(dbsession, catalogue, storage):
    unit = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000", name="省级审核员")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    assert case_decision(catalogue, case) is None            # waiting: nothing decided
    transition(dbsession, catalogue, case, "return_for_correction", province, comment="申请表未加盖公章")
    d = case_decision(catalogue, case)
    assert (d.action, d.state_label, d.comment, d.next, d.who) == (
        "退回修改", "退回修改", "申请表未加盖公章", RESUBMIT, "审核人员（省级审核员）")
    assert d.resubmit and not d.reapply and "修改后重新提交" in d.advice
    assert d.as_dict()["at"].endswith("+08:00")
    # Resubmitted: the return is history now, not a decision to act on.
    item = catalogue.item("unit_application")
    submit(dbsession, catalogue, item, unit, restored_values(item, case), case=case)
    assert case_decision(catalogue, case) is None


def test_a_refusal_closes_the_case_and_a_refused_change_keeps_the_case_in_force(dbsession, catalogue, storage):
    unit = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    refused = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    transition(dbsession, catalogue, refused, "reject", province, comment="不符合见习单位条件")
    d = case_decision(catalogue, refused)
    assert (d.action, d.next, d.comment) == ("审核不通过", REAPPLY, "不符合见习单位条件")
    assert "重新申请" in d.advice and "原申请" not in d.advice

    approved = f.approved_unit(dbsession, catalogue, storage, unit, province)
    assert case_decision(catalogue, approved) is None       # an approval needs no explanation: not a decision
    change = start_change(dbsession, catalogue, catalogue.item("unit_application"), unit)
    submit(dbsession, catalogue, catalogue.item("unit_application"), unit, dict(change.data), case=change)
    transition(dbsession, catalogue, change, "reject", province, comment="材料不全")
    assert "原申请继续有效" in case_decision(catalogue, change).advice


def test_a_list_gets_every_decision_in_one_query(dbsession, catalogue, storage):
    unit = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, unit, province)
    returned = submit(dbsession, catalogue, catalogue.item("post_application"), unit, f.post_data())
    waiting = submit(dbsession, catalogue, catalogue.item("post_application"), unit, f.post_data())
    draft = save_draft(dbsession, catalogue, catalogue.item("post_application"), unit, {"position_name": "草稿"})
    transition(dbsession, catalogue, returned, "return_for_correction", province, comment="补助偏低")
    found = latest_decisions(dbsession, catalogue, [returned, waiting, draft])
    assert list(found) == [returned.id] and found[returned.id].comment == "补助偏低"
    assert latest_decisions(dbsession, catalogue, []) == {}
