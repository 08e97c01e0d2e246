"""The manual's 就业见习单位申请 flow in a real browser, a screenshot at each step."""

from engine import clock
from tests import factories as f
from playwright.sync_api import expect


def test_register_apply_upload_submit_find_and_print(page, live_server, shot, check, tmp_path, session_factory):
    code = f.new_credit_code()
    page.goto(live_server + "/")
    shot("home")
    page.get_by_role("link", name="注册").click()
    page.get_by_label("单位名称").fill("晋城光伏材料有限公司")
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_label("联系人姓名").fill("陈静")
    page.get_by_label("联系人手机号").fill("13612345678")
    page.locator("#f-password").fill("Secret2026")
    page.locator("#f-password_confirm").fill("Secret2026")
    check("register")
    page.get_by_role("button", name="注册").click()
    assert "晋城光伏材料有限公司" in page.locator("[data-testid=who]").inner_text()

    # Log out and in again, on the 单位登录 tab.
    page.get_by_role("button", name="退出").click()
    page.get_by_role("link", name="单位/个人登录").click()
    page.get_by_label("统一社会信用代码").fill(code)
    page.locator("#f-password").fill("Secret2026")
    shot("login")
    page.get_by_role("button", name="登录").click()
    who = page.locator("[data-testid=who]").inner_text()
    assert "晋城光伏材料有限公司" in who and code in who
    shot("logged-in")

    page.locator("aside").get_by_role("link", name="就业见习单位申请").click()
    # A first submit with nothing filled shows the summary and the messages by each field.
    page.get_by_role("button", name="提交").click()
    assert "提交失败，请修改以下" in page.locator("#error-summary h2").inner_text()
    check("errors")

    d = f.unit_application_data("晋城光伏材料有限公司")
    page.get_by_label("单位类型").select_option("企业")
    page.get_by_label("所属行业").select_option("制造业")
    page.get_by_label("所在市").select_option("140500")
    # With JavaScript the county list follows the city at once.
    page.get_by_label("所在县（市、区）").select_option("140502")
    expect(page.locator("#f-county option")).to_have_count(7)  # 请选择 + 晋城市's six
    for key, label in (("address", "详细地址"), ("legal_rep", "法定代表人"), ("contact_name", "联系人"),
                       ("contact_mobile", "联系电话"), ("staff_count", "职工人数"), ("insured_count", "参保人数"),
                       ("planned_posts", "拟提供岗位数"), ("bank_name", "开户银行"), ("bank_account", "银行账号"),
                       ("bank_account_confirm", "确认银行账号")):
        page.locator(f"#f-{key}").fill(str(d[key]))
    page.locator("#f-founded_on").fill("2016-03-08")
    page.locator("#f-account_name").fill("晋城光伏材料有限公司")
    shot("filled")

    files = {"license": ("营业执照.pdf", f.PDF), "application_form": ("申请表.png", f.PNG),
             "management_plan": ("带教计划.jpg", f.JPEG)}
    for slot, (name, body) in files.items():
        path = tmp_path / name
        path.write_bytes(body)
        page.locator(f"#file-{slot}").set_input_files(str(path))
        page.locator(f"#slot-{slot}").get_by_role("button", name="上传").click()
        assert "已上传" in page.locator(f"[data-testid=slot-state-{slot}]").inner_text()
    expect(page.locator(".slot.stored")).to_have_count(3)
    check("uploaded")

    page.get_by_role("button", name="核对并提交").click()
    assert page.locator("h1").inner_text() == "核对申请内容"
    shot("check")
    page.get_by_test_id("check-submit").click()
    assert page.locator("h1").inner_text() == "申报成功"
    reference = page.locator("[data-testid=reference]").inner_text()
    shot("done")

    page.get_by_role("link", name="前往个人中心").click()
    assert page.locator("[data-count=queue]").inner_text() == "1"
    assert reference in page.locator("tbody").inner_text()
    check("center")
    page.get_by_label("申办月份").fill(clock.this_month())
    page.get_by_role("button", name="查询").click()
    assert reference in page.locator("tbody").inner_text()
    page.get_by_label("申办月份").fill("2020-01")
    page.get_by_role("button", name="查询").click()
    assert "没有符合条件的申报记录" in page.locator("main").inner_text()
    shot("center-filtered")

    page.goto(live_server + "/me/cases")
    page.get_by_role("link", name="查看").first.click()
    shot("detail")
    page.get_by_role("link", name="打印申请表").click()
    assert page.locator("h1").inner_text() == "就业见习单位申请表"
    assert reference in page.locator(".meta").inner_text()
    check("print")
    page.emulate_media(media="print")
    shot("print-media")
