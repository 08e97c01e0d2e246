"""账号信息: a person sets where their notices go (email, mobile), checked like registration, audited by field."""
import pytest
from sqlalchemy import select

from engine.models import Account, AuditEntry
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import soup


def signed_in(make_web, login, tab="unit"):
    web = make_web()
    assert web.login(login, tab=tab).status_int == 303
    return web


def test_a_reviewer_adds_an_email_and_the_next_case_in_the_queue_is_mailed_there(
        world, make_web, dbsession, deliver, smtp_server):
    reviewer = signed_in(make_web, "sheng", "staff")
    page = reviewer.app.get("/")
    assert soup(page).select_one("[data-testid=account-link]")["href"] == "/me/account"
    form = reviewer.app.get("/me/account").forms[1]
    form["email"] = " Sheng.Shenhe＠RenShe.Example "   # as an IME types it
    done = form.submit().follow()
    assert "联系方式已保存" in done.text
    assert soup(done).select_one("#f-email")["value"] == "Sheng.Shenhe@renshe.example"

    unit = signed_in(make_web, world["unit"].login_name)
    unit.api("POST", "/api/items/post_application/cases", {"data": f.post_data(), "submit": True}, status=201)
    deliver()
    (mail,) = smtp_server.to("Sheng.Shenhe@renshe.example")
    assert "就业见习岗位申请" in mail["Subject"]


def test_a_wrong_email_or_mobile_is_refused_by_its_field_and_nothing_is_saved(world, make_web, dbsession):
    unit = signed_in(make_web, world["unit"].login_name)
    form = unit.app.get("/me/account").forms[1]
    form["email"] = "li.hong@jinyang"
    form["mobile"] = ""
    page = form.submit(status=422)
    s = soup(page)
    assert s.select_one("#err-email").get_text() == "电子邮箱格式不正确，应如 zhangsan@example.com（仅限英文字母、数字和符号）"
    assert s.select_one("#err-mobile").get_text() == "请填写联系人手机号"
    assert s.select_one("#f-email")["value"] == "li.hong@jinyang"   # what was typed stays
    dbsession.expire_all()
    account = dbsession.get(Account, world["unit"].id)
    assert (account.email, account.mobile) == (None, "13912345678")
    assert dbsession.scalar(select(AuditEntry.id).where(AuditEntry.action == "contact_change")) is None


def test_staff_may_leave_the_mobile_empty_and_clearing_the_email_stops_mail(world, make_web, dbsession):
    reviewer = signed_in(make_web, "taiyuan", "staff")
    res = reviewer.api("PATCH", "/api/account", {"email": "ty@renshe.example", "mobile": None}, status=200)
    assert_matches_spec(res)
    assert (res.json["email"], res.json["mobile"]) == ("ty@renshe.example", None)
    res = reviewer.api("PATCH", "/api/account", {"email": ""}, status=200)
    assert res.json["email"] is None
    dbsession.expire_all()
    assert dbsession.get(Account, world["taiyuan"].id).email is None


def test_the_api_refuses_fields_it_may_not_change_and_keeps_the_account(world, make_web, dbsession):
    person = signed_in(make_web, world["person"].login_name, "individual")
    res = person.api("GET", "/api/account", status=200)
    assert_matches_spec(res)
    assert res.json["login"] != world["person"].login_name and res.json["login"].endswith(world["person"].login_name[-4:])
    for body, field in (({"name": "别人"}, "name"), ({"email": 5}, "email"), ({"mobile": "1234"}, "mobile")):
        res = person.api("PATCH", "/api/account", body, status=422)
        assert_matches_spec(res)
        assert [e["field"] for e in res.json["errors"]] == [field]
    dbsession.expire_all()
    assert dbsession.get(Account, world["person"].id).name == world["person"].name


def test_a_change_is_audited_by_field_never_by_value(world, make_web, dbsession):
    person = signed_in(make_web, world["person"].login_name, "individual")
    person.api("PATCH", "/api/account", {"email": "zhang@example.com", "mobile": "13600001111"}, status=200)
    person.api("PATCH", "/api/account", {"email": "zhang@example.com"}, status=200)   # no change, no entry
    (entry,) = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "contact_change")).all()
    assert entry.actor_id == world["person"].id and entry.detail["fields"] == ["email", "mobile"]
    admin = signed_in(make_web, "admin", "staff")
    row = soup(admin.app.get("/admin/audit?kind=contact")).select_one("tbody tr").get_text(" ", strip=True)
    assert "修改联系方式" in row and "修改了电子邮箱、手机号" in row
    assert "zhang@example.com" not in row and "13600001111" not in row


def _fill_registration(form, kind, email):
    if kind == "unit":
        form["unit_name"], form["credit_code"], form["contact_name"] = "晋中新能源有限公司", f.new_credit_code(), "周敏"
    else:
        form["name"], form["id_number"] = "王小丽", f.new_id_number()
    form["mobile"] = "13912345678"
    form["password"] = form["password_confirm"] = "Secret2026"
    form["email"] = email
    return form


@pytest.mark.parametrize("kind", ["unit", "individual"])
def test_registration_takes_an_optional_email(web, dbsession, kind):
    page = _fill_registration(web.app.get(f"/register/{kind}").forms[0], kind, "zhou@").submit(status=200)
    assert soup(page).select_one("#err-email").get_text().startswith("电子邮箱格式不正确")
    assert soup(page).select_one("#f-mobile")["value"] == "13912345678"
    assert dbsession.scalar(select(Account.id)) is None
    dbsession.rollback()
    _fill_registration(web.app.get(f"/register/{kind}").forms[0], kind, "zhou@jinzhong.example").submit(status=303)
    assert dbsession.scalar(select(Account.email)) == "zhou@jinzhong.example"


def test_the_account_page_needs_a_signed_in_person(web):
    assert web.app.get("/me/account", status=303).location.startswith("http://localhost/login")
    assert web.app.get("/api/account", status=401).json["error"]
