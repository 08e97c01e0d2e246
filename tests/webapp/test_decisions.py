"""The decision where people land, over HTTP: a returned or refused case shows the reviewer's reason and what
to do at the top of its page and in its 个人中心 row (and in the JSON API); a batch case's page gives the
batch in figures instead of a form it never had."""
from __future__ import annotations

from engine.batch.store import store_batch
from engine.cases.lifecycle import transition
from tests import factories as f
from tests.data import batch_rows
from tests.openapi import assert_matches_spec
from tests.webapp.pages import soup


def signed_in(web, account):
    web.login(account.login_name)
    return web


def first_block(page):
    """The first thing under the page's title."""
    return soup(page).select_one("main h1").find_next_sibling()


def decided(web, world, dbsession, catalogue, storage, trigger, comment):
    """A unit's application the province's reviewer has decided on; the unit signed in on `web`."""
    unit = f.unit_account(dbsession, name="太原汾河物流有限公司", mobile="13612345678")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    transition(dbsession, catalogue, case, trigger, world["province"], comment=comment)
    dbsession.commit()
    signed_in(web, unit)
    return case


def test_a_returned_case_says_why_and_what_to_do_first(web, world, dbsession, catalogue, storage):
    case = decided(web, world, dbsession, catalogue, storage, "return_for_correction", "申请表未加盖公章")

    page = web.app.get(f"/cases/{case.id}")
    banner = first_block(page)
    assert banner["data-testid"] == "decision"
    assert banner.select_one("h2").get_text() == "退回修改"
    assert banner.select_one("[data-testid=decision-reason]").get_text() == "审核意见：申请表未加盖公章"
    assert "修改后重新提交" in banner.select_one("[data-testid=decision-advice]").get_text()
    assert banner.select_one("[data-testid=decision-resubmit]")["href"] == f"/cases/{case.id}/edit"
    assert len(soup(page).find_all("a", string="修改后重新提交")) == 1   # once, in the banner
    # The history still has it, as history.
    assert "申请表未加盖公章" in soup(page).select_one("[data-testid=timeline]").get_text()

    center = soup(web.app.get("/me/cases"))
    row = center.select_one(f"tr[data-case='{case.id}']")
    assert "审核意见：申请表未加盖公章" in row.select_one("[data-testid=row-decision]").get_text()
    # And above the table, as the owner's next job (a phone shows the table's first columns only).
    to_fix = center.select_one("[data-testid=to-fix]")
    assert to_fix.select_one("a")["href"] == f"/cases/{case.id}/edit" and "申请表未加盖公章" in to_fix.get_text()
    assert row.find("a", string="修改后重新提交")["href"] == f"/cases/{case.id}/edit"

    # The form and the check page say it too, above the answers.
    edit = web.app.get(f"/cases/{case.id}/edit")
    assert "申请表未加盖公章" in soup(edit).select_one("[data-testid=decision]").get_text()
    check = web.app.get(f"/cases/{case.id}/check")
    assert "申请表未加盖公章" in soup(check).select_one("[data-testid=decision]").get_text()
    # A returned case was submitted once: its typed-twice copy need not be typed again to resubmit.
    assert soup(check).select_one("[data-testid=check-submit]") is not None

    body = web.api("get", f"/api/cases/{case.id}")
    assert_matches_spec(body)
    assert (body.json["decision"]["action"], body.json["decision"]["next"]) == ("退回修改", "resubmit")
    listing = web.api("get", "/api/cases")
    assert_matches_spec(listing)
    assert [c["decision"]["comment"] for c in listing.json["cases"] if c["id"] == case.id] == ["申请表未加盖公章"]


def test_a_refused_case_offers_a_new_application_and_an_approved_one_shows_no_banner(
        web, make_web, world, dbsession, catalogue, storage):
    case = decided(web, world, dbsession, catalogue, storage, "reject", "不符合见习单位条件：成立不满一年")
    page = web.app.get(f"/cases/{case.id}")
    banner = first_block(page)
    assert banner["data-testid"] == "decision" and banner.select_one("h2").get_text() == "审核不通过"
    assert banner.select_one("[data-testid=decision-reapply]")["href"] == "/items/unit_application"
    assert banner.select_one("[data-testid=decision-resubmit]") is None
    row = soup(web.app.get("/me/cases")).select_one(f"tr[data-case='{case.id}']")
    assert "成立不满一年" in row.get_text() and row.find("a", string="重新申请")["href"] == "/items/unit_application"
    assert soup(web.app.get("/me/cases")).select_one("[data-testid=to-fix]") is None   # nothing to correct
    # Applying again is possible: the refused case holds nothing.
    assert web.app.get("/items/unit_application").html.select_one("[data-testid=task-list]") is not None

    approved = world["unit_case"]
    owner = signed_in(make_web(), world["unit"])
    assert soup(owner.app.get(f"/cases/{approved.id}")).select_one("[data-testid=decision]") is None
    assert soup(owner.app.get("/me/cases")).select_one("[data-testid=row-decision]") is None


def test_a_batch_case_page_gives_rows_people_months_and_replaced_rows(web, dbsession, catalogue):
    unit = f.unit_account(dbsession)
    item = catalogue.item("attendance_report")
    a, b = f.new_id_number("20020202"), f.new_id_number("20030303")

    def row(person, month):
        return batch_rows.attendance_rows([{"name": "张三", "id_number": person}], month)[0]
    first = store_batch(dbsession, catalogue, item, unit, [(2, row(a, "2026-09")), (3, row(b, "2026-09"))],
                        "九月.xlsx")
    again = store_batch(dbsession, catalogue, item, unit, [(2, row(a, "2026-09")), (3, row(a, "2026-10")),
                                                           (4, row(b, "2026-10"))], "九十月.xlsx")
    dbsession.commit()
    signed_in(web, unit)
    page = web.app.get(f"/cases/{again.id}")
    s = soup(page)
    figures = {dd["data-testid"]: dd.get_text() for dd in s.select("[data-testid=batch-summary] dd")}
    assert figures == {"batch-rows": "3行", "batch-people": "2人", "batch-months": "2026-09、2026-10",
                       "batch-replaced": "1行"}
    assert s.select_one("[data-testid=batch-rows-link]")["href"] == f"/cases/{again.id}/rows"
    # No form of dashes: the item's fields are not laid out for a case that has none.
    assert s.select("dd[data-field]") == [] and "—" not in s.select_one("[data-testid=batch-summary]").get_text()
    earlier = soup(web.app.get(f"/cases/{first.id}")).select("[data-testid=batch-summary] dd")
    assert {dd["data-testid"]: dd.get_text() for dd in earlier}["batch-active"] == "1行"   # one row replaced since
