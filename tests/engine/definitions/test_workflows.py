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
