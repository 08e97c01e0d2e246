"""The manual's unit flows through the HTML pages: apply, upload, submit, 个人中心, return and resubmit, print."""
import re

import pytest
from sqlalchemy import func, select

from engine.models import Attachment, Case
from tests import factories as f
from tests.data import documents
from tests.webapp.pages import check_and_submit, soup, the_form


def fill(form, data: dict):
    for key, value in data.items():
        if key in form.fields:
            form[key] = str(value)
    return form


def app_form_data(unit_name):
    d = f.unit_application_data(unit_name)
    return d


@pytest.fixture
def unit(dbsession, web):
    account = f.unit_account(dbsession, name="晋中新能源有限公司")
    dbsession.commit()
    web.login(account.login_name)
    return account


def upload_all(web, page):
    """Upload each slot on its own, as the manual says; return the page after the last."""
    for slot, name, body in (("license", "营业执照.pdf", f.PDF), ("application_form", "申请表.png", f.PNG),
                             ("management_plan", "制度.jpg", f.JPEG)):
        form = page.forms[1] if len(page.forms) > 1 else page.forms[0]
        form = next(fm for fm in page.forms.values() if "action" in fm.fields)
        form[f"file_{slot}"] = (name, body)
        page = form.submit("action", value=f"upload:{slot}").follow()
        state = soup(page).select_one(f"[data-testid=slot-state-{slot}]").get_text(" ", strip=True)
        assert "已上传" in state and name in state
        assert "stored" in soup(page).select_one(f"#slot-{slot}")["class"]
    return page


def test_unit_application_from_menu_to_个人中心(web, unit, dbsession):
    home = web.app.get("/")
    page = home.click("就业见习单位申请", index=0)
    s = soup(page)
    assert [l.get_text(strip=True) for l in s.select("legend")] == [
        "1. 单位基本信息", "2. 见习单位详细信息", "3. 银行账户信息", "4. 档案资料上传"]
    assert s.select_one("#f-unit_name")["value"] == "晋中新能源有限公司"
    assert s.select_one("#f-unit_name").has_attr("readonly")
    assert s.select_one("#f-credit_code")["value"] == unit.unit.credit_code

    form = fill(the_form(page), app_form_data("晋中新能源有限公司"))
    page = form.submit("action", value="upload:license").follow()  # first upload without a file
    assert "请先选择“营业执照或法人登记证书”的文件" in page.text
    # What was typed survives the round trip as a draft.
    assert soup(page).select_one("#f-address")["value"] == "太原市小店区长治路123号"
    page = upload_all(web, page)

    page = check_and_submit(the_form(page).submit("action", value="submit"))
    assert page.status_int == 303 and "/done" in page.location
    done = page.follow()
    assert "申报成功" in done.text
    ref = soup(done).select_one("[data-testid=reference]").get_text()
    assert re.fullmatch(r"JX-140100-\d{6}-\d{6}", ref)

    center = done.click("前往个人中心")
    s = soup(center)
    # Every review state (未审核, and the claim's 待县级审核 / 待市级审核) is under one tab, 审核中.
    assert s.select_one("[data-count=queue]").get_text() == "1"
    assert s.select_one("nav.tabs a[aria-current=page]").get_text(strip=True).startswith("审核中")
    row = s.select_one("tbody tr")
    assert "就业见习单位申请" in row.get_text() and ref in row.get_text() and "未审核" in row.get_text()


def test_submit_with_errors_shows_every_error_keeps_input_and_writes_nothing(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    bad = app_form_data("晋中新能源有限公司")
    bad.update(account_name="别的名字", insured_count="500", staff_count="100", contact_mobile="123",
               county="140212", bank_account_confirm="0000000")
    page = fill(the_form(page), bad).submit("action", value="submit", status=422)
    s = soup(page)
    summary = s.select_one("#error-summary")
    assert summary.select_one("h2").get_text() == "提交失败，请修改以下8处错误"
    assert "请上传“营业执照或法人登记证书”" in s.select_one("#slot-license").text
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert links["#f-account_name"] == "开户名称须与单位名称完全一致，请核对"
    assert links["#f-insured_count"] == "参保人数不能大于职工人数（100）"
    assert links["#f-contact_mobile"].startswith("联系电话应为11位手机号码")
    assert "#f-county" in links and "#f-bank_account_confirm" in links
    assert s.select_one("#err-insured_count").get_text() == "参保人数不能大于职工人数（100）"
    assert s.select_one("#f-account_name")["value"] == "别的名字"
    assert s.select_one("#f-insured_count")["value"] == "500"
    assert dbsession.scalar(select(func.count()).select_from(Case)) == 0


def test_submit_is_refused_until_every_attachment_is_stored(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    form = fill(the_form(page), app_form_data("晋中新能源有限公司"))
    form["file_license"] = ("营业执照.pdf", f.PDF)
    page = form.submit("action", value="save").follow()
    page = the_form(page).submit("action", value="submit", status=422)
    summary = soup(page).select_one("#error-summary").get_text()
    assert "请上传“就业见习单位申请表”" in summary and "请上传“见习管理制度及带教计划”" in summary
    case = dbsession.scalar(select(Case))
    assert case.state == "draft"


def test_attachments_are_checked_by_content_and_size(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    form = fill(the_form(page), app_form_data("晋中新能源有限公司"))
    form["file_license"] = ("假装是.pdf", b"<html><script>alert(1)</script></html>")
    page = form.submit("action", value="upload:license").follow()
    assert "只能上传PDF、JPG、PNG文件，所选文件的内容不是这些格式" in soup(page).select_one("#slot-license").text
    form = the_form(page)
    form["file_license"] = ("大文件.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))
    page = form.submit("action", value="upload:license").follow()
    assert "文件超过10MB" in soup(page).select_one("#slot-license").text
    assert dbsession.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_pdf_that_cannot_be_checked_or_holds_a_script_is_refused_next_to_its_slot(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    form = fill(the_form(page), app_form_data("晋中新能源有限公司"))
    for slot, name, body, message in (
            ("license", "执照.pdf", documents.encrypted_pdf("1234"),
             "“营业执照或法人登记证书”的PDF文件设置了密码或加密，无法检查，请取消密码后重新导出再上传"),
            ("application_form", "申请表.pdf", documents.truncated_pdf(),
             "“就业见习单位申请表”的PDF文件已损坏，无法检查，请重新导出后上传"),
            ("management_plan", "制度.pdf", documents.escaped_packed_launch_pdf(),
             "“见习管理制度及带教计划”的PDF含有脚本、自动动作或嵌入文件，请用“打印为PDF”另存后重新上传"),
            ("license", "照片.png", documents.png_claiming(30000, 30000),
             "“营业执照或法人登记证书”的PNG图片尺寸过大，请缩小到4000万像素以内后重新上传")):
        form[f"file_{slot}"] = (name, body)
        page = form.submit("action", value=f"upload:{slot}").follow()
        assert message in soup(page).select_one(f"#slot-{slot}").text
        form = the_form(page)
    assert dbsession.scalar(select(func.count()).select_from(Attachment)) == 0


def test_replacing_an_attachment_keeps_one_current_file(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    form = fill(the_form(page), app_form_data("晋中新能源有限公司"))
    form["file_license"] = ("旧.pdf", f.PDF)
    page = form.submit("action", value="upload:license").follow()
    form = the_form(page)
    form["file_license"] = ("新.png", f.PNG)
    page = form.submit("action", value="upload:license").follow()
    assert "新.png" in soup(page).select_one("#slot-license").text
    current = dbsession.scalars(select(Attachment).where(Attachment.current.is_(True))).all()
    assert [a.filename for a in current] == ["新.png"]


def test_draft_can_be_saved_and_resumed(web, unit, dbsession):
    page = web.app.get("/items/unit_application")
    form = the_form(page)
    form["address"] = "半截地址"
    form["staff_count"] = "很多"  # not checked in a draft
    page = form.submit("action", value="save").follow()
    assert "草稿已保存" in page.text
    center = web.app.get("/me/cases?state=draft")
    assert soup(center).select_one("[data-count=draft]").get_text() == "1"
    page = center.click("继续填写")
    assert soup(page).select_one("#f-address")["value"] == "半截地址"
    assert soup(page).select_one("#f-staff_count")["value"] == "很多"
    # The item page points at the waiting draft.
    assert "您有未提交的草稿" in web.app.get("/items/unit_application").text


def test_county_list_follows_the_city_without_javascript(web, unit):
    page = web.app.get("/items/unit_application")
    form = the_form(page)
    form["city"] = "140200"
    page = form.submit("action", value="refresh")
    counties = [o.get_text() for o in soup(page).select("#f-county option")]
    assert counties[0] == "请选择" and "平城区" in counties and "小店区" not in counties
    assert soup(page).select_one("#f-city option[selected]")["value"] == "140200"


def test_post_application_is_refused_until_the_unit_is_approved(web, unit):
    page = web.app.get("/items/post_application")
    assert "尚未通过就业见习单位申请" in soup(page).select_one("[data-testid=blocked]").text
    assert not page.forms or all("action" not in fm.fields for fm in page.forms.values())
    res = web.post("/items/post_application", {"action": "submit", "position_name": "x"}, status=403)
    assert "尚未通过就业见习单位申请" in res.text


def test_returned_case_is_edited_and_resubmitted_with_both_rounds_in_the_timeline(web, unit, dbsession, catalogue,
                                                                                    storage):
    from engine.cases.lifecycle import transition
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    reviewer = f.reviewer(dbsession)
    transition(dbsession, catalogue, case, "return_for_correction", reviewer, comment="申请表未盖章，请重新上传")
    dbsession.commit()

    center = web.app.get("/me/cases?state=returned")
    assert soup(center).select_one("[data-count=returned]").get_text() == "1"
    detail = center.click("查看")
    assert "申请表未盖章，请重新上传" in soup(detail).select_one("[data-testid=timeline]").text
    page = detail.click("修改后重新提交")
    assert "申请表未盖章，请重新上传" in soup(page).select_one("[data-testid=decision-reason]").text
    form = the_form(page)
    form["file_application_form"] = ("盖章申请表.pdf", f.PDF)
    form["planned_posts"] = "12"
    page = form.submit("action", value="upload:application_form").follow()
    page = check_and_submit(the_form(page).submit("action", value="submit")).follow()
    assert "申报成功" in page.text
    detail = web.app.get(f"/cases/{case.id}")
    events = [li["data-to"] for li in soup(detail).select("[data-testid=timeline] li")]
    assert events == ["submitted", "returned", "submitted"]
    assert soup(detail).select_one("[data-field=planned_posts]").get_text() == "12"


def test_个人中心_filters_by_state_and_month_and_pages(web, unit, dbsession, catalogue):
    from datetime import datetime
    from engine.cases.lifecycle import save_draft
    item = catalogue.item("post_application")   # one the unit may hold many of
    for i in range(23):
        c = save_draft(dbsession, catalogue, item, unit, {"work_address": f"地址{i}"})
        c.state, c.submitted_month = "submitted", ("2026-10" if i < 3 else "2026-11")
        c.submitted_at = datetime(2026, 10 if i < 3 else 11, 1 + i % 27)
    dbsession.commit()
    page = web.app.get("/me/cases?state=submitted")
    assert soup(page).select_one("[data-testid=total]").get_text() == "共 23 条"
    assert len(soup(page).select("tbody tr")) == 20
    page2 = page.click("下一页")
    assert len(soup(page2).select("tbody tr")) == 3
    oct_page = web.app.get("/me/cases?state=submitted&month=2026-10")
    assert soup(oct_page).select_one("[data-testid=total]").get_text() == "共 3 条"
    bad = web.app.get("/me/cases?month=2026-13")
    assert "申办月份格式应为YYYY-MM" in bad.text


def test_print_view_has_fields_reference_and_seal_space(web, unit, dbsession, catalogue, storage):
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    dbsession.commit()
    page = web.app.get(f"/cases/{case.id}/print")
    s = soup(page)
    assert s.select_one("h1").get_text() == "就业见习单位申请表"
    assert case.reference in s.text
    assert "单位（盖章）" in s.text and "法定代表人（签字）" in s.text
    cells = {th.get_text(): th.find_next("td").get_text() for th in s.select("th")}
    assert cells["单位名称"] == "晋中新能源有限公司" and cells["所在县（市、区）"] == "小店区"
    assert "确认银行账号" not in cells
    assert 'print.css' in page.text


def test_another_unit_gets_403_on_every_url_of_the_case(make_web, unit, dbsession, catalogue, storage):
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    other = f.unit_account(dbsession, name="别家单位")
    dbsession.commit()
    attachment = case.attachments[0]
    intruder = make_web()
    intruder.login(other.login_name)
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/edit", f"/cases/{case.id}/done",
                f"/cases/{case.id}/print", f"/cases/{case.id}/files/{attachment.id}", f"/api/cases/{case.id}"):
        intruder.app.get(url, status=403)
    intruder.post(f"/cases/{case.id}/edit", {"action": "save"}, status=403)
    intruder.api("POST", f"/api/cases/{case.id}/transitions/submit", json={}, status=403)
    intruder.api("PUT", f"/api/cases/{case.id}", json={"data": {}}, status=403)
    intruder.app.post(f"/api/cases/{case.id}/attachments/license", upload_files=[("file", "x.pdf", f.PDF)],
                      headers={"X-CSRF-Token": intruder.csrf()}, status=403)
    intruder.app.get("/cases/999999", status=404)


def test_owner_downloads_an_attachment_as_stored(web, unit, dbsession, catalogue, storage):
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    dbsession.commit()
    a = case.attachments[0]
    res = web.app.get(f"/cases/{case.id}/files/{a.id}")
    assert res.body == f.PDF and res.content_type == "application/pdf"
    assert "attachment" in res.headers["Content-Disposition"]
    assert res.headers["X-Content-Type-Options"] == "nosniff"


def test_individual_cannot_use_unit_items(make_web, dbsession):
    person = f.individual_account(dbsession)
    dbsession.commit()
    w = make_web()
    w.login(person.login_name, tab="individual")
    w.app.get("/items/unit_application", status=403)
    menu = [a.get_text() for a in soup(w.app.get("/")).select("main .item-grid a")]
    assert "就业见习单位申请" not in menu and "见习岗位查询" in menu


def test_post_application_through_the_page_after_approval(web, world, dbsession):
    web.login(world["unit"].login_name)
    page = web.app.get("/items/post_application")
    form = the_form(page)
    data = f.post_data(allowance=2000, deadline="")
    fill(form, data)
    page = form.submit("action", value="submit", status=422)
    assert soup(page).select_one("#err-allowance").get_text() == \
        "基本生活补助(元/月)不能低于太原市 小店区最低工资标准2150元/月"
    form = the_form(page)
    form["allowance"] = "2300"
    done = check_and_submit(form.submit("action", value="submit")).follow()
    assert "申报成功" in done.text
    center = web.app.get("/me/cases?item=post_application&state=submitted")
    assert "就业见习岗位申请" in soup(center).select_one("tbody").text


def test_attachments_are_readable_by_jurisdiction_reviewers_only(make_web, world):
    case = world["unit_case"]
    a = case.attachments[0]
    url = f"/cases/{case.id}/files/{a.id}"
    inside, outside = make_web(), make_web()
    inside.login("taiyuan", tab="staff")
    outside.login("datong", tab="staff")
    assert inside.app.get(url).body == f.PDF
    outside.app.get(url, status=404)
    assert inside.app.get(f"/cases/{case.id}/print").status_int == 200
    outside.app.get(f"/cases/{case.id}/print", status=404)
