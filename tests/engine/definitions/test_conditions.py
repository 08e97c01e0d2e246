"""Conditional required: the one form of if/then/else the form page can show."""
from engine.loader import load_catalogue
from tests.engine.definitions.copies import edit, problems_of


def test_conditional_required_in_the_one_form_the_form_page_can_show(defs):
    forms, _ = defs

    def change(r):
        r["schema"]["allOf"] = [
            {"if": {"properties": {"education": {"const": "本科"}}, "required": ["education"]},
             "then": {"required": ["major"]}},
            {"if": {"properties": {"education": {"enum": ["硕士", "博士"]}, "ghost": {"const": 1}}},
             "then": {"required": ["nobody"]}},
            {"if": {"properties": {"education": {"minLength": 2}}, "required": ["education"]},
             "else": {"required": ["major"]}},
            {"then": {"required": ["major"]}}]
    edit(forms / "post_application.json", change)
    found = [p for p in problems_of(*defs) if "/allOf/" in p]
    assert found == [
        "forms/post_application.json: /schema/allOf/1/if/properties/education: 字段“education”须同时列入 if.required："
        "否则它未填写时条件也成立",
        "forms/post_application.json: /schema/allOf/1/if/properties/ghost: 字段“ghost”不在 schema.properties 中",
        "forms/post_application.json: /schema/allOf/1/if/properties/ghost: 字段“ghost”须同时列入 if.required："
        "否则它未填写时条件也成立",
        "forms/post_application.json: /schema/allOf/1/then/required/0: 必填字段“nobody”不在 properties 中",
        "forms/post_application.json: /schema/allOf/2/if/properties/education: "
        "条件字段只支持 {\"const\": 值} 或 {\"enum\": [值, …]}",
        "forms/post_application.json: /schema/allOf/3: then/else 须与 if 一起使用"]
    edit(forms / "post_application.json", lambda r: r["schema"].update(allOf=r["schema"]["allOf"][:1]))
    item = load_catalogue(*defs).item("post_application")
    assert [(c.when, c.then_required) for c in item.conditions] == [((("education", ("本科",)),), ("major",))]
