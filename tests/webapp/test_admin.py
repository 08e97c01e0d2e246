"""系统管理 over HTTP: reviewer accounts with a jurisdiction, disabling, password resets, the item catalogue
with its workflow diagram and counts, and the audit log with its xlsx export."""
from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from sqlalchemy import select

from engine.models import Account, AuditEntry
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import soup, fresh, form_to


def flash(page):
    return " ".join(n.get_text(" ", strip=True) for n in soup(page).select(".notice"))


def admin_web(make_web):
    web = make_web()
    assert web.login("admin", tab="staff").location.endswith("/admin")
    return web


def test_admin_creates_a_reviewer_who_then_sees_only_the_jurisdiction(make_web, world, dbsession, catalogue,
                                                                       storage):
    web = admin_web(make_web)
    page = web.app.get("/admin/accounts")
    form = form_to(page, "/admin/accounts", has="login_name")
    form["login_name"] = "Xiaodian Wang"
    form["name"] = "王小店"
    form["password"] = "short"
    form["password_confirm"] = "short"
    page = form.submit(status=422)
    s = soup(page)
    assert s.select_one("#err-login_name").get_text() == "用户名为3至32位小写字母、数字或 _ . -，以字母开头"
    assert s.select_one("#err-jurisdiction").get_text() == "请选择管辖范围"
    assert s.select_one("#err-password").get_text() == "密码至少8位"
    assert s.select_one("#f-name")["value"] == "王小店"
    assert dbsession.scalar(select(Account).where(Account.name == "王小店")) is None
    fresh(dbsession)

    form = form_to(page, "/admin/accounts", has="login_name")
    form["login_name"] = "xiaodian"
    form["jurisdiction"] = "140105"
    form["password"] = form["password_confirm"] = "XdReview2026"
    page = form.submit().follow()
    assert "已创建审核人员账号“xiaodian”" in flash(page)
    assert soup(page).select_one("[data-testid=jurisdiction]").get_text() == "太原市 小店区"

    # The county reviewer only sees cases of units in 小店区, not those next door in 迎泽区.
    from engine.cases.lifecycle import submit
    mine = submit(dbsession, catalogue, catalogue.item("post_application"), world["unit"], f.post_data())
    yingze = f.unit_account(dbsession, name="迎泽区测试企业", mobile="13612345602")
    f.submitted_unit_application(dbsession, catalogue, storage, yingze, county="140106", address="迎泽大街2号")
    dbsession.commit()
    fresh(dbsession)
    reviewer = make_web()
    assert reviewer.login("xiaodian", "XdReview2026", tab="staff").location.endswith("/review")
    ids = [int(tr["data-case"]) for tr in soup(reviewer.app.get("/review")).select("[data-testid=queue] tbody tr")]
    assert ids == [mine.id]
    entry = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "account_create")).one()
    assert (entry.actor_id, entry.target, entry.detail["jurisdiction"]) == (world["admin"].id, "xiaodian", "140105")


def test_disabling_an_account_ends_its_session_and_stops_login(make_web, world, dbsession):
    reviewer = make_web()
    reviewer.login("taiyuan", tab="staff")
    assert reviewer.app.get("/review").status_int == 200
    web = admin_web(make_web)
    page = web.app.get(f"/admin/accounts/{world['taiyuan'].id}")
    page = form_to(page, f"/admin/accounts/{world['taiyuan'].id}", has=None).submit("action", value="disable").follow()
    assert "已停用账号“taiyuan”" in flash(page)
    assert "已停用" in soup(page).select_one("[data-testid=active]").get_text()
    assert reviewer.app.get("/review", status=303).location.startswith("http://localhost/staff/login")
    assert "该账号已停用，请联系管理员" in reviewer.login("taiyuan", tab="staff").text
    # Nobody can lock themselves out.
    own = web.app.get(f"/admin/accounts/{world['admin'].id}")
    assert soup(own).select_one("button[value=disable]").has_attr("disabled")
    refused = web.post(f"/admin/accounts/{world['admin'].id}", {"action": "disable"}, status=422)
    assert "不能停用自己的账号" in refused.text
    page = form_to(web.app.get(f"/admin/accounts/{world['taiyuan'].id}"), "/admin/accounts/").submit(
        "action", value="enable").follow()
    assert "已启用账号“taiyuan”" in flash(page)
    assert reviewer.login("taiyuan", tab="staff").location.endswith("/review")
    fresh(dbsession)
    actions = dbsession.scalars(select(AuditEntry.action).where(AuditEntry.target == "taiyuan")
                                .order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("account_")] == ["account_disable", "account_enable"]


def test_reset_password_and_change_jurisdiction(make_web, world, dbsession):
    web = admin_web(make_web)
    url = f"/admin/accounts/{world['datong'].id}"
    form = form_to(web.app.get(url), url, has="password")
    form["password"], form["password_confirm"] = "DtReset2027", "DtReset2028"
    page = form.submit("action", value="reset_password", status=422)
    assert soup(page).select_one("#err-password_confirm").get_text() == "两次输入的密码不一致"
    form = form_to(page, url, has="password")
    form["password"] = form["password_confirm"] = "DtReset2027"
    assert "已重置“datong”的密码" in flash(form.submit("action", value="reset_password").follow())
    reviewer = make_web()
    assert "账号或密码错误" in reviewer.login("datong", tab="staff").text
    assert reviewer.login("datong", "DtReset2027", tab="staff").status_int == 303
    fresh(dbsession)
    entry = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "password_reset")).one()
    assert "DtReset2027" not in str(entry.detail)

    form = form_to(web.app.get(url), url, has="jurisdiction")
    form["jurisdiction"] = "140000"
    page = form.submit("action", value="jurisdiction").follow()
    assert "管辖范围改为山西省" in flash(page)
    fresh(dbsession)
    assert dbsession.get(Account, world["datong"].id).jurisdiction == "140000"


def test_item_catalogue_shows_versions_counts_and_the_workflow_drawn(make_web, world):
    web = admin_web(make_web)
    page = web.app.get("/admin/items")
    rows = {tr["data-item"]: tr for tr in soup(page).select("[data-testid=items] tbody tr")}
    assert list(rows) == ["unit_application", "post_application", "match_report", "attendance_report",
                          "onduty_report", "subsidy_claim"]
    assert rows["unit_application"].select_one("[data-count=approved]").get_text() == "审核通过 1"
    page = web.app.get("/admin/items/unit_application")
    s = soup(page)
    assert s.select_one("[data-testid=version]").get_text().startswith("第1版")
    svg = s.select_one("[data-testid=diagram] svg")
    assert svg["role"] == "img" and svg.select_one("title").get_text() == "单级审核流程图"
    assert [g["data-state"] for g in svg.select("g.state")] == ["draft", "submitted", "approved", "rejected",
                                                               "returned"]
    edges = {(g["data-from"], g["data-to"]) for g in svg.select("g.edge")}
    assert edges == {("draft", "submitted"), ("returned", "submitted"), ("submitted", "approved"),
                     ("submitted", "rejected"), ("submitted", "returned")}
    assert "退回修改：审核人员，须填意见" in svg.get_text()
    assert s.select_one("[data-testid=counts] td[data-state=approved]").get_text() == "1"
    assert [tr["data-trigger"] for tr in s.select("[data-testid=transitions] tbody tr")] == [
        "submit", "approve", "reject", "return_for_correction"]
    web.app.get("/admin/items/no_such_item", status=404)


def test_audit_log_has_logins_transitions_and_admin_actions(make_web, world, dbsession, catalogue):
    case = world["unit_case"]
    staff = make_web()
    staff.login("taiyuan", "WrongPass1", tab="staff")
    staff.login("taiyuan", tab="staff")
    web = admin_web(make_web)
    web.post(f"/admin/accounts/{world['datong'].id}", {"action": "disable"})
    page = web.app.get("/admin/audit")
    rows = soup(page).select("[data-testid=audit] tbody tr")
    kinds = {tr["data-action"] for tr in rows}
    assert {"login", "login_failed", "account_disable", "submit", "approve"} <= kinds
    approve = next(tr for tr in rows if tr["data-action"] == "approve" and case.reference in tr.get_text())
    text = approve.get_text(" ", strip=True)
    assert "流程操作：审核通过" in text and "省级审核员" in text and "未审核 → 审核通过" in text

    only = web.app.get("/admin/audit", {"kind": "transition"})
    assert {tr["data-kind"] for tr in soup(only).select("[data-testid=audit] tbody tr")} == {"transition"}
    by_case = web.app.get("/admin/audit", {"q": case.reference})
    assert [tr["data-action"] for tr in soup(by_case).select("[data-testid=audit] tbody tr")] == ["approve", "submit"]
    by_actor = web.app.get("/admin/audit", {"actor": "taiyuan", "kind": "login"})
    assert [tr["data-action"] for tr in soup(by_actor).select("[data-testid=audit] tbody tr")] == ["login"]
    bad = web.app.get("/admin/audit", {"date_from": "昨天"})
    assert soup(bad).select_one("#err-date_from").get_text() == "日期格式应为2026-03-01"


def test_audit_export_is_a_workbook_with_formulas_neutralised(make_web, world, dbsession, catalogue):
    # Anyone may register under any name; each login writes it into the log as the actor's.
    for name in ("=HYPERLINK(\"http://x.cn\",\"点我\")", "@SUM(1+1)*cmd|' /C calc'!A0"):
        attacker = f.individual_account(dbsession, name=name)
        dbsession.commit()
        make_web().login(attacker.login_name, tab="individual")
    web = admin_web(make_web)
    page = web.app.get("/admin/audit", {"kind": "login"})
    res = page.click(href="/admin/audit.xlsx")
    assert res.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment;" in res.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(res.body))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:5] == ["时间（北京时间）", "操作", "操作人", "账号", "对象"]
    actors = [row[2].value for row in ws.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x.cn\",\"点我\")" in actors
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in actors
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=2) for c in row if c.value is not None)
    with zipfile.ZipFile(io.BytesIO(res.body)) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/"))
        assert b"<f>" not in z.read(sheet)
    assert {row[1].value for row in ws.iter_rows(min_row=2)} <= {"登录", "登录失败"}


def test_only_administrators_reach_the_admin_pages(make_web, world):
    urls = ["/admin", "/admin/accounts", f"/admin/accounts/{world['taiyuan'].id}", "/admin/items",
            "/admin/items/unit_application", "/admin/audit", "/admin/audit.xlsx"]
    for login, tab in (("taiyuan", "staff"), (world["unit"].login_name, "unit"),
                       (world["person"].login_name, "individual")):
        web = make_web()
        web.login(login, tab=tab)
        for url in urls:
            web.app.get(url, status=403)
        web.post("/admin/accounts", {"login_name": "sneaky", "name": "x", "jurisdiction": "140000",
                                     "password": "Sneaky2026", "password_confirm": "Sneaky2026"}, status=403)
    anonymous = make_web()
    assert anonymous.app.get("/admin/audit", status=303).location.endswith(
        "/staff/login?came_from=%2Fadmin%2Faudit")
    res = anonymous.api("GET", "/api/review/cases", status=401)
    assert_matches_spec(res)


def test_roles_are_named_as_engine_roles_names_them(make_web, world):
    from engine.roles import ROLE_LABELS
    web = admin_web(make_web)
    s = soup(web.app.get("/admin/accounts"))
    options = [(o["value"], o.get_text(strip=True)) for o in s.select("#f-role option")]
    assert options == [("", "全部角色"), ("reviewer", "审核人员"), ("admin", "系统管理员"), ("unit", "单位"),
                       ("individual", "个人")]
    shown = {row.get_text(" ", strip=True) for row in s.select("tbody tr")}
    assert any(ROLE_LABELS["admin"] in row for row in shown) and any("审核人员" in row for row in shown)
    admin_id = world["admin"].id
    assert "<dd>系统管理员</dd>" in web.app.get(f"/admin/accounts/{admin_id}").text
