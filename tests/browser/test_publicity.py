"""见习补贴公示 in a real browser: anyone finds the claim in the list, reads it with names and ID numbers masked,
is told what is wrong with an objection and sends one; the county reviewer reads it on 公示异议 and upholds it,
which sends the claim back to review. Each step checked (axe-core, no sideways scrolling) and photographed,
at 375 and 1366 px."""
from datetime import datetime

import pytest

from engine import clock
from engine.cases.lifecycle import transition
from engine.subsidy import claims
from tests import factories as f
from tests.browser.test_review import login


@pytest.fixture(params=[375, 1366], ids=lambda w: f"{w}px")
def width(request, page):
    page.set_viewport_size({"width": request.param, "height": 800 if request.param > 400 else 740})
    return request.param


def test_anyone_objects_to_a_claim_in_publicity_and_the_county_upholds_it(
        page, live_server, check, width, session_factory, catalogue, storage, clock_at):
    clock_at(clock.from_beijing(datetime(2026, 9, 30, 10)))
    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    county = f.reviewer(s, f"xiaodian{width}", "140105", "小店区审核员")
    city = f.reviewer(s, f"taiyuan{width}", "140100", "太原市审核员")
    unit = f.unit_account(s, name=f"太原晋阳数字科技有限公司{width}", mobile=f"137{width:04d}5678"[:11])
    f.approved_unit(s, catalogue, storage, unit, province)
    people = [(f.new_id_number(), name) for name in ("王芳", "李小强", "欧阳明轩")]
    f.reported(s, catalogue, unit, "match_report", [f.agreement_row(p, "2026-01-01", "2026-06-30", name=n)
                                                     for p, n in people])
    f.reported(s, catalogue, unit, "onduty_report", [f.onduty_row(p, m, name=n) for p, n in people
                                                     for m in ("2026-01", "2026-02")])
    f.reported(s, catalogue, unit, "attendance_report", [f.attendance_row(p, m, name=n) for p, n in people
                                                         for m in ("2026-01", "2026-02")])
    case = claims.start(s, catalogue, catalogue.item("subsidy_claim"), unit,
                        {"period_from": "2026-01", "period_to": "2026-02"})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "county_approve", county)
    transition(s, catalogue, case, "city_approve", city)
    s.commit()
    reference = case.reference
    s.close()

    page.goto(live_server + "/")
    page.get_by_role("link", name="见习补贴公示").first.click()
    assert page.locator("h1").inner_text() == "见习补贴公示"
    row = page.locator(f"tr[data-reference='{reference}']")
    assert "2026-09-30 至 2026-10-15" in row.locator("[data-testid=period]").inner_text()
    check("list")
    row.get_by_role("link").click()
    lines = page.locator("[data-testid=publicity-lines]").inner_text()
    assert "王*" in lines and "欧**轩" in lines and "王芳" not in lines
    assert not any(p in lines for p, _ in people)
    check("claim")
    page.get_by_label("异议内容").fill("不实")
    page.get_by_label("联系方式（选填）").fill("12345")
    page.get_by_role("button", name="提交异议").click()
    assert page.locator("#err-text").inner_text() == "异议内容至少5个字，请说明具体情况"
    assert page.get_by_label("联系方式（选填）").input_value() == "12345"
    check("objection-errors")
    page.get_by_label("异议内容").fill("该单位李某二月份实际未到岗见习，考勤表系事后补签")
    page.get_by_label("联系方式（选填）").fill("13812345678")
    page.get_by_role("button", name="提交异议").click()
    assert "您的异议已提交" in page.locator(".notice-success").inner_text()
    check("objection-sent")

    login(page, live_server, "/staff/login", f"xiaodian{width}")
    page.goto(live_server + "/review/objections")
    section = page.locator("[data-objection]").filter(has_text=reference)
    assert "考勤表系事后补签" in section.locator("[data-testid=objection-text]").inner_text()
    check("reviewer-objections")
    section.get_by_role("button", name="异议不成立").click()
    assert page.locator("#err-note").inner_text() == "请填写处理意见"
    check("reviewer-note-required")
    section = page.locator("[data-objection]").filter(has_text=reference)
    section.get_by_label("处理意见").fill("经电话核实，该人员二月份确未到岗")
    section.get_by_role("button", name="异议成立，退回重新审核").click()
    assert "已确认异议成立" in page.locator(".notice-success").inner_text()
    check("upheld")
    page.goto(live_server + f"/gongshi/{reference}")
    assert page.locator("h1").inner_text() != f"见习补贴公示：太原晋阳数字科技有限公司{width}"   # no longer public
