"""办件进度查询 through HTTP: the page and POST /api/progress, the one answer for an unknown reference and a
wrong code, field messages, 429 with the form kept, and what reaches the server log."""
from __future__ import annotations

import logging
import re

import pytest
from webtest import TestApp

from engine.cases.lifecycle import transition
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import form_to, soup

NOT_FOUND = "未查询到办件，请核对办件编号和证件号码"


@pytest.fixture
def returned(world, dbsession, catalogue, storage):
    """The other unit's application, returned by the province's reviewer with a reason."""
    case = f.submitted_unit_application(dbsession, catalogue, storage, world["other"])
    transition(dbsession, catalogue, case, "return_for_correction", world["province"],
               comment="营业执照复印件不清晰，请重新上传")
    dbsession.commit()
    return {"reference": case.reference, "code": world["other"].unit.credit_code, "id": case.id}


@pytest.fixture
def strict_app(app_settings, catalogue, session_factory):
    """A client of an app with small limits: 3 lookups per address, 2 failures per reference."""
    from webapp import make_app
    app = make_app({**app_settings, "jianxi.progress_limit_per_address": "3/10m",
                    "jianxi.progress_limit_per_reference": "2/1h"}, catalogue)
    yield lambda addr="127.0.0.1": TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": addr})
    app.registry["db_engine"].dispose()


def look_up(app, reference, code, status=200):
    form = form_to(app.get("/progress"), "/progress")
    form["reference"], form["code"] = reference, code
    return form.submit(status=status)


def without(text: str, *typed: str) -> str:
    """A page with what was typed taken out, and its CSRF token (each client has its own)."""
    for value in typed:
        text = text.replace(value, "")
    return re.sub(r'name="csrf_token" value="[^"]+"', "", text)


def test_the_page_shows_a_returned_case_with_its_reason_and_steps_only(returned, testapp):
    page = look_up(testapp, returned["reference"].lower(), " " + returned["code"].lower())
    result = soup(page).select_one("[data-testid=progress-result]")
    assert result.h2.get_text() == "就业见习单位申请"
    assert result.select_one("[data-testid=progress-state]").get_text() == "退回修改"
    assert result.select_one("[data-testid=progress-reason]").get_text() == "营业执照复印件不清晰，请重新上传"
    assert result.select_one("[data-testid=progress-deadline]").get_text(strip=True) == "已退回，暂停计时"
    steps = [li.strong.get_text() for li in result.select("[data-testid=progress-steps] li")]
    assert steps == ["提交", "退回修改"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", result.select_one("time")["datetime"])
    # Nothing else of the case: no unit, no reviewer, no form data, no file; and the code is not written back.
    for absent in ("大同云冈文旅", "省级审核员", "赵建国", "license.pdf", returned["code"], returned["code"].lower()):
        assert absent not in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_an_unknown_reference_and_a_wrong_code_get_the_very_same_page(returned, make_web):
    unknown = returned["reference"][:-6] + "999999"
    wrong = f.new_credit_code()
    pages = [look_up(make_web().app, ref, code) for ref, code in ((unknown, returned["code"]),
                                                                   (returned["reference"], wrong))]
    for page in pages:
        assert page.status_int == 200
        assert soup(page).select_one("[data-testid=progress-message]").get_text() == NOT_FOUND
        assert soup(page).select_one("[data-testid=progress-result]") is None
    assert without(pages[0].text, unknown, returned["code"]) == without(pages[1].text, returned["reference"], wrong)
    # The form keeps what was typed, so a typo can be corrected.
    assert form_to(pages[1], "/progress")["code"].value == wrong


def test_empty_and_malformed_input_is_told_next_to_each_field(testapp):
    page = look_up(testapp, "", "")
    html = soup(page)
    assert html.select_one("#err-reference").get_text() == "请输入办件编号"
    assert html.select_one("#err-code").get_text() == "请输入证件号码"
    page = look_up(testapp, "JX-12-34", "91140105")
    form = form_to(page, "/progress")
    assert (form["reference"].value, form["code"].value) == ("JX-12-34", "91140105")
    assert soup(page).select_one("#err-reference").get_text().startswith("办件编号格式不正确")
    assert soup(page).select_one("#err-code").get_text().startswith("证件号码应为18位")
    for field, label in (("reference", "办件编号"), ("code", "证件号码")):
        assert soup(page).select_one(f"label[for=f-{field}]").get_text().startswith(label)


def test_too_many_lookups_are_429_and_the_form_keeps_what_was_typed(returned, strict_app):
    app = strict_app()
    for _ in range(3):
        look_up(app, returned["reference"], returned["code"])
    page = look_up(app, returned["reference"], returned["code"], status=429)
    message = soup(page).select_one("[data-testid=progress-message]").get_text()
    assert re.fullmatch(r"查询过于频繁，请(\d+)分钟后再试", message)
    assert 0 < int(page.headers["Retry-After"]) <= 600
    form = form_to(page, "/progress")
    assert (form["reference"].value, form["code"].value) == (returned["reference"], returned["code"])
    # Another address is served; the API shares the address's count.
    assert look_up(strict_app("10.1.1.1"), returned["reference"], returned["code"]).status_int == 200
    res = app.post_json("/api/progress", {"reference": returned["reference"], "code": returned["code"]},
                        status=429)
    assert_matches_spec(res)
    assert res.headers["Retry-After"] == str(res.json["retry_after"])


def test_a_reference_cannot_be_guessed_at_from_many_addresses(returned, strict_app):
    for i in range(2):
        look_up(strict_app(f"10.2.0.{i}"), returned["reference"], f.new_credit_code())
    page = look_up(strict_app("10.2.1.1"), returned["reference"], returned["code"], status=429)
    assert "查询过于频繁" in page.text


def test_the_api_answers_the_same_fields_404_alike_422_per_field(returned, make_web):
    app = make_web().app   # no session, no CSRF token: anyone may ask
    res = app.post_json("/api/progress", {"reference": returned["reference"], "code": returned["code"]})
    assert_matches_spec(res)
    body = res.json
    assert (body["item_title"], body["state_label"], body["reason"]) == (
        "就业见习单位申请", "退回修改", "营业执照复印件不清晰，请重新上传")
    assert [s["label"] for s in body["steps"]] == ["提交", "退回修改"]
    assert body["deadline"]["clock"] == "paused"
    unknown = app.post_json("/api/progress", {"reference": returned["reference"][:-6] + "999999",
                                              "code": returned["code"]}, status=404)
    wrong = app.post_json("/api/progress", {"reference": returned["reference"], "code": f.new_credit_code()},
                          status=404)
    assert unknown.json == wrong.json == {"error": NOT_FOUND}
    assert_matches_spec(wrong)
    res = app.post_json("/api/progress", {"reference": "", "code": 7}, status=422)
    assert_matches_spec(res)
    assert res.json["errors"] == [{"field": "code", "message": "code 须为字符串"}]
    res = app.post_json("/api/progress", {}, status=422)
    assert [e["field"] for e in res.json["errors"]] == ["reference", "code"]
    assert_matches_spec(app.post_json("/api/progress", ["x"], status=400))
    assert app.get("/api/progress", status=405).headers["Allow"] == "POST"


def test_a_signed_in_person_may_look_up_too(returned, web, world):
    # The lookup's counts commit beside the request's transaction: on SQLite that must not wait for it.
    web.login(world["unit"].login_name)
    page = look_up(web.app, returned["reference"], returned["code"])
    assert soup(page).select_one("[data-testid=progress-state]").get_text() == "退回修改"


def test_the_typed_code_never_reaches_the_server_log(returned, make_web, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")   # rows too: the unit's code is in one
    app = make_web().app
    look_up(app, returned["reference"], returned["code"].lower())
    app.post_json("/api/progress", {"reference": returned["reference"], "code": returned["code"]})
    assert "[已隐藏]" in caplog.text and "SELECT" in caplog.text
    assert returned["code"] not in caplog.text and returned["code"].lower() not in caplog.text


def test_people_find_the_lookup_from_the_home_page_the_menu_and_after_submitting(testapp, world, web):
    home = soup(testapp.get("/"))
    assert home.select_one("[data-testid=progress-card]")["href"] == "/progress"
    assert home.select_one("[data-testid=footer-progress]")["href"] == "/progress"
    groups = {h.get_text(" ", strip=True): [a.get_text(strip=True) for a in h.find_next("ul").find_all("a")]
              for h in home.select("main section.panel h2")}
    assert groups["公共服务 → 办件查询"] == ["办件进度查询"]
    web.login(world["unit"].login_name)
    detail = web.app.get(f"/cases/{world['unit_case'].id}")
    assert "可凭办件编号在“办件进度查询”中查看进度" in soup(detail).select_one("[data-testid=progress-hint]").get_text()
