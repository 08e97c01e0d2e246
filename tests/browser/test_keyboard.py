"""Keyboard only: the unit application and a review, done with Tab to move, Space and Enter to act, and typing
for what is typed. No click, fill or select_option: each control is reached by Tab from the one before, and
each must show where the focus is. Two things have no Tab/Space/Enter way and use the keyboard's own: an
option of a <select> is picked with the arrow keys, and the file chooser that Space opens is answered by
Playwright (it stands in for the system's dialog)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests import factories as f
from tests.browser.axe import check_page


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focus is on `selector`; the focused control must show a focus outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has the focus but shows no focus outline"
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector} on {page.url}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, selector: str, value: str) -> None:
    """Tab to a select, then the arrow keys down to the option with `value` (the list starts at 请选择)."""
    tab_to(page, selector)
    index = page.eval_on_selector(selector, "(s, v) => [...s.options].findIndex(o => o.value === v)", value)
    assert index > 0, f"{selector} has no option {value}"
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector(selector, "s => s.value") == value


def type_date(page, selector: str, iso: str) -> None:
    """Type a date into a date field, its parts in the order the browser shows them: that order follows the
    browser's own language (月/日/年 in Debian's Chromium without its language packs, 年/月/日 with zh-CN),
    so each order is tried; typing a part replaces it, and a full part moves on to the next by itself."""
    y, m, d = iso.split("-")
    for order in ((m, d, y), (y, m, d), (d, m, y)):
        tab_to(page, selector)
        for part in order:
            page.keyboard.type(part)
        if page.eval_on_selector(selector, "e => e.value") == iso:
            return
    raise AssertionError(f"could not type {iso} into {selector}")


def press_and_wait(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def sign_in(page, live_server, path: str, login_name: str) -> None:
    page.goto(live_server + path)
    type_into(page, "#f-login", login_name)
    type_into(page, "#f-password", f.PASSWORD)
    press_and_wait(page)   # Enter in a field submits its form


def test_the_unit_application_by_keyboard(page, live_server, shot, tmp_path, dbsession):
    unit = f.unit_account(dbsession, name="晋城光伏材料有限公司")
    dbsession.commit()

    sign_in(page, live_server, "/login", unit.login_name)
    assert "晋城光伏材料有限公司" in page.locator("[data-testid=who]").inner_text()
    tab_to(page, "aside a[href='/items/unit_application']")
    press_and_wait(page)
    assert page.locator("main h1").inner_text() == "就业见习单位申请"
    check_page(page)

    d = f.unit_application_data("晋城光伏材料有限公司")
    choose(page, "#f-unit_type", "企业")
    choose(page, "#f-industry", "制造业")
    choose(page, "#f-city", "140500")
    choose(page, "#f-county", "140502")     # form.js has put 晋城市's counties in the list
    type_into(page, "#f-address", d["address"])
    type_date(page, "#f-founded_on", "2016-03-08")
    for key in ("legal_rep", "contact_name", "contact_mobile", "staff_count", "insured_count", "planned_posts"):
        type_into(page, f"#f-{key}", str(d[key]))
    type_into(page, "#f-account_name", "晋城光伏材料有限公司")
    for key in ("bank_name", "bank_account", "bank_account_confirm"):
        type_into(page, f"#f-{key}", str(d[key]))
    shot("typed")

    for slot, (name, body) in {"license": ("营业执照.pdf", f.PDF), "application_form": ("申请表.png", f.PNG),
                               "management_plan": ("带教计划.jpg", f.JPEG)}.items():
        path = tmp_path / name
        path.write_bytes(body)
        tab_to(page, f"#file-{slot}")
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(str(path))
        tab_to(page, f"#slot-{slot} button[value='upload:{slot}']")
        press_and_wait(page)                  # the upload saves what was typed too
        assert "已上传" in page.locator(f"[data-testid=slot-state-{slot}]").inner_text()
    expect(page.locator(".slot.stored")).to_have_count(3)
    assert page.locator("#f-address").input_value() == d["address"]
    shot("uploaded")
    check_page(page)

    tab_to(page, "button[value=submit]")
    press_and_wait(page)
    assert page.locator("main h1").inner_text() == "核对申请内容"
    shot("check")
    check_page(page)
    tab_to(page, "[data-testid=check-submit]")
    press_and_wait(page)
    assert page.locator("h1").inner_text() == "申报成功"
    shot("done")
    check_page(page)


def test_a_review_by_keyboard(page, live_server, shot, session_factory, catalogue, storage):
    s = session_factory()
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    unit = f.unit_account(s, name="太原晋阳数字科技有限公司")
    case = f.submitted_unit_application(s, catalogue, storage, unit)
    s.commit()
    case_id, reference = case.id, case.reference
    s.close()

    sign_in(page, live_server, "/staff/login", "taiyuan")
    assert page.locator("h1").inner_text() == "审核工作台"
    tab_to(page, f"tr[data-case='{case_id}'] a")
    press_and_wait(page)
    assert reference in page.locator(".case-facts").inner_text()
    check_page(page)

    # Claim it first (a button), then return it for correction with a reason and a comment.
    tab_to(page, "[data-testid=claim] button[value=claim]")
    press_and_wait(page)
    assert "由我认领" in page.locator("[data-testid=claim]").inner_text()
    tab_to(page, ".review-actions a[data-trigger=return_for_correction]")
    press_and_wait(page)
    assert page.locator("h1").inner_text() == "确认退回修改"
    tab_to(page, "input[name=reason]")
    page.keyboard.press("Space")            # the first reason
    assert page.locator("input[name=reason]").first.is_checked()
    type_into(page, "#f-comment", "请上传加盖公章的申请表")
    tab_to(page, "#f-confirm")
    page.keyboard.press("Space")
    assert page.locator("#f-confirm").is_checked()
    shot("confirm")
    check_page(page)
    tab_to(page, "form button[type=submit].btn-primary, form button[type=submit].btn-danger")
    press_and_wait(page)
    assert f"已退回修改：{reference}" in page.locator(".notice-success").inner_text()
    shot("returned")
    check_page(page)
