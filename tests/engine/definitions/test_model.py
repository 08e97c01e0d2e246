"""The definition model: fields in section order, the catalogue in menu order, reviewer levels resolved."""
from engine.loader import load_catalogue
from tests.engine.definitions.copies import FORMS, WORKFLOWS, with_two_level


def test_shipped_definitions_load_with_six_items_in_menu_order():
    catalogue = load_catalogue(FORMS, WORKFLOWS)
    assert [i.title for i in catalogue.items.values()] == [
        "就业见习单位申请", "就业见习岗位申请", "见习匹配结果批量上报", "见习考勤批量上报", "见习人员每月在岗情况上报",
        "见习补贴申领"]
    assert set(catalogue.workflows) == {"review", "batch", "claim_review"}
    assert [v.version for v in catalogue.scheme("jianxi_subsidy").versions] == [1, 2]
    app = catalogue.item("unit_application")
    assert [a["title"] for a in app.attachments] == ["营业执照或法人登记证书", "就业见习单位申请表", "见习管理制度及带教计划"]
    assert app.field_map["credit_code"].readonly and app.field_map["unit_name"].prefill == "unit.name"
    assert app.field_map["unit_type"].enum[:3] == ("企业", "机关", "事业单位")
    assert len(app.field_map["industry"].enum) == 20  # GB/T 4754-2017 门类 A-T


def test_every_field_lands_in_exactly_one_section():
    catalogue = load_catalogue(FORMS, WORKFLOWS)
    for item in catalogue.items.values():
        assert [f.key for f in item.fields] and set(f.key for f in item.fields) == set(item.schema["properties"])


def test_a_state_names_its_reviewer_level_once_for_every_reviewer_transition_from_it(defs):
    from engine.workflow import Actor, available

    assert with_two_level(defs) == []
    wf = load_catalogue(*defs).workflows["two_level"]
    county, city, province = (Actor(1, "reviewer", jurisdiction=j) for j in ("140105", "140100", "140000"))
    triggers = lambda state, actor: [t.trigger for t in available(wf, state, actor)]  # noqa: E731
    assert triggers("submitted", county) == ["county_approve", "return_for_correction"]
    assert triggers("submitted", city) == [] and triggers("submitted", province) == []
    # One transition from two states of different levels: each state's level where it starts.
    assert triggers("county_ok", city) == ["approve", "return_for_correction"]
    assert triggers("county_ok", county) == []
    # A transition's own reviewer_levels win over the state's.
    assert triggers("county_ok", province) == ["force"]
    # Other roles are not restricted by a reviewer level.
    assert triggers("submitted", Actor(2, "admin")) == ["return_for_correction"]
    returns = [t for t in wf.transitions if t.trigger == "return_for_correction"]
    assert [(t.sources, t.reviewer_levels) for t in returns] == [(("submitted",), ("county",)),
                                                                  (("county_ok",), ("city",))]
