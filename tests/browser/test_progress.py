"""办件进度查询 in a real browser, without signing in: a returned case found from the home page, its reason and
steps shown; a wrong code told plainly; the page on a 375-pixel phone without sideways scrolling."""
from playwright.sync_api import expect

from engine.cases.lifecycle import transition
from tests import factories as f


def returned_case(session_factory, catalogue, storage):
    s = session_factory()
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    unit = f.unit_account(s, name="太原汾河文旅有限公司")
    case = f.submitted_unit_application(s, catalogue, storage, unit)
    transition(s, catalogue, case, "return_for_correction", province, comment="营业执照复印件不清晰，请重新上传加盖公章的复印件")
    s.commit()
    found = {"reference": case.reference, "code": unit.unit.credit_code}
    s.close()
    return found


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_returned_case_is_looked_up_without_signing_in(page, live_server, shot, session_factory, catalogue,
                                                         storage):
    case = returned_case(session_factory, catalogue, storage)
    page.goto(live_server + "/")
    page.get_by_test_id("progress-card").click()
    expect(page.locator("main h1")).to_have_text("办件进度查询")
    shot("form")

    page.get_by_label("办件编号").fill(case["reference"].lower())
    page.get_by_label("证件号码").fill(case["code"][:8] + " " + case["code"][8:])
    page.get_by_role("button", name="查询").click()
    result = page.get_by_test_id("progress-result")
    expect(result.locator("h2")).to_have_text("就业见习单位申请")
    expect(page.get_by_test_id("progress-state")).to_have_text("退回修改")
    expect(page.get_by_test_id("progress-reason")).to_have_text("营业执照复印件不清晰，请重新上传加盖公章的复印件")
    expect(page.get_by_test_id("progress-steps").locator("li strong")).to_have_text(["提交", "退回修改"])
    expect(page.get_by_test_id("progress-deadline")).to_contain_text("已退回，暂停计时")
    expect(page.get_by_label("证件号码")).to_have_value("")   # the code is not written back
    assert "省级审核员" not in page.content()
    shot("returned-case")

    page.get_by_label("证件号码").fill(f.new_credit_code())
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("progress-message")).to_have_text("未查询到办件，请核对办件编号和证件号码")
    expect(page.get_by_test_id("progress-result")).to_have_count(0)
    shot("not-found")


def test_the_lookup_fits_a_phone(page, live_server, shot, session_factory, catalogue, storage):
    case = returned_case(session_factory, catalogue, storage)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + "/progress")
    page.get_by_label("办件编号").fill(case["reference"])
    page.get_by_label("证件号码").fill(case["code"])
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("progress-reason")).to_be_visible()
    assert no_sideways_scroll(page)
    shot("phone-result")
    page.get_by_role("button", name="查询").click()   # the code left empty: told next to the field
    expect(page.locator("#err-code")).to_have_text("请输入证件号码")
    assert no_sideways_scroll(page)
    shot("phone-error")
