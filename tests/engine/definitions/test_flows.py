"""Workflows that cannot strand a case, and reviewer levels against who can see an item's cases."""
import json

import pytest

from tests.engine.definitions.copies import TWO_LEVEL, edit, problems_of, with_two_level


@pytest.mark.parametrize("change, expected", [
    # Submitted cases no reviewer queue would show.
    (lambda r: [r["states"][1].pop(k) for k in ("queue", "time_limit")],
     "/states/1: 单位或个人“提交”后申请进入“未审核”，但该状态既不是待审核（queue），也不是终态（final）或可修改"
     "（editable）：审核人员的未审核列表里看不到这些申请"),
    # A queue no reviewer can empty.
    (lambda r: [t.update(roles=["admin"]) for t in r["transitions"][1:]],
     "/states/1: 待审核状态“未审核”没有审核人员（reviewer）可执行的操作，申请会一直停在这里"),
    # A return the unit cannot correct.
    (lambda r: r["states"][4].pop("editable"),
     "/states/4: “退回修改”由审核人员退回、只能由单位或个人重新提交，须标为可修改（\"editable\": true），"
     "否则无法修改后再提交"),
], ids=["no-queue", "no-reviewer", "return-not-editable"])
def test_a_workflow_that_would_strand_a_case_is_refused(defs, change, expected):
    _, workflows = defs
    edit(workflows / "review.json", change)
    assert problems_of(*defs) == [f"workflows/review.json: {expected}"]


def test_the_batch_outcome_is_final_because_nobody_waits_on_it(defs):
    # Before it was marked final, 审核通过 of a batch was a state the unit's 导入 led to that nobody waited on.
    _, workflows = defs
    edit(workflows / "batch.json", lambda r: r["states"][1].pop("final"))
    assert [p.split(": ")[1] for p in problems_of(*defs)] == ["/states/1"]


def test_levels_that_cannot_see_an_individuals_cases_are_refused(defs):
    found = with_two_level(defs, roles=["individual"])
    why = "个人的申请没有业务办理归属地"
    assert found == [
        f"workflows/two_level.json: /states/1/reviewer_level: 县级审核人员看不到事项“post_two_level”的申请（{why}，"
        "只有省级审核人员能看到）",
        f"workflows/two_level.json: /states/2/reviewer_level/0: 市级审核人员看不到事项“post_two_level”的申请（{why}，"
        "只有省级审核人员能看到）",
        f"workflows/two_level.json: /states/1: 待审核状态“待县级审核”只有县级审核人员可以操作，但事项“post_two_level”"
        f"的申请未必能被他们看到（{why}，只有省级审核人员能看到），这些申请会一直停在这里"]


def test_a_review_state_only_levels_that_may_not_see_a_unitless_location_act_on_is_refused(defs):
    # Without requires (or locates_unit) a unit may have no 业务办理归属地 yet: only the province sees it.
    found = with_two_level(defs, requires=[])
    assert [p.split(": ")[1] for p in found] == ["/states/1"]
    assert "单位在办理设定业务办理归属地的事项（locates_unit）之前，其申请没有归属地" in found[0]
    # Located through the item itself (its approval relocating the unit, as locates_unit needs): fine.
    located = json.loads(json.dumps(TWO_LEVEL))
    located["transitions"][2]["effects"] = ["locate_unit"]
    assert with_two_level(defs, workflow=located, requires=[],
                          locates_unit={"city": "work_city", "county": "work_county"}) == []


def test_a_level_named_where_no_reviewer_acts_is_refused(defs):
    wf = json.loads(json.dumps(TWO_LEVEL))
    wf["transitions"][0]["reviewer_levels"] = ["city"]
    wf["states"][4]["reviewer_level"] = "county"
    assert with_two_level(defs, workflow=wf) == [
        "workflows/two_level.json: /states/4/reviewer_level: “退回修改”指定了审核层级，但没有审核人员的操作从这里出发",
        "workflows/two_level.json: /transitions/0/reviewer_levels: reviewer_levels 只对审核人员（roles 含 reviewer）的操作有效"]
