"""A unit application through its task list in a real browser: a section at a time, the check page, one answer
changed from it and back, 提交, 申报成功; then the reviewer's return where the unit lands. Screenshots at
1366 and 375 pixels wide, and no page wider than its viewport at either."""
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.axe import check_page
from tests.browser.test_review import login

WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 375, "height": 800}
NAME = "晋城光伏材料有限公司"


def fits(page) -> None:
    """Nothing sticks out sideways (the whole document, header included) and axe-core finds nothing."""
    check_page(page)


def both_widths(page, shot, name: str) -> None:
    """A screenshot of the page as it is at 1366 and at 375 pixels, each checked for overflow."""
    for size, tag in ((WIDE, "1366"), (NARROW, "375")):
        page.set_viewport_size(size)
        fits(page)
        shot(f"{name}-{tag}")
    page.set_viewport_size(WIDE)


def statuses(page) -> list[str]:
    return page.locator("[data-testid=task-list] .task-status").all_inner_texts()


def test_task_list_sections_check_change_one_answer_submit_and_the_decision(
        page, live_server, shot, tmp_path, session_factory, catalogue):
    from engine.cases.lifecycle import transition
    from engine.models import Case

    s = session_factory()
    unit = f.unit_account(s, name=NAME)
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    s.commit()
    login_name, province_id = unit.login_name, province.id
    s.close()
    page.set_viewport_size(WIDE)
    login(page, live_server, "/login", login_name, label="统一社会信用代码")

    page.locator("aside").get_by_role("link", name="就业见习单位申请").click()
    assert statuses(page) == ["已完成", "未开始", "未开始", "未开始"]
    both_widths(page, shot, "task-list")

    # Section 2 on its own page; 保存并继续 makes the draft and moves on.
    page.locator("[data-testid=task-list]").get_by_role("link", name="2. 见习单位详细信息").click()
    expect(page.locator("legend")).to_have_text(["2. 见习单位详细信息"])
    d = f.unit_application_data(NAME)
    page.get_by_label("单位类型").select_option("企业")
    page.get_by_label("所属行业").select_option("制造业")
    page.get_by_label("所在市").select_option("140500")
    page.get_by_label("所在县（市、区）").select_option("140502")
    for key in ("address", "legal_rep", "contact_name", "contact_mobile", "staff_count", "insured_count",
                "planned_posts"):
        page.locator(f"#f-{key}").fill(str(d[key]))
    page.locator("#f-founded_on").fill("2016-03-08")
    both_widths(page, shot, "section-2")
    page.get_by_role("button", name="保存并继续").click()

    expect(page.locator("legend")).to_have_text(["3. 银行账户信息"])
    page.locator("#f-account_name").fill(NAME)
    for key in ("bank_name", "bank_account", "bank_account_confirm"):
        page.locator(f"#f-{key}").fill(str(d[key]))
    page.get_by_role("button", name="保存并继续").click()

    expect(page.locator("legend")).to_have_text(["4. 档案资料上传"])
    for slot, (name, body) in {"license": ("营业执照.pdf", f.PDF), "application_form": ("申请表.png", f.PNG),
                               "management_plan": ("带教计划.jpg", f.JPEG)}.items():
        path = tmp_path / name
        path.write_bytes(body)
        page.locator(f"#file-{slot}").set_input_files(str(path))
    page.get_by_role("button", name="保存并继续").click()

    # After the last section: every answer by section, the files, and 提交.
    assert page.locator("h1").inner_text() == "核对申请内容"
    expect(page.locator(".check-head .task-status")).to_have_text(["已完成"] * 4)
    expect(page.locator("[data-field=county] .check-value")).to_have_text("城区")
    expect(page.locator("[data-testid=check-files-4] .check-row")).to_have_count(3)
    assert "申请表.png" in page.locator("[data-slot=application_form]").inner_text()
    both_widths(page, shot, "check")

    # 修改 one answer: to the field on its section's page, then back to the check page.
    page.get_by_test_id("change-contact_mobile").click()
    assert page.url.endswith("section=2&return=check#f-contact_mobile")
    expect(page.locator("#f-contact_mobile")).to_be_in_viewport()
    page.locator("#f-contact_mobile").fill("13612345678")
    shot("change-one-answer")
    page.get_by_role("button", name="保存并返回核对页").click()
    assert page.locator("h1").inner_text() == "核对申请内容"
    expect(page.locator("[data-field=contact_mobile] .check-value")).to_have_text("13612345678")

    page.get_by_test_id("check-submit").click()
    assert page.locator("h1").inner_text() == "申报成功"
    expect(page.locator("[data-testid=next-reviewer]")).to_contain_text("晋城市 城区的就业见习审核人员审核")
    expect(page.locator("[data-testid=next-deadline]")).to_contain_text("剩余10个工作日")
    reference = page.locator("[data-testid=reference]").inner_text()
    both_widths(page, shot, "done")

    # The reviewer returns it: the unit lands on the reason and what to do, first thing.
    s = session_factory()
    case = s.query(Case).filter_by(reference=reference).one()
    transition(s, catalogue, case, "return_for_correction", s.get(type(unit), province_id),
               comment="申请表未加盖公章：请上传加盖公章的申请表")
    s.commit()
    case_id = case.id
    s.close()
    page.goto(live_server + "/me/cases")
    expect(page.locator(f"tr[data-case='{case_id}'] [data-testid=row-decision]")).to_contain_text("申请表未加盖公章")
    expect(page.locator("[data-testid=to-fix]")).to_contain_text("申请表未加盖公章")
    both_widths(page, shot, "center-decision")
    page.locator(f"tr[data-case='{case_id}']").get_by_role("link", name="查看").click()
    expect(page.locator("[data-testid=decision]")).to_contain_text("请上传加盖公章的申请表")
    both_widths(page, shot, "case-decision")
    page.get_by_test_id("decision-resubmit").click()
    expect(page.locator("[data-testid=decision]")).to_contain_text("退回修改")
    assert statuses(page) == ["已完成"] * 4
