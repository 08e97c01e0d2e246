from bs4 import BeautifulSoup
from sqlalchemy import select

from engine.models import Account, AuditEntry
from tests import factories as f
from tests.openapi import assert_matches_spec


def test_unit_registers_and_header_shows_name_and_credit_code(web):
    code = f.new_credit_code()
    form = web.app.get("/register/unit").forms[0]
    form["unit_name"] = "晋中新能源有限公司"
    form["credit_code"] = code.lower()
    form["contact_name"] = "周敏"
    form["mobile"] = "139 1234 5678"
    form["password"] = form["password_confirm"] = "Secret2026"
    page = form.submit().follow()
    who = BeautifulSoup(page.text, "html.parser").select_one("[data-testid=who]").get_text(" ", strip=True)
    assert "晋中新能源有限公司" in who and f"统一社会信用代码：{code}" in who
    assert "注册成功" in page.text


def test_registration_errors_are_shown_next_to_fields_and_input_kept(web, dbsession):
    form = web.app.get("/register/unit").forms[0]
    form["unit_name"] = "晋中新能源有限公司"
    form["credit_code"] = "91110108551385082A"
    form["mobile"] = "12345"
    form["password"] = "short"
    form["password_confirm"] = "other"
    page = form.submit()
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#error-summary h2").get_text() == "提交失败，请修改以下5处错误"
    assert soup.select_one("#err-credit_code").get_text() == "统一社会信用代码校验位错误，请核对第18位"
    assert soup.select_one("#err-contact_name").get_text() == "请填写联系人姓名"
    assert soup.select_one("#err-mobile").get_text().startswith("联系人手机号应为11位手机号码")
    assert soup.select_one("#err-password").get_text() == "密码至少8位"
    assert soup.select_one("#f-unit_name")["value"] == "晋中新能源有限公司"
    assert soup.select_one("#f-credit_code")["value"] == "91110108551385082A"
    assert dbsession.scalar(select(Account.id)) is None


def test_registration_refuses_names_the_database_could_not_keep(web, dbsession):
    """Over-long names and pasted control characters get a message, not a server error (PostgreSQL refuses both)."""
    form = web.app.get("/register/unit").forms[0]
    form["unit_name"] = "晋中\x00新能源有限公司"
    form["credit_code"] = f.new_credit_code()
    form["contact_name"] = "李" * 31
    form["mobile"] = "13812345678"
    form["password"] = form["password_confirm"] = "Secret2026"
    page = form.submit(status=200)
    soup = BeautifulSoup(page.text, "html.parser")
    assert "控制字符" in soup.select_one("#err-unit_name").get_text()
    assert soup.select_one("#err-contact_name").get_text() == "联系人姓名不能超过30个字"
    form = web.app.get("/register/individual").forms[0]
    form["name"] = "王\x01小丽"
    form["id_number"] = f.new_id_number()
    form["mobile"] = "13812345678"
    form["password"] = form["password_confirm"] = "Secret2026"
    page = form.submit(status=200)
    assert "控制字符" in BeautifulSoup(page.text, "html.parser").select_one("#err-name").get_text()
    assert dbsession.scalar(select(Account.id)) is None


def test_registration_refuses_a_region_code_of_no_county_and_an_unallocated_mobile(web, dbsession):
    form = web.app.get("/register/individual").forms[0]
    form["name"] = "王小丽"
    form["id_number"] = f.id_number("11019920030517002")
    form["mobile"] = "194 1234 5678"
    form["password"] = form["password_confirm"] = "Secret2026"
    soup = BeautifulSoup(form.submit(status=200).text, "html.parser")
    assert soup.select_one("#err-id_number").get_text() == "身份证号前6位“110199”不是有效的行政区划代码，请核对"
    assert soup.select_one("#err-mobile").get_text() == "手机号“19412345678”不是有效的手机号码（号段未分配），请核对"
    form = web.app.get("/register/unit").forms[0]
    form["unit_name"] = "晋中新能源有限公司"
    form["credit_code"] = f.credit_code("9B140105MA0K2B3C4")
    form["contact_name"] = "周敏"
    form["mobile"] = "13912345678"
    form["password"] = form["password_confirm"] = "Secret2026"
    soup = BeautifulSoup(form.submit(status=200).text, "html.parser")
    assert soup.select_one("#err-credit_code").get_text().startswith("统一社会信用代码第2位机构类别代码“B”不存在")
    assert dbsession.scalar(select(Account.id)) is None


def test_an_old_county_code_and_a_mobile_written_with_86_register(web, dbsession):
    number = f.id_number("11010319950101002")  # 崇文区, merged into 东城区 in 2010: the number keeps it
    form = web.app.get("/register/individual").forms[0]
    form["name"] = "王小丽"
    form["id_number"] = number
    form["mobile"] = "(+86)138 0013 8000"
    form["password"] = form["password_confirm"] = "Secret2026"
    form.submit().follow()
    account = dbsession.scalar(select(Account).where(Account.login_name == number))
    assert account.mobile == "13800138000"


def test_individual_registers(web):
    form = web.app.get("/register/individual").forms[0]
    form["name"] = "王小丽"
    form["id_number"] = f.new_id_number()
    form["mobile"] = "13812345678"
    form["password"] = form["password_confirm"] = "Secret2026"
    page = form.submit().follow()
    assert "王小丽" in page.text and "个人用户" in page.text


def test_login_wrong_password_does_not_say_which_part_was_wrong(web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    wrong_pw = web.login(unit.login_name, "WrongPass1")
    unknown = web.login(f.new_credit_code(), "WrongPass1")
    for page in (wrong_pw, unknown):
        assert page.status_int == 200 and "账号或密码错误" in page.text
    assert web.login(unit.login_name).status_int == 303


def test_login_from_one_address_is_refused_after_five_failures(web, dbsession, clock_at):
    from datetime import datetime
    clock_at(datetime(2026, 11, 20, 2, 0, 0))     # the start of a 15-minute window
    unit = f.unit_account(dbsession)
    dbsession.commit()
    for _ in range(5):
        web.login(unit.login_name, "WrongPass1")
    page = web.app.get("/login?tab=unit").forms[0]
    page["login"], page["password"] = unit.login_name, f.PASSWORD
    page = page.submit(status=429)      # even the right password waits, from this address
    assert "登录失败次数过多，请15分钟后再试" in page.text and page.headers["Retry-After"] == "900"
    assert page.forms[0]["login"].value == unit.login_name
    assert web.app.get("/").text.count("退出") == 0
    failures = dbsession.scalars(select(AuditEntry.action).where(AuditEntry.action == "login_failed")).all()
    assert len(failures) == 5
    # The JSON login says the same, with 429 and Retry-After.
    res = web.app.post_json("/api/session", {"kind": "unit", "login": unit.login_name, "password": f.PASSWORD},
                            status=429)
    assert_matches_spec(res)
    assert res.json == {"error": "登录失败次数过多，请15分钟后再试", "retry_after": 900}
    assert res.headers["Retry-After"] == "900"


def test_unit_cannot_log_in_on_the_individual_tab(web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    assert "账号或密码错误" in web.login(unit.login_name, tab="individual").text


def test_logout_ends_the_session(web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    web.login(unit.login_name)
    assert "退出" in web.app.get("/").text
    web.post("/logout").follow()
    assert "退出" not in web.app.get("/").text


def test_post_without_csrf_token_is_refused(web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    web.login(unit.login_name)
    page = web.app.post("/logout", {}, status=400)
    assert "页面已过期" in page.text


def test_login_redirects_back_to_where_the_user_was_going(web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    page = web.app.get("/me/cases")
    assert page.status_int == 303 and "/login?came_from=%2Fme%2Fcases" in page.location
    form = page.follow().forms[0]
    form["login"] = unit.login_name
    form["password"] = f.PASSWORD
    assert form.submit().location.endswith("/me/cases")


def test_api_session_login_and_logout(web, dbsession):
    person = f.individual_account(dbsession)
    dbsession.commit()
    res = web.app.post_json("/api/session", {"kind": "individual", "login": person.login_name,
                                             "password": f.PASSWORD})
    assert res.json["account"]["role"] == "individual" and res.json["csrf_token"]
    bad = web.app.post_json("/api/session", {"kind": "individual", "login": person.login_name,
                                             "password": "nope"}, status=401)
    assert bad.json["error"].startswith("账号或密码错误")
    web.app.delete("/api/session", headers={"X-CSRF-Token": "forged"}, status=400)
    web.app.delete("/api/session", headers={"X-CSRF-Token": res.json["csrf_token"]}, status=204)
    assert "退出" not in web.app.get("/").text
