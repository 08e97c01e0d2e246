"""JSON Schema if/then/else (conditional required): the form marks such a field required exactly when its
condition holds for the values on the page, validation says so next to the field, and the API agrees."""
from __future__ import annotations

import pytest

from tests.webapp.pages import check_and_submit, soup, the_form
from tests.webapp.test_new_item import definitions

CONDITIONAL = {
    "key": "claim_change",
    "title": "见习补贴补充申领",
    "version": 1,
    "kind": "form",
    "menu": ["法人办事", "就业创业"],
    "order": 70,
    "roles": ["unit"],
    "workflow": "review",
    "schema": {
        "type": "object",
        "required": ["claim_kind", "contact_mobile"],
        "properties": {
            "claim_kind": {"type": "string", "title": "申领类型", "enum": ["首次申领", "补充申领"]},
            "previous_reference": {"type": "string", "title": "原申领编号", "maxLength": 30,
                                   "errorMessage": {"required": "补充申领须填写原申领编号"}},
            "note": {"type": "string", "title": "申领说明", "maxLength": 200},
            "contact_mobile": {"type": "string", "title": "联系电话", "format": "mobile"},
        },
        "allOf": [{"if": {"properties": {"claim_kind": {"const": "补充申领"}}, "required": ["claim_kind"]},
                   "then": {"required": ["previous_reference"]},
                   "else": {"required": ["note"]}}],
    },
    "ui": {"sections": [{"title": "申领信息",
                         "fields": ["claim_kind", "previous_reference", "note", "contact_mobile"]}]},
}


@pytest.fixture
def unit_web(tmp_path, apps, world):
    web = apps(definitions(tmp_path, "conditional", item=CONDITIONAL, workflow=None))()
    web.login(world["unit"].login_name)
    return web


def marks(page, key) -> tuple[bool, bool, bool]:
    """(* shown, （选填） shown, aria-required) of one field, as the server drew it."""
    label = soup(page).select_one(f"label[for=f-{key}]")
    req, optional = label.select_one(".req"), label.select_one(".optional")
    control = soup(page).select_one(f"#f-{key}")
    return (req is not None and not req.has_attr("hidden"), optional is not None and not optional.has_attr("hidden"),
            control.get("aria-required") == "true")


def test_the_page_marks_a_conditional_field_required_only_while_its_condition_holds(unit_web):
    page = unit_web.app.get("/items/claim_change")
    # No 申领类型 yet: the `if` fails, so the `else` applies.
    assert marks(page, "previous_reference") == (False, True, False)
    assert marks(page, "note") == (True, False, True)
    assert marks(page, "contact_mobile") == (True, False, True)
    box = soup(page).select_one("#f-previous_reference").find_parent("div")
    assert box["data-required-when"] == '[{"all":[["claim_kind",["补充申领"]]],"is":true}]'
    assert not soup(page).select_one("#f-contact_mobile").find_parent("div").has_attr("data-required-when")

    form = the_form(page)
    form["claim_kind"] = "补充申领"
    form["contact_mobile"] = "13912345678"
    bad = form.submit("action", value="submit", status=422)
    assert marks(bad, "previous_reference") == (True, False, True)
    assert marks(bad, "note") == (False, True, False)
    assert soup(bad).select_one("#err-previous_reference").get_text() == "补充申领须填写原申领编号"
    assert soup(bad).select_one("#err-note") is None

    form = the_form(bad)
    form["claim_kind"] = "首次申领"
    bad = form.submit("action", value="submit", status=422)
    assert marks(bad, "previous_reference") == (False, True, False)
    assert soup(bad).select_one("#err-note").get_text() == "请填写申领说明"
    assert soup(bad).select_one("#err-previous_reference") is None

    form = the_form(bad)
    form["note"] = "首次申领，共3人"
    assert check_and_submit(form.submit("action", value="submit")).status_int == 303


def test_the_api_refuses_the_same_field_with_the_same_message(unit_web):
    body = {"data": {"claim_kind": "补充申领", "contact_mobile": "13912345678"}, "submit": True}
    res = unit_web.api("POST", "/api/items/claim_change/cases", json=body, status=422)
    assert res.json["errors"] == [{"field": "previous_reference", "message": "补充申领须填写原申领编号"}]
    body["data"]["previous_reference"] = "JX-140100-202601-000001"
    assert unit_web.api("POST", "/api/items/claim_change/cases", json=body, status=201).json["state"] == "submitted"
