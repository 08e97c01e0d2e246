"""A field required only under a condition (JSON Schema if/then/else) follows the answers live in a real
browser: form.js shows * or （选填） as the condition holds, with no inline script (the CSP guard checks)."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.webapp.test_conditional_required import CONDITIONAL
from tests.webapp.test_new_item import definitions


@pytest.fixture(scope="module")
def conditional_server(tmp_path_factory, app_settings):
    """The app with the conditional item added to a copy of the definitions, on its own port."""
    from waitress import create_server
    from webapp import make_app

    catalogue = definitions(tmp_path_factory.mktemp("defs"), "conditional", item=CONDITIONAL, workflow=None)
    app = make_app(dict(app_settings), catalogue)
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    server.close()
    app.registry["db_engine"].dispose()


def test_the_required_mark_follows_the_condition_as_the_answer_changes(page, conditional_server, shot, check,
                                                                        session_factory):
    session = session_factory()
    unit = f.unit_account(session, name="阳泉补贴测试有限公司", mobile="13512345670")
    session.commit()
    login = unit.login_name
    session.close()
    page.goto(conditional_server + "/login")
    page.get_by_label("统一社会信用代码").fill(login)
    page.locator("#f-password").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(conditional_server + "/items/claim_change")

    def label(key):
        return page.locator(f"label[for=f-{key}]")

    previous, note = label("previous_reference"), label("note")
    expect(previous.locator(".req")).to_be_hidden()
    expect(previous.locator(".optional")).to_be_visible()
    expect(note.locator(".req")).to_be_visible()
    shot("nothing-chosen")

    page.get_by_label("申领类型").select_option("补充申领")
    expect(previous.locator(".req")).to_be_visible()
    expect(previous.locator(".optional")).to_be_hidden()
    expect(page.locator("#f-previous_reference")).to_have_attribute("aria-required", "true")
    expect(note.locator(".req")).to_be_hidden()
    expect(note.locator(".optional")).to_be_visible()
    expect(page.locator("#f-note")).not_to_have_attribute("aria-required", "true")
    shot("supplementary")

    page.get_by_label("申领类型").select_option("首次申领")
    expect(previous.locator(".req")).to_be_hidden()
    expect(page.locator("#f-previous_reference")).not_to_have_attribute("aria-required", "true")
    expect(note.locator(".req")).to_be_visible()
    shot("first-claim")

    # What the page says is what the server checks.
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#err-note")).to_have_text("请填写申领说明")
    expect(page.locator("#err-previous_reference")).to_have_count(0)
    expect(note.locator(".req")).to_be_visible()
    check("refused")
