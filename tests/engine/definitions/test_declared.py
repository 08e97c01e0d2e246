"""What items declare: publish.fields, role, batch.index, locates_unit, change (engine/declarations.py), and
the effects that carry a declaration out."""
from tests.engine.definitions.copies import edit, problems_of


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


def test_locates_unit_needs_a_workflow_whose_approval_relocates_the_unit(defs):
    _, workflows = defs
    edit(workflows / "review.json", lambda r: r["transitions"][1]["effects"].remove("locate_unit"))
    assert problems_of(*defs) == ["forms/unit_application.json: /locates_unit: 流程“review”中没有执行效果"
                                  "“locate_unit”的操作，locates_unit 在审核时不会生效"]


def test_change_names_a_state_of_the_workflow_and_known_placeholders(defs):
    forms, _ = defs
    edit(forms / "unit_application.json", lambda r: r["change"].update(
        when="certified", message="已认定（{reference}，{when}，{date.year}）"))
    edit(forms / "match_report.json", lambda r: r.update(change={"when": "approved", "message": "已上报"}))
    found = problems_of(*defs)
    assert "forms/unit_application.json: /change/when: 状态“certified”不在流程中" in found
    assert ("forms/unit_application.json: /change/message: 未知的占位符{date.year}、{when}，"
            "可用：{reference}、{date}") in found
    assert "forms/match_report.json: /change: 只有 kind 为 form 的事项可以声明 change（变更申请在表单页办理）" in found
    edit(forms / "unit_application.json", lambda r: r["change"].pop("message"))
    assert "forms/unit_application.json: /change: 'message' is a required property" in problems_of(*defs)


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


def test_due_is_a_monthly_batch_report_s_indexed_month(defs):
    forms, _ = defs
    edit(forms / "post_application.json", lambda r: r.update(due={"month_field": "deadline", "day": 10,
                                                                 "remind_before": 3}))
    edit(forms / "onduty_report.json", lambda r: r["due"].update(month_field="change_date"))
    edit(forms / "attendance_report.json", lambda r: r["batch"]["index"].pop("month"))
    found = problems_of(*defs)
    for expected in (
        "forms/post_application.json: /due: 只有批量上报事项（kind 为 batch）才能声明 due（按月报送的期限）",
        "forms/onduty_report.json: /due/month_field: 字段“change_date”的 format 须为“month”",
        "forms/attendance_report.json: /due/month_field: 字段“month”须在 batch.index 中声明为“month”：按月份查找各单位的上报记录",
    ):
        assert expected in found, (expected, found)


def test_due_counts_one_row_per_person_and_month(defs):
    forms, _ = defs
    edit(forms / "onduty_report.json", lambda r: r["batch"].update(row_key=["id_number", "month", "status"]))
    edit(forms / "attendance_report.json", lambda r: r["batch"]["index"].pop("id_number"))
    found = problems_of(*defs)
    assert ("forms/onduty_report.json: /batch/row_key: 声明 due 的事项 row_key 须为人员与月份（id_number、month）："
            "每人每月一行，重报时替换") in found
    assert "forms/attendance_report.json: /batch/index: 声明 due 的事项须在 batch.index 中声明“id_number”：按人员核对在册名单" in found


def test_due_needs_the_roster_of_an_item_playing_agreements_and_bounded_numbers(defs):
    forms, _ = defs
    edit(forms / "match_report.json", lambda r: r.pop("role"))
    edit(forms / "attendance_report.json", lambda r: r["due"].update(remind_before=30))
    found = problems_of(*defs)
    assert ("forms/onduty_report.json: /due: 声明 due 需要一个担任角色“agreements”的事项（role.as）："
            "应报的单位和人员来自其名单") in found
    assert any(p.startswith("forms/attendance_report.json: /due/remind_before") for p in found), found


def test_a_claims_publicity_is_started_by_start_publicity_and_ended_by_the_system(defs):
    forms, workflows = defs

    def change(w):
        for t in w["transitions"]:
            if t["trigger"] == "city_approve":
                t["effects"] = []
        w["transitions"] = [t for t in w["transitions"] if t["trigger"] != "end_publicity"]
    edit(workflows / "claim_review.json", change)
    found = problems_of(*defs)
    name = "forms/subsidy_claim.json"
    assert f"{name}: /workflow: 流程“claim_review”进入公示状态“publicity”的操作没有执行效果“start_publicity”，公示期不会记录" in found
    assert any(p.startswith(f"{name}: /workflow: 流程“claim_review”的公示状态“publicity”没有系统执行的公示期满操作")
               for p in found), found
    edit(workflows / "claim_review.json", lambda w: w.update(transitions=[
        t for t in w["transitions"] if t.get("form") != "objection"]))
    assert f"{name}: /claim/publicity: 流程“claim_review”没有公示异议的操作（form: objection），claim.publicity 不会生效" \
        in problems_of(*defs)
