"""A workflow file's own checks: declared states, registered conditions and effects."""
from tests.engine.definitions.copies import edit, problems_of


def test_workflow_undeclared_state_unknown_guard_and_missing_roles(defs):
    _, workflows = defs
    def change(r):
        r["transitions"][0]["dest"] = "limbo"
        r["transitions"][0]["conditions"].append("moon_is_full")
        r["transitions"][1]["roles"] = []
    edit(workflows / "review.json", change)
    found = problems_of(*defs)
    # A meta-schema error no longer hides the file's other problems: all three in one run.
    assert "workflows/review.json: /transitions/1/roles: [] should be non-empty" in found
    assert "workflows/review.json: /transitions/0/dest: 状态“limbo”未在 states 中声明" in found
    assert "workflows/review.json: /transitions/0/conditions/2: 未注册的条件“moon_is_full”" in found


def test_an_effect_only_staff_may_cause_is_refused_on_an_owners_transition(defs):
    # Moving the unit on submission would let it choose its reviewers without review.
    _, workflows = defs
    edit(workflows / "review.json", lambda r: r["transitions"][0]["effects"].append("locate_unit"))
    assert "workflows/review.json: /transitions/0/effects/1: 效果“locate_unit”只能用于审核人员或管理员的操作，" \
           "不能用于单位、个人可执行的操作（否则无须审核即生效）" in problems_of(*defs)


def test_a_time_limit_is_a_whole_number_of_working_days(defs):
    _, workflows = defs

    def change(r):
        r["states"][1]["time_limit"] = 0          # 未审核
        r["states"][4]["time_limit"] = "十"      # 退回修改
    edit(workflows / "review.json", change)
    found = problems_of(*defs)
    assert found == ["workflows/review.json: /states/1/time_limit: 0 is less than the minimum of 1",
                     "workflows/review.json: /states/4/time_limit: '十' is not of type 'integer'"]


def test_a_time_limit_only_where_a_case_waits_for_a_reviewer(defs):
    _, workflows = defs
    edit(workflows / "review.json", lambda r: r["states"][2].update(time_limit=5))   # 审核通过: nobody waits
    assert problems_of(*defs) == ["workflows/review.json: /states/2/time_limit: “审核通过”不是待审核状态（queue），"
                                  "办理时限只能设在等待审核人员处理的状态上"]


def test_the_shipped_review_workflow_gives_its_waiting_state_ten_working_days(catalogue):
    wf = catalogue.workflows["review"]
    assert [(s["label"], wf.time_limit(s["name"])) for s in wf.states if wf.time_limit(s["name"])] == [("未审核", 10)]
    assert not catalogue.workflows["batch"].timed
