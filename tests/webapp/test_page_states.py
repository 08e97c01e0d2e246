"""States that look like what they are, and one way of saying each thing (issue #14): a disabled import says why,
the form printed before submitting is 待盖章提交, a finished case has not "waited" and is nobody's claim, an
empty tab stays with 0, one 学历 list, one 不限, the staff login in the public footer, a favicon, no developer
words on the administrators' pages, and an anonymous visitor's side menu holds only what they can use."""
from __future__ import annotations

from engine.cases.lifecycle import save_draft, submit
from engine.positions.unit import intent_educations
from tests import factories as f
from tests.webapp.pages import fresh, soup


def test_a_unit_not_yet_approved_sees_why_it_cannot_import_and_nothing_to_choose(web, world):
    web.login(world["other"].login_name)
    page = soup(web.app.get("/items/match_report"))
    notice = page.select_one("[data-testid=blocked]").get_text(strip=True)
    assert notice.startswith("暂不能办理：") and len(notice) > len("暂不能办理：")
    reason = page.select_one("#blocked-reason")
    assert reason.get_text(strip=True) == notice
    chooser = page.select_one("input[type=file]")
    assert chooser.has_attr("disabled") and "blocked-reason" in chooser["aria-describedby"]
    assert not [i for i in page.select("input[type=file]") if not i.has_attr("disabled")]
    button = page.find("button", string="导入")
    assert button.has_attr("disabled") and button["aria-describedby"] == "blocked-reason"


def test_an_approved_unit_gets_a_live_chooser_and_button(web, world):
    web.login(world["unit"].login_name)
    page = soup(web.app.get("/items/match_report"))
    assert page.select_one("[data-testid=blocked]") is None and page.select_one("#blocked-reason") is None
    assert not page.select_one("input[type=file]").has_attr("disabled")
    assert not page.find("button", string="导入").has_attr("disabled")


def test_the_form_printed_before_submitting_is_to_be_stamped_not_a_draft(web, make_web, world, dbsession, catalogue):
    unit = world["other"]
    draft = save_draft(dbsession, catalogue, catalogue.item("unit_application"), unit,
                       f.unit_application_data(unit.unit.name))
    dbsession.commit()
    web.login(unit.login_name)
    page = soup(web.app.get(f"/cases/{draft.id}/print"))
    assert "待盖章提交" in page.select_one("[data-testid=print-reference]").get_text()
    assert "草稿" not in page.get_text()
    assert page.find("main") is not None   # the sheet is the page's main landmark

    approved = make_web()
    approved.login(world["unit"].login_name)
    printed = soup(approved.app.get(f"/cases/{world['unit_case'].id}/print"))
    assert printed.select_one("[data-testid=print-reference]").get_text(strip=True) == \
        f"申报编号：{world['unit_case'].reference}"
    assert "待盖章提交" not in printed.get_text()


def test_finished_cases_have_not_waited_and_are_nobodys_claim_and_empty_tabs_stay(web, world, dbsession, catalogue):
    submit(dbsession, catalogue, catalogue.item("post_application"), world["unit"], f.post_data(position_name="会计助理"))
    dbsession.commit()
    web.login("sheng", tab="staff")
    queue = soup(web.app.get("/review"))
    waiting = queue.select("[data-testid=queue] tbody tr")
    assert waiting and all(tr["data-waiting"] == "yes" for tr in waiting)
    assert all("已等待" in tr.get_text() and tr.select_one("[data-testid=claim]") for tr in waiting)
    # Every tab is there, the empty ones with 0.
    assert queue.select_one("[data-testid=count-rejected]").get_text() == "0"
    assert queue.select_one("[data-testid=count-returned]").get_text() == "0"
    assert queue.select_one("[data-testid=count-approved]").get_text() == "2"

    done = soup(web.app.get("/review?state=approved"))
    rows = done.select("[data-testid=queue] tbody tr")
    assert len(rows) == 2 and all(tr["data-waiting"] == "no" for tr in rows)
    table = done.select_one("[data-testid=queue]").get_text()
    assert "已等待" not in table and "认领" not in table
    empty = soup(web.app.get("/review?state=rejected"))
    assert empty.select_one("[data-testid=count-rejected]").get_text() == "0"
    assert empty.select_one("[data-testid=empty]") is not None

    body = web.app.get("/api/review/cases?state=approved").json
    assert all(c["waiting"] is False and c["days_waited"] is None and c["claimed_by"] is None for c in body["items"])
    assert {c["state"]: c["count"] for c in body["counts"]}["rejected"] == 0


def test_registration_offers_the_one_list_of_education(web, dbsession, catalogue):
    from engine.models import Account
    from sqlalchemy import select

    page = web.app.get("/register/individual")
    options = [o.get_text() for o in soup(page).select("select#f-education option")]
    # The list the units report people in (match_report's 学历): the same one their intent filter offers.
    choices = intent_educations(catalogue)
    assert choices == tuple(catalogue.item("match_report").field_map["education"].enum)
    assert options == ["不填写", *choices]

    form = page.forms[0]
    id_number = f.new_id_number()
    for key, value in (("name", "王小丽"), ("id_number", id_number), ("mobile", "13812345678"),
                       ("password", f.PASSWORD), ("password_confirm", f.PASSWORD)):
        form[key] = value
    form["education"].force_value("小学")
    refused = form.submit()
    assert "请从列表中选择学历" in soup(refused).select_one("#err-education").get_text()
    assert dbsession.scalar(select(Account).where(Account.login_name == id_number)) is None
    form = refused.forms[0]
    form["education"] = "本科"
    form["password"] = form["password_confirm"] = f.PASSWORD
    assert form.submit().status_int == 303
    fresh(dbsession)
    assert dbsession.scalar(select(Account).where(Account.login_name == id_number)).profile["education"] == "本科"


def test_the_search_filters_say_buxian_once(web, world):
    page = soup(web.app.get("/positions"))
    options = [o.get_text(strip=True) for o in page.select("form[role=search] option")]
    assert options.count("不限") == 1          # the requirement 不限 (a position asks for no 学历)
    assert "全部学历" in options and "全部期限" in options


def test_the_public_footer_links_the_staff_login_and_every_page_has_a_favicon(web, world):
    page = soup(web.app.get("/"))
    link = page.select_one("footer [data-testid=staff-login]")
    assert link["href"] == "/staff/login" and link.get_text() == "工作人员登录"
    icon = page.select_one("link[rel=icon]")
    served = web.app.get(icon["href"])
    assert served.content_type == "image/svg+xml" and b"<svg" in served.body
    web.login(world["unit"].login_name)
    signed_in = soup(web.app.get("/me/cases"))
    assert signed_in.select_one("footer [data-testid=staff-login]") is None
    assert signed_in.select_one("link[rel=icon]")["href"] == icon["href"]
    printed = soup(web.app.get(f"/cases/{world['unit_case'].id}/print"))
    assert printed.select_one("link[rel=icon]")["href"] == icon["href"]


def test_an_anonymous_side_menu_holds_only_what_a_visitor_can_use(web, world):
    side = soup(web.app.get("/positions")).select_one("aside.side-nav")
    assert [a.get_text(strip=True) for a in side.select("a")] == ["见习岗位查询", "见习补贴公示", "办件进度查询"]
    web.login(world["unit"].login_name)
    side = soup(web.app.get("/positions")).select_one("aside.side-nav")
    assert "就业见习单位申请" in [a.get_text(strip=True) for a in side.select("a")]


def test_the_administrators_item_page_speaks_chinese(web, world):
    web.login("admin", tab="staff")
    page = soup(web.app.get("/admin/items/unit_application")).select_one("main")
    text = page.get_text(" ")
    for word in ("sha256", "string", "integer", "attachments_complete", "requires_met", "assign_reference",
                 "locate_unit", "return_for_correction", "shanxi-city", "credit-code"):
        assert word not in text, word
    submit_row = page.select_one("[data-testid=transitions] tr[data-trigger=submit]")
    assert submit_row.select_one("[data-testid=conditions]").get_text(strip=True) == "必传附件均已上传、已办妥前置事项"
    assert "山西省的市" in page.select_one("[data-testid=fields]").get_text()
