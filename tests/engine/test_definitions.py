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
    # A meta-schema error no longer hides the file's other problems: all three in one run.
    assert "workflows/review.json: /transitions/1/roles: [] should be non-empty" in found
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


# ---- workflows that cannot strand a case ---------------------------------------------

@pytest.mark.parametrize("change, expected", [
    # Submitted cases no reviewer queue would show.
    (lambda r: r["states"][1].pop("queue"),
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


def test_a_state_named_queue_is_refused(defs):
    _, workflows = defs
    edit(workflows / "review.json", lambda r: r["states"][0].update(name="queue"))
    assert any(p.startswith("workflows/review.json: /states/0/name: ") for p in problems_of(*defs))


TWO_LEVEL = {
    "key": "two_level", "title": "两级审核", "initial": "draft",
    "states": [{"name": "draft", "label": "草稿", "editable": True},
               {"name": "submitted", "label": "待县级审核", "queue": True, "reviewer_level": "county"},
               {"name": "county_ok", "label": "待市级审核", "queue": True, "reviewer_level": ["city"]},
               {"name": "approved", "label": "审核通过", "final": True},
               {"name": "returned", "label": "退回修改", "editable": True}],
    "transitions": [
        {"trigger": "submit", "source": ["draft", "returned"], "dest": "submitted", "roles": ["unit", "individual"],
         "label": "提交", "validates": True},
        {"trigger": "county_approve", "source": "submitted", "dest": "county_ok", "roles": ["reviewer"],
         "label": "县级审核通过"},
        {"trigger": "approve", "source": "county_ok", "dest": "approved", "roles": ["reviewer"],
         "label": "市级审核通过"},
        {"trigger": "return_for_correction", "source": ["submitted", "county_ok"], "dest": "returned",
         "roles": ["reviewer", "admin"], "label": "退回修改"},
        {"trigger": "force", "source": "county_ok", "dest": "approved", "roles": ["reviewer"],
         "reviewer_levels": ["province"], "label": "省级直接通过"}]}


def with_two_level(defs, roles=("unit",), workflow=TWO_LEVEL, **item_over):
    forms, workflows = defs
    (workflows / "two_level.json").write_text(json.dumps(workflow, ensure_ascii=False), "utf-8")
    item = json.loads((forms / "post_application.json").read_text("utf-8"))
    item.update(key="post_two_level", workflow="two_level", roles=list(roles), order=99, **item_over)
    item.pop("publish")
    (forms / "post_two_level.json").write_text(json.dumps(item, ensure_ascii=False), "utf-8")
    return problems_of(*defs)


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
    # Located through the item itself: fine.
    assert with_two_level(defs, requires=[], locates_unit={"city": "work_city", "county": "work_county"}) == []


def test_a_level_named_where_no_reviewer_acts_is_refused(defs):
    wf = json.loads(json.dumps(TWO_LEVEL))
    wf["transitions"][0]["reviewer_levels"] = ["city"]
    wf["states"][4]["reviewer_level"] = "county"
    assert with_two_level(defs, workflow=wf) == [
        "workflows/two_level.json: /states/4/reviewer_level: “退回修改”指定了审核层级，但没有审核人员的操作从这里出发",
        "workflows/two_level.json: /transitions/0/reviewer_levels: reviewer_levels 只对审核人员（roles 含 reviewer）的操作有效"]


# ---- conditional required ---------------------------------------------------------

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


# ---- every problem of every file in one run ---------------------------------------

def test_check_reports_every_problem_of_every_file_in_one_run(defs, capsys):
    forms, workflows = defs

    def review(r):
        r["transitions"][1]["roles"] = []                 # meta-schema
        r["transitions"][0]["dest"] = "limbo"             # the file's own checks
        r["transitions"][2]["conditions"] = ["moon_is_full"]
    edit(workflows / "review.json", review)
    edit(workflows / "batch.json", lambda r: r["states"][1].pop("final"))   # the workflow graph

    def post(r):
        r["kind"] = "excel"                               # meta-schema
        r["rules"].append({"rule": "no_such_rule"})      # cross-check
        r["ui"]["sections"][1]["fields"].pop()            # a field left out of every section
    edit(forms / "post_application.json", post)
    (forms / "unit_application.json").write_text('{"key": ', "utf-8")                  # syntax
    edit(forms / "match_report.json", lambda r: r["batch"]["row_key"].append("ghost"))   # cross-check
    found = problems_of(*defs)
    expected = [
        "workflows/batch.json: /states/1: ",
        "workflows/review.json: /transitions/1/roles: [] should be non-empty",
        "workflows/review.json: /transitions/0/dest: 状态“limbo”未在 states 中声明",
        "workflows/review.json: /transitions/2/conditions/0: 未注册的条件“moon_is_full”",
        "forms/match_report.json: /batch/row_key/2: 字段“ghost”不在 schema.properties 中",
        "forms/post_application.json: /kind: ",
        "forms/post_application.json: /schema/properties/work_address: 字段“work_address”没有放入任何 ui.sections",
        "forms/post_application.json: /rules/4/rule: 未注册的规则“no_such_rule”",
        "forms/unit_application.json: /: JSON 语法错误",
    ]
    assert len(found) == len(expected), found
    for got, want in zip(found, expected):
        assert got.startswith(want), (got, want)
    # Nothing echoes a broken file as a missing one: both items still name review and unit_application.
    assert not any("不存在" in p for p in found)
    forms_arg, workflows_arg = str(forms), str(workflows)
    assert cli_main(["check", "--forms", forms_arg, "--workflows", workflows_arg]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == found and f"定义检查失败：{len(expected)}处错误" in out.err


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
