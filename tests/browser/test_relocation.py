"""申请变更 in a real browser: an approved unit changes its application to another city; the reviewer of its
current city sees the change of 业务办理归属地 (from → to) and approves it. A screenshot at each step."""
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import Case, Unit
from tests import factories as f
from tests.browser.test_review import login, logout


def test_an_approved_unit_changes_its_city_through_申请变更(page, live_server, shot, check, session_factory, catalogue,
                                                           storage):
    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    approved = f.approved_unit(s, catalogue, storage, unit, province)
    s.commit()
    reference, unit_id = approved.reference, unit.unit_id
    s.close()

    login(page, live_server, "/login", unit.login_name, label="统一社会信用代码")
    page.locator("aside").get_by_role("link", name="就业见习单位申请").click()
    expect(page.locator("[data-testid=in-force]")).to_contain_text(f"贵单位已通过就业见习单位认定（编号{reference}")
    expect(page.get_by_role("button", name="提交")).to_have_count(0)   # no blank duplicate
    shot("approved")

    page.get_by_role("button", name="申请变更").click()
    expect(page.locator("[data-testid=change-of]")).to_contain_text(reference)
    assert page.locator("#f-address").input_value() == "太原市小店区长治路123号"
    expect(page.locator(".slot.stored")).to_have_count(3)   # the approved application's files
    page.get_by_label("所在市").select_option("140200")
    page.get_by_label("所在县（市、区）").select_option("140213")
    page.locator("#f-address").fill("大同市平城区御河西路1号")
    shot("change-filled")
    page.get_by_role("button", name="核对并提交").click()
    page.get_by_test_id("check-submit").click()
    assert page.locator("h1").inner_text() == "申报成功"
    shot("change-submitted")
    page.goto(live_server + "/items/unit_application")
    expect(page.locator("[data-testid=in-progress]")).to_contain_text("正在办理")
    logout(page)

    login(page, live_server, "/staff/login", "taiyuan")
    page.locator("[data-testid=queue] tbody tr").first.get_by_role("link", name="审核").click()
    relocation = page.locator("[data-testid=relocation]")
    expect(relocation.locator("[data-testid=relocation-from]")).to_have_text("太原市 小店区")
    expect(relocation.locator("[data-testid=relocation-to]")).to_have_text("大同市 平城区")
    expect(page.locator("[data-testid=change] tr[data-field=city]")).to_contain_text("大同市")
    check("review-relocation")
    page.locator(".review-actions").get_by_role("link", name="审核通过").click()
    expect(page.locator("[data-testid=relocation]")).to_contain_text("变更为大同市 平城区")
    page.get_by_label("确认对该申请执行“审核通过”").check()
    shot("confirm-relocation")
    page.get_by_role("button", name="确认审核通过").click()
    expect(page.locator(".notice-success")).to_contain_text("已审核通过")

    s = session_factory()
    assert s.get(Unit, unit_id).county_code == "140213"
    assert s.scalar(select(Case.change_of).where(Case.change_of.is_not(None))) == approved.id
    s.close()
