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
