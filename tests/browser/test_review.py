"""审核工作台 in a real browser: filter the queue, open a case, look at an attachment, return it with a comment;
the unit corrects and resubmits; the reviewer sees what changed and approves. A screenshot at each step."""
import io
import struct
import zlib

from PIL import Image
from playwright.sync_api import expect

from tests import factories as f


def document_png(width=360, height=240) -> bytes:
    """A real PNG (a page with a border and a red seal), so the inline preview shows a picture."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            border = x < 6 or y < 6 or x >= width - 6 or y >= height - 6
            line = 40 <= x <= width - 40 and y % 24 == 0 and 30 <= y <= height - 60
            seal = (x - width + 80) ** 2 + (y - height + 70) ** 2 <= 38 ** 2
            row += bytes((200, 30, 30) if seal else (11, 74, 139) if border else
                         (150, 160, 170) if line else (250, 250, 245))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def pdf_viewer_shown(screenshot: bytes) -> bool:
    """Chromium's PDF viewer: a dark toolbar along the top of the frame and a light page under it."""
    image = Image.open(io.BytesIO(screenshot)).convert("L")
    width, height = image.size
    toolbar = [image.getpixel((x, 20)) for x in range(0, width, 4)]
    page = [image.getpixel((x, height * 2 // 3)) for x in range(width // 3, width, 4)]
    return sum(v < 90 for v in toolbar) > 0.8 * len(toolbar) and max(page) > 200


def login(page, live_server, path, login_name, password=f.PASSWORD, label="用户名"):
    page.goto(live_server + path)
    page.get_by_label(label).fill(login_name)
    page.locator("#f-password").fill(password)
    page.get_by_role("button", name="登录").click()


def logout(page):
    page.get_by_role("button", name="退出").click()


def test_reviewer_returns_a_case_the_unit_resubmits_and_the_reviewer_approves(
        page, live_server, shot, check, tmp_path, session_factory, catalogue, storage):
    from engine.attachments import attach
    from engine.cases.lifecycle import save_draft, submit

    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    item = catalogue.item("unit_application")
    data = f.unit_application_data(unit.unit.name, county="140106", address="太原市迎泽区迎泽大街88号")
    case = save_draft(s, catalogue, item, unit, data)
    for slot, name, body in (("license", "营业执照.png", document_png()), ("application_form", "申请表.pdf", f.PDF),
                             ("management_plan", "带教计划.pdf", f.PDF)):
        attach(s, storage, catalogue, case, slot, name, body, unit)
    submit(s, catalogue, item, unit, data, case=case)
    # Another unit's position application waits in the same city, so the filter has something to hide.
    other = f.unit_account(s, name="太原并州物流有限公司", mobile="13712345670")
    f.approved_unit(s, catalogue, storage, other, province)
    submit(s, catalogue, catalogue.item("post_application"), other, f.post_data())
    s.commit()
    reference, case_id = case.reference, case.id
    s.close()

    login(page, live_server, "/staff/login", "taiyuan")
    assert page.locator("h1").inner_text() == "审核工作台"
    assert page.locator("[data-testid=count-queue]").inner_text() == "2"
    check("queue")
    page.get_by_label("事项").select_option("unit_application")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**item=unit_application**")
    rows = page.locator("[data-testid=queue] tbody tr")
    expect(rows).to_have_count(1)  # retries until the filtered page has replaced the old one
    assert reference in rows.first.inner_text()
    shot("queue-filtered")

    rows.first.get_by_role("link", name="审核").click()
    assert "就业见习单位申请" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=case-state]").inner_text() == "未审核"
    license_slot = page.locator("li[data-slot=license]")
    license_slot.get_by_text("在页面内预览").click()
    image = license_slot.locator("img")
    # The preview is fetched after the click; wait for it to decode instead of racing it.
    image.element_handle().wait_for_element_state("visible")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 360
    shot("case-with-preview")
    with page.context.expect_page() as opened:
        license_slot.get_by_role("link", name="查看").click()
    viewer = opened.value
    viewer.wait_for_load_state()
    assert viewer.url.endswith(f"/review/cases/{case_id}/files/" + viewer.url.rsplit("/", 1)[1])
    viewer.close()

    page.locator(".review-actions").get_by_role("link", name="退回修改").click()
    assert page.locator("h1").inner_text() == "确认退回修改"
    page.get_by_label("申请表未加盖公章").check()
    page.get_by_label("审核意见").fill("请上传加盖公章的申请表，并核实拟提供岗位数")
    page.get_by_role("button", name="确认退回修改").click()
    assert "请勾选“确认”后再提交" in page.locator("#err-confirm").inner_text()
    assert page.get_by_label("审核意见").input_value() == "请上传加盖公章的申请表，并核实拟提供岗位数"
    shot("confirm-needs-tick")
    page.get_by_label("确认对该申请执行“退回修改”").check()
    check("confirm-return")
    page.get_by_role("button", name="确认退回修改").click()
    assert f"已退回修改：{reference}" in page.locator(".notice-success").inner_text()
    shot("after-return")
    logout(page)

    # The unit reads the comment in 个人中心, fixes the file and a figure, and submits again.
    login(page, live_server, "/login", unit.login_name, label="统一社会信用代码")
    page.goto(live_server + "/me/cases?state=returned")
    page.get_by_role("link", name="查看").first.click()
    assert "请上传加盖公章的申请表" in page.locator("[data-testid=timeline]").inner_text()
    shot("unit-sees-comment")
    page.get_by_role("link", name="修改后重新提交").click()
    page.locator("#f-planned_posts").fill("12")
    stamped = tmp_path / "盖章申请表.png"
    stamped.write_bytes(document_png(300, 200))
    page.locator("#file-application_form").set_input_files(str(stamped))
    page.locator("#slot-application_form").get_by_role("button", name="更换", exact=True).click()
    assert "盖章申请表.png" in page.locator("[data-testid=slot-state-application_form]").inner_text()
    page.get_by_role("button", name="核对并提交").click()
    page.get_by_test_id("check-submit").click()
    assert page.locator("h1").inner_text() == "申报成功"
    shot("unit-resubmitted")
    logout(page)

    # The reviewer sees exactly what changed, and approves.
    login(page, live_server, "/staff/login", "taiyuan")
    page.goto(live_server + f"/review/cases/{case_id}")
    diff = page.locator("[data-testid=diff]")
    assert "拟提供岗位数" in diff.inner_text() and "盖章申请表.png" in diff.inner_text()
    check("diff")
    page.locator(".review-actions").get_by_role("link", name="审核通过").click()
    page.get_by_label("审核意见").fill("材料齐全，同意。")
    page.get_by_label("确认对该申请执行“审核通过”").check()
    page.get_by_role("button", name="确认审核通过").click()
    assert f"已审核通过：{reference}" in page.locator(".notice-success").inner_text()
    page.goto(live_server + f"/review/cases/{case_id}")
    assert page.locator("[data-testid=case-state]").inner_text() == "审核通过"
    assert [t.split()[0] for t in page.locator("[data-testid=history] li").all_inner_texts()] == [
        "提交", "退回修改", "提交", "审核通过"]
    shot("approved")


def test_administrator_pages(page, live_server, shot, check, session_factory):
    s = session_factory()
    f.admin(s)
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    s.commit()
    s.close()
    login(page, live_server, "/staff/login", "admin")
    assert page.locator("h1").inner_text() == "系统管理"
    check("admin-home")
    page.get_by_role("link", name="账号管理").click()
    page.locator("#f-login_name").fill("xiaodian")
    page.locator("#f-name").fill("小店区审核员")
    page.get_by_label("管辖范围").select_option("140105")
    page.locator("#f-password").fill("XdReview2026")
    page.locator("#f-password_confirm").fill("XdReview2026")
    shot("new-reviewer")
    page.get_by_role("button", name="创建审核人员").click()
    assert "已创建审核人员账号“xiaodian”" in page.locator(".notice-success").inner_text()
    shot("reviewer-created")
    page.get_by_role("link", name="事项目录").click()
    shot("items")
    page.get_by_role("link", name="就业见习单位申请").click()
    assert page.locator("[data-testid=diagram] svg").is_visible()
    check("item-diagram")
    page.get_by_role("link", name="审计日志").click()
    assert page.locator("[data-testid=audit] tbody tr").count() >= 2
    check("audit")


def test_a_pdf_preview_runs_nothing_yet_chromium_shows_it(page, live_server, shot, session_factory, catalogue,
                                                        storage):
    """The preview is served sandboxed, scripts and plugins forbidden (webapp/responses.py FILE_CSP); Chromium's
    PDF viewer still draws it inside the reviewer's page: its dark toolbar across the top, the scan below."""
    s = session_factory()
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    case = f.submitted_unit_application(s, catalogue, storage, unit)
    s.commit()
    case_id = case.id
    s.close()

    login(page, live_server, "/staff/login", "taiyuan")
    page.goto(f"{live_server}/review/cases/{case_id}")
    slot = page.locator("li[data-slot=application_form]")
    slot.get_by_text("在页面内预览").click()
    frame = slot.locator("iframe")
    frame.element_handle().wait_for_element_state("visible")
    for _ in range(40):      # the viewer draws after the file has loaded: look again until it has
        if pdf_viewer_shown(frame.screenshot()):
            break
        page.wait_for_timeout(250)
    assert pdf_viewer_shown(frame.screenshot()), "Chromium did not display the sandboxed PDF preview"
    shot("pdf-preview")
