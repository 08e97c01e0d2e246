import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.loader import DefinitionError, check_definitions, default_dirs, load_catalogue

FORMS, WORKFLOWS = default_dirs()


@pytest.fixture
def defs(tmp_path):
    """A writable copy of the shipped definitions."""
    forms, workflows = tmp_path / "forms", tmp_path / "workflows"
    shutil.copytree(FORMS, forms)
    shutil.copytree(WORKFLOWS, workflows)
    return forms, workflows


def edit(path: Path, fn):
    raw = json.loads(path.read_text("utf-8"))
    fn(raw)
    path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")


def problems_of(forms, workflows):
    return [str(p) for p in check_definitions(forms, workflows)[0]]


def test_shipped_definitions_load_with_five_items_in_menu_order():
    catalogue = load_catalogue(FORMS, WORKFLOWS)
    assert [i.title for i in catalogue.items.values()] == [
        "就业见习单位申请", "就业见习岗位申请", "见习匹配结果批量上报", "见习考勤批量上报", "见习人员每月在岗情况上报"]
    assert set(catalogue.workflows) == {"review", "batch"}
    app = catalogue.item("unit_application")
    assert [a["title"] for a in app.attachments] == ["营业执照或法人登记证书", "就业见习单位申请表", "见习管理制度及带教计划"]
    assert app.field_map["credit_code"].readonly and app.field_map["unit_name"].prefill == "unit.name"
    assert app.field_map["unit_type"].enum[:3] == ("企业", "机关", "事业单位")
    assert len(app.field_map["industry"].enum) == 20  # GB/T 4754-2017 门类 A-T


def test_every_field_lands_in_exactly_one_section():
    catalogue = load_catalogue(FORMS, WORKFLOWS)
    for item in catalogue.items.values():
        assert [f.key for f in item.fields] and set(f.key for f in item.fields) == set(item.schema["properties"])


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


def test_metaschema_errors_name_the_path(defs):
    forms, _ = defs
    edit(forms / "match_report.json", lambda r: r.update(kind="excel"))
    found = problems_of(*defs)
    assert any(p.startswith("forms/match_report.json: /kind: ") for p in found)


def test_workflow_undeclared_state_unknown_guard_and_missing_roles(defs):
    _, workflows = defs
    def change(r):
        r["transitions"][0]["dest"] = "limbo"
        r["transitions"][0]["conditions"].append("moon_is_full")
        r["transitions"][1]["roles"] = []
    edit(workflows / "review.json", change)
    found = problems_of(*defs)
    assert "workflows/review.json: /transitions/1/roles: [] should be non-empty" in found
    # Metaschema errors stop deeper checks of that file; fix roles and look again.
    edit(workflows / "review.json", lambda r: r["transitions"][1].update(roles=["reviewer"]))
    found = problems_of(*defs)
    assert "workflows/review.json: /transitions/0/dest: 状态“limbo”未在 states 中声明" in found
    assert "workflows/review.json: /transitions/0/conditions/2: 未注册的条件“moon_is_full”" in found


def test_item_naming_missing_workflow_and_unknown_format(defs):
    forms, _ = defs
    def change(r):
        r["workflow"] = "two_level"
        r["schema"]["properties"]["openings"]["format"] = "roman"
    edit(forms / "post_application.json", change)
    found = problems_of(*defs)
    assert "forms/post_application.json: /workflow: 流程“two_level”不存在于 workflows/" in found
    assert "forms/post_application.json: /schema/properties/openings/format: 未知的格式“roman”" in found


def test_json_syntax_error_is_reported(defs):
    forms, _ = defs
    (forms / "onduty_report.json").write_text('{"key": "onduty_report",', "utf-8")
    found = problems_of(*defs)
    assert len(found) == 1 and found[0].startswith("forms/onduty_report.json: /: JSON 语法错误：第1行")


def test_load_catalogue_raises_with_every_problem(defs):
    forms, _ = defs
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "x"}))
    edit(forms / "attendance_report.json", lambda r: r["batch"]["rules"].append({"rule": "y"}))
    with pytest.raises(DefinitionError) as e:
        load_catalogue(*defs)
    assert len(e.value.problems) == 2


def test_check_command_exit_codes(defs, capsys):
    forms, workflows = defs
    assert cli_main(["check", "--forms", str(forms), "--workflows", str(workflows)]) == 0
    assert "定义检查通过：5个事项，2个流程" in capsys.readouterr().out
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "nope"}))
    assert cli_main(["check", "--forms", str(forms), "--workflows", str(workflows)]) == 1
    out = capsys.readouterr()
    assert "forms/post_application.json: /rules/4/rule: 未注册的规则“nope”" in out.out
    assert "定义检查失败：1处错误" in out.err


def test_broken_definition_stops_the_app_with_the_message_not_a_traceback(defs, tmp_path):
    forms, workflows = defs
    edit(forms / "post_application.json", lambda r: r["rules"].append({"rule": "nope"}))
    code = (
        "from webapp import main\n"
        f"main({{}}, **{{'sqlalchemy.url': 'sqlite:///{tmp_path}/x.sqlite', "
        f"'jianxi.forms_dir': r'{forms}', 'jianxi.workflows_dir': r'{workflows}', "
        "'jianxi.session_secret': 'x' * 40})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])})
    assert proc.returncode == 1
    assert "forms/post_application.json: /rules/4/rule: 未注册的规则“nope”" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------
# What items declare: publish.fields, role, batch.index (engine/declarations.py)
# ---------------------------------------------------------------------------

def test_publish_fields_must_name_fitting_fields_and_every_required_position_column(defs):
    forms, _ = defs

    def change(r):
        fields = r["publish"]["fields"]
        fields["salary"] = "allowance"            # no such position attribute
        fields["openings"] = "head_count"         # no such field
        fields["period_months"] = "work_address"  # a string for a number
        fields["county"] = "work_city"            # a city where a county is wanted
        fields["major"] = "description"           # 1500 characters into a 100-character column
        fields["deadline"] = "age_min"
        del fields["name"]                        # the position's name is required
        r["schema"]["required"].remove("allowance")
    edit(forms / "post_application.json", change)
    found = problems_of(*defs)
    name = "forms/post_application.json"
    for expected in (
        f"{name}: /publish/fields/salary: 岗位没有“salary”，可用：name、openings、period_months",
        f"{name}: /publish/fields/openings: 字段“head_count”不在 schema.properties 中",
        f"{name}: /publish/fields/period_months: 字段“work_address”的类型为string，此处须为integer",
        f"{name}: /publish/fields/county: 字段“work_city”的 format 须为“shanxi-county”",
        f"{name}: /publish/fields/major: 字段“description”须用 maxLength 或 enum 限定在100个字符以内",
        f"{name}: /publish/fields/deadline: 字段“age_min”的类型为integer，此处须为string",
        f"{name}: /publish/fields: 缺少“name”：岗位必须声明它来自哪个字段",
        f"{name}: /publish/fields/allowance: 字段“allowance”须列入 schema.required：此处必须有值",
    ):
        assert any(p.startswith(expected) for p in found), (expected, found)


def test_publish_needs_its_fields(defs):
    forms, _ = defs
    edit(forms / "post_application.json", lambda r: r["publish"].pop("fields"))
    assert any(p.startswith("forms/post_application.json: /publish: 'fields' is a required property")
               for p in problems_of(*defs))


def test_a_singular_role_is_claimed_by_one_item_only(defs):
    forms, _ = defs
    edit(forms / "onduty_report.json", lambda r: r.update(role={"as": "agreements", "fields": {
        "name": "name", "position": "status"}}))
    found = problems_of(*defs)
    assert ("forms/onduty_report.json: /role/as: 角色“agreements”已由 forms/match_report.json 担任，"
            "只能有一个事项担任") in found
    # And the agreements' period must be indexed, as required fields.
    assert "forms/onduty_report.json: /batch/index: 角色“agreements”须在 batch.index 中声明“start_date”" in found


def test_role_checks(defs):
    forms, _ = defs
    edit(forms / "unit_application.json", lambda r: r["role"].update(when="accepted", fields={
        "industry": "unit_type", "region": "county", "county": "city"}))
    edit(forms / "post_application.json", lambda r: r.update(role={"as": "agreements", "fields": {}}))
    edit(forms / "attendance_report.json", lambda r: r.update(role={"as": "sponsor"}))
    found = problems_of(*defs)
    for expected in (
        "forms/unit_application.json: /role/when: 状态“accepted”不在流程中",
        "forms/unit_application.json: /role/fields/region: 角色“unit_approval”没有“region”",
        "forms/unit_application.json: /role/fields/county: 字段“city”的 format 须为“shanxi-county”",
        "forms/post_application.json: /role/as: 角色“agreements”只能由 kind 为 batch 的事项担任",
        "forms/post_application.json: /role/fields: 缺少“name”：角色“agreements”必须声明它来自哪个字段",
        "forms/attendance_report.json: /role/as: 未知的角色“sponsor”，可用：unit_approval、agreements",
    ):
        assert any(p.startswith(expected) for p in found), (expected, found)
    # unit_type's eight choices fit the industry column; fields that do not exist are named.
    assert not any("/role/fields/industry" in p for p in found)
    edit(forms / "unit_application.json", lambda r: r["role"].pop("when"))
    assert "forms/unit_application.json: /role: 角色“unit_approval”须用 when 说明哪个状态的申请起作用" in \
        problems_of(*defs)


def test_locates_unit_names_a_required_city_and_county(defs):
    forms, _ = defs
    edit(forms / "unit_application.json", lambda r: r["locates_unit"].update(city="address", county="district"))
    found = problems_of(*defs)
    assert "forms/unit_application.json: /locates_unit/city: 字段“address”的 format 须为“shanxi-city”" in found
    assert "forms/unit_application.json: /locates_unit/county: 字段“district”不在 schema.properties 中" in found


def test_batch_index_fields_must_fit_their_columns(defs):
    forms, _ = defs
    edit(forms / "attendance_report.json", lambda r: r["batch"]["index"].update(month="remark", person="name"))
    found = problems_of(*defs)
    assert "forms/attendance_report.json: /batch/index/month: 字段“remark”的 format 须为“month”" in found
    assert any(p.startswith("forms/attendance_report.json: /batch/index/person: batch.index没有“person”")
               for p in found)


def test_rules_that_read_agreements_need_an_item_playing_the_role(defs):
    forms, _ = defs
    edit(forms / "match_report.json", lambda r: r.pop("role"))
    found = problems_of(*defs)
    assert "forms/attendance_report.json: /batch/rules/1/rule: 规则“on_roster”需要一个担任角色“agreements”的事项（role.as）" \
        in found
    assert "forms/match_report.json: /batch/rules/3/rule: 规则“no_overlapping_agreement”需要一个担任角色“agreements”的事项（role.as）" \
        in found
