"""An item file's cross-checks: rules, sections, its workflow, formats."""
from tests.engine.definitions.copies import edit, problems_of


def test_unknown_rule_is_reported_with_file_and_path(defs):
    forms, workflows = defs
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "no_such_rule"}))
    assert "forms/post_application.json: /rules/4/rule: 未注册的规则“no_such_rule”" in problems_of(*defs)


def test_rule_naming_a_missing_field_is_reported(defs):
    forms, _ = defs
    edit(forms / "unit_application.json", lambda r: r["rules"][2].update(other="employees"))
    assert "forms/unit_application.json: /rules/2/other: 字段“employees”不在 schema.properties 中" in problems_of(*defs)


def test_section_with_unknown_field_and_unplaced_field(defs):
    forms, _ = defs
    def change(r):
        r["ui"]["sections"][0]["fields"].append("ghost")
        r["ui"]["sections"][1]["fields"].remove("intro")
    edit(forms / "unit_application.json", change)
    found = problems_of(*defs)
    assert "forms/unit_application.json: /ui/sections/0/fields/2: 字段“ghost”不在 schema.properties 中" in found
    assert "forms/unit_application.json: /schema/properties/intro: 字段“intro”没有放入任何 ui.sections" in found


def test_item_naming_missing_workflow_and_unknown_format(defs):
    forms, _ = defs
    def change(r):
        r["workflow"] = "two_level"
        r["schema"]["properties"]["openings"]["format"] = "roman"
    edit(forms / "post_application.json", change)
    found = problems_of(*defs)
    assert "forms/post_application.json: /workflow: 流程“two_level”不存在于 workflows/" in found
    assert "forms/post_application.json: /schema/properties/openings/format: 未知的格式“roman”" in found
