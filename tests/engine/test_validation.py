"""Every check and every rule of every item, with real valid and invalid values."""
import json
from datetime import date

import pytest

from engine.loader import default_dirs, load_catalogue
from engine.rules import RuleContext
from engine.validation import validate
from tests.factories import id_number, unit_application_data, post_data

TODAY = date(2026, 11, 28)
CAT = load_catalogue(*default_dirs())


def run(key, data, **ctx):
    return validate(CAT.item(key), data, RuleContext(today=TODAY, **ctx))


def errors_of(key, data):
    return {e.field: e.message for e in run(key, data)[1]}


def unit_app(**over):
    base = {"unit_name": "太原测试科技有限公司", "credit_code": "91110108551385082Q"}
    data = unit_application_data("太原测试科技有限公司", **base)
    data.update(over)
    return data


# ---- unit application ------------------------------------------------------

def test_valid_unit_application_passes_and_drops_the_confirm_copy():
    clean, errors = run("unit_application", unit_app())
    assert errors == []
    assert "bank_account_confirm" not in clean
    assert clean["staff_count"] == 120


def test_every_missing_required_field_is_reported_in_field_order():
    _, errors = run("unit_application", {})
    fields = [e.field for e in errors]
    assert fields[:4] == ["unit_name", "credit_code", "unit_type", "industry"]
    assert len(fields) == len(CAT.item("unit_application").schema["required"])
    msgs = {e.field: e.message for e in errors}
    assert msgs["unit_type"] == "请选择单位类型"
    assert msgs["address"] == "请填写详细地址"


def test_inputs_are_normalised_first():
    clean, errors = run("unit_application", unit_app(
        credit_code=" ９１１１０１０８５５１３８５０８２ｑ ", contact_mobile="+86 139-1234-5678",
        staff_count="１２０", bank_account="0502 1234 5678 9012 34", bank_account_confirm="050212345678901234",
        address="  太原市小店区（长治路）123号 "))
    assert errors == []
    assert clean["credit_code"] == "91110108551385082Q"
    assert clean["contact_mobile"] == "13912345678"
    assert clean["staff_count"] == 120
    assert clean["bank_account"] == "050212345678901234"
    assert clean["address"] == "太原市小店区（长治路）123号"  # Chinese punctuation kept


def test_credit_code_wrong_check_digit():
    msgs = errors_of("unit_application", unit_app(credit_code="91110108551385082A"))
    assert msgs["credit_code"] == "统一社会信用代码校验位错误，请核对第18位"


def test_credit_code_letter_prefix_is_valid():
    from tests.factories import credit_code
    code = credit_code("Y1140100MA0K12345")
    assert "credit_code" not in errors_of("unit_application", unit_app(credit_code=code))


def test_account_name_must_equal_unit_name():
    msgs = errors_of("unit_application", unit_app(account_name="别的公司"))
    assert msgs["account_name"] == "开户名称须与单位名称完全一致，请核对"


def test_insured_not_more_than_staff():
    msgs = errors_of("unit_application", unit_app(staff_count=10, insured_count=11))
    assert msgs["insured_count"] == "参保人数不能大于职工人数（10）"


def test_county_must_lie_in_city():
    msgs = errors_of("unit_application", unit_app(city="140200", county="140105"))
    assert msgs["county"] == "所在县（市、区）不属于所选的大同市，请重新选择"


def test_founding_date_not_in_future_and_must_be_real():
    assert errors_of("unit_application", unit_app(founded_on="2027-01-01"))["founded_on"] == "成立日期不能晚于今天"
    assert errors_of("unit_application", unit_app(founded_on="1990-02-29"))["founded_on"].startswith("成立日期")


def test_bank_account_typed_twice_and_digits_only():
    msgs = errors_of("unit_application", unit_app(bank_account_confirm="050212345678901235"))
    assert msgs["bank_account_confirm"] == "两次输入的银行账号不一致，请重新输入"
    msgs = errors_of("unit_application", unit_app(bank_account="12345", bank_account_confirm="12345"))
    assert msgs["bank_account"].startswith("银行账号应为6-32位数字")


def test_optional_landline_and_bank_code_are_checked_when_given():
    msgs = errors_of("unit_application", unit_app(landline="12345", bank_code="1021"))
    assert msgs["landline"].startswith("固定电话")
    assert msgs["bank_code"].startswith("开户行行号")
    assert errors_of("unit_application", unit_app(landline="", bank_code="")) == {}


def test_lengths_counts_and_enums():
    msgs = errors_of("unit_application", unit_app(intro="字" * 1001, staff_count=0, planned_posts="三",
                                                  unit_type="公司"))
    assert msgs["intro"] == "单位简介不能超过1000个字（当前1001个字），请删减"
    assert msgs["staff_count"] == "职工人数不能小于1"
    assert msgs["planned_posts"] == "拟提供岗位数须为整数，请只填写数字"
    assert msgs["unit_type"] == "单位类型请从列表中选择"


def test_mobile_checked():
    msgs = errors_of("unit_application", unit_app(contact_mobile="1234567"))
    assert msgs["contact_mobile"] == "联系电话应为11位手机号码，如13812345678"


def test_unallocated_mobile_and_bad_landline_refused_with_what_is_wrong():
    msgs = errors_of("unit_application", unit_app(contact_mobile="154 1234 5678", landline="0123-1234567"))
    assert msgs["contact_mobile"] == "联系电话“15412345678”不是有效的手机号码（号段未分配），请核对"
    assert msgs["landline"] == "固定电话“0123-1234567”不是有效的固定电话号码（区号不存在或号码位数不对），请核对"


def test_phone_numbers_written_the_usual_ways_are_stored_in_one_form():
    clean, errors = run("unit_application", unit_app(contact_mobile="(+86)139 1234 5678", landline="(0351)7654321"))
    assert errors == []
    assert (clean["contact_mobile"], clean["landline"]) == ("13912345678", "0351-7654321")
    clean, errors = run("unit_application", unit_app(contact_mobile="８６－１３９１２３４５６７８", landline="0351 765 4321"))
    assert errors == [] and (clean["contact_mobile"], clean["landline"]) == ("13912345678", "0351-7654321")


def test_credit_code_kind_and_region_checked():
    from tests.factories import credit_code
    msgs = errors_of("unit_application", unit_app(credit_code=credit_code("91AB0108551385082")))
    assert msgs["credit_code"] == "统一社会信用代码第3-8位应为行政区划代码（6位数字），当前为“AB0108”"
    msgs = errors_of("unit_application", unit_app(credit_code=credit_code("97110108551385082")))
    assert msgs["credit_code"].startswith("统一社会信用代码第2位机构类别代码“7”不存在")


def test_prefilled_fields_cannot_be_blank():
    msgs = errors_of("unit_application", unit_app(unit_name="", credit_code=""))
    assert set(msgs) >= {"unit_name", "credit_code"}


# ---- post application -------------------------------------------------------

def test_valid_post_passes():
    assert errors_of("post_application", post_data(deadline="2026-12-31")) == {}


def test_allowance_not_below_county_minimum_wage():
    # 小店区 is class 1 (2150); a class-3 county's floor is 1950.
    msgs = errors_of("post_application", post_data(allowance=2100, deadline=None))
    assert msgs["allowance"] == "基本生活补助(元/月)不能低于太原市 小店区最低工资标准2150元/月"
    assert errors_of("post_application", post_data(allowance=1960, work_city="140100", work_county="140121",
                                                   deadline=None)) == {}


def test_post_bounds_and_rules():
    msgs = errors_of("post_application", post_data(
        position_name="岗" * 33, openings=1000, period_months=2, age_min=30, age_max=20,
        deadline="2026-11-27", work_county="140202" if False else "140211"))
    assert msgs["position_name"].startswith("岗位名称不能超过32个字")
    assert msgs["openings"] == "招募人数不能大于999"
    assert msgs["period_months"] == "见习期限(月)不能小于3"
    assert msgs["age_min"] == "最低年龄不能大于最高年龄"
    assert msgs["deadline"] == "招募截止日不能早于今天"
    assert msgs["work_county"].startswith("工作地点（县）")
    assert errors_of("post_application", post_data(age_min=15, deadline=None))["age_min"] == "最低年龄不能小于16"


# ---- batch rows ---------------------------------------------------------------

def match_row(**over):
    row = {"name": "王小丽", "id_number": id_number("14010520030517002"), "mobile": "13812345678",
           "education": "本科", "school": "山西大学", "major": "会计学", "graduated_on": "2026-07-01",
           "category": "离校2年内未就业高校毕业生", "position": "软件开发见习生", "start_date": "2026-09-01",
           "end_date": "2027-02-28", "allowance": 2600, "insurance_no": "PICC-2026-0001"}
    row.update(over)
    return row


def test_match_row_valid_and_text_dates_accepted():
    assert errors_of("match_report", match_row()) == {}


def test_match_row_agreement_length_and_order():
    assert errors_of("match_report", match_row(end_date="2026-08-01"))["end_date"] == "协议结束日期不能早于协议开始日期"
    msg = errors_of("match_report", match_row(end_date="2026-10-31"))["end_date"]
    assert msg.startswith("协议期限须为3至12个月，当前约2.0个月")
    assert "end_date" in errors_of("match_report", match_row(end_date="2027-09-30"))


def test_match_row_id_number_checks():
    bad = id_number("14010520030517002")[:-1] + ("0" if id_number("14010520030517002")[-1] != "0" else "1")
    assert errors_of("match_report", match_row(id_number=bad))["id_number"] == "身份证号校验位错误，请核对第18位"
    impossible = id_number("14010519900229001")
    assert "19900229" in errors_of("match_report", match_row(id_number=impossible))["id_number"]
    no_county = id_number("11019920030517002")
    assert errors_of("match_report", match_row(id_number=no_county))["id_number"] == \
        "身份证号前6位“110199”不是有效的行政区划代码，请核对"
    assert errors_of("match_report", match_row(id_number=id_number("11010320030517002"))) == {}  # 崇文区, gone 2010
    x_id = next(id_number(f"1401051999010100{i}") for i in range(10) if id_number(f"1401051999010100{i}")[-1] == "X")
    clean, errors = run("match_report", match_row(id_number=x_id.lower()))
    assert errors == [] and clean["id_number"] == x_id


def test_attendance_days_add_up_and_fit_the_month():
    row = {"name": "王小丽", "id_number": id_number("14010520030517002"), "month": "2026-02",
           "required_days": 20, "attended_days": 18, "leave_days": 1, "absent_days": 1}
    assert errors_of("attendance_report", row) == {}
    msgs = errors_of("attendance_report", {**row, "absent_days": 0})
    assert msgs["attended_days"] == "实际出勤天数+请假天数+旷工天数须等于应出勤天数（20天）"
    msgs = errors_of("attendance_report", {**row, "required_days": 29, "attended_days": 29, "leave_days": 0,
                                           "absent_days": 0})
    assert msgs["required_days"] == "应出勤天数不能超过2026-02的天数（28天）"
    assert errors_of("attendance_report", {**row, "month": "2026-12"})["month"] == "考勤月份不能晚于本月"
    assert errors_of("attendance_report", {**row, "month": "2026-13"})["month"].startswith("考勤月份")


def test_onduty_change_date_required_unless_on_duty_and_inside_month():
    row = {"name": "王小丽", "id_number": id_number("14010520030517002"), "month": "2026-10",
           "status": "在岗", "days": 31, "allowance_paid": 2600}
    assert errors_of("onduty_report", row) == {}
    msgs = errors_of("onduty_report", {**row, "status": "提前留用"})
    assert msgs["change_date"] == "在岗状态为“提前留用”时须填写变动日期"
    msgs = errors_of("onduty_report", {**row, "status": "见习期满", "change_date": "2026-11-02"})
    assert msgs["change_date"] == "变动日期须在月份（2026-10）之内"
    assert errors_of("onduty_report", {**row, "days": 32})["days"] == "本月见习天数不能大于31"
    msgs = errors_of("onduty_report", {**row, "month": "2026-09", "days": 31})
    assert msgs["days"] == "本月见习天数不能超过2026-09的天数（30天）"


@pytest.mark.parametrize("key", ["unit_application", "post_application", "match_report",
                                 "attendance_report", "onduty_report"])
def test_unknown_keys_are_dropped(key):
    clean, _ = run(key, {"evil": "<script>", "state": "approved"})
    assert "evil" not in clean and "state" not in clean


# ---- conditional required (if/then/else) -------------------------------------

def test_a_field_required_under_a_condition_is_judged_on_the_normalised_answer():
    from engine.definitions.model import ItemDefinition
    from engine.validation import required_fields

    raw = json.loads(json.dumps({k: v for k, v in CAT.item("post_application").raw.items() if k != "publish"}))
    raw["schema"]["allOf"] = [{"if": {"properties": {"education": {"enum": ["硕士", "博士"]}}, "required": ["education"]},
                               "then": {"required": ["major"]}}]
    item = ItemDefinition(raw)
    base = set(raw["schema"]["required"]) - {"major"}
    assert "major" not in base
    # Input is trimmed before the condition is judged, as it is before validation.
    assert required_fields(item, {"education": " 博士 "}) == base | {"major"}
    assert required_fields(item, {"education": "本科"}) == base
    data = post_data(education="博士")
    data.pop("major", None)
    found = {e.field: e.message for e in validate(item, data, RuleContext(today=TODAY))[1]}
    assert found == {"major": "请填写专业要求"}
    data["education"] = "本科"
    assert validate(item, data, RuleContext(today=TODAY))[1] == []
