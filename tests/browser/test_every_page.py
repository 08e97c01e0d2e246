"""Every main page, as each role sees it, at a phone's width (375 px) and a laptop's (1366 px): a screenshot
of each (tests/artifacts/screenshots), zero axe-core violations, and nothing wider than the screen."""
from __future__ import annotations

import pytest

from tests import factories as f
from tests.browser.axe import WIDTHS, page_problems
from tests.browser.test_review import login


@pytest.fixture
def every_page_world(session_factory, catalogue, storage):
    """An approved unit with a position, an imported batch, a returned and an approved case; a unit not yet
    approved; a person interested in the position; a reviewer with cases waiting; an administrator."""
    from engine.batch.importer import import_workbook
    from engine.batch.template import filled_workbook
    from engine.cases.lifecycle import save_draft, submit, transition
    from engine.positions.intents import CONSENT_VERSION, register_intent
    from tests.data import batch_rows

    s = session_factory()
    province = f.reviewer(s, "sheng", "140000", "省级审核员")
    f.reviewer(s, "taiyuan", "140100", "太原市审核员")
    f.admin(s)
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    approved = f.approved_unit(s, catalogue, storage, unit, province)
    position = f.published_position(s, catalogue, unit, province, position_name="软件开发见习生")
    match = catalogue.item("match_report")
    imported = import_workbook(s, catalogue, match, unit,
                               filled_workbook(match, batch_rows.match_rows(3, [position.name])), "上报.xlsx",
                               storage=storage)
    returned = submit(s, catalogue, catalogue.item("post_application"), unit, f.post_data(position_name="行政助理"))
    transition(s, catalogue, returned, "return_for_correction", province, comment="请补充岗位描述")
    submit(s, catalogue, catalogue.item("post_application"), unit, f.post_data(position_name="会计助理"))
    newcomer = f.unit_account(s, name="太原并州物流有限公司", mobile="13712345670")
    waiting = f.submitted_unit_application(s, catalogue, storage, newcomer, county="140106",
                                           address="太原市迎泽区迎泽大街88号")
    draft = save_draft(s, catalogue, catalogue.item("unit_application"),
                       f.unit_account(s, name="晋中榆次新材料有限公司", mobile="13712345671"),
                       f.unit_application_data("晋中榆次新材料有限公司"))
    person = f.individual_account(s, name="张晓明")
    register_intent(s, position, person, CONSENT_VERSION)
    s.commit()
    world = {"unit": unit.login_name, "newcomer": newcomer.login_name, "person": person.login_name,
             "position": position.id, "approved": approved.id, "batch": imported.case.id, "returned": returned.id,
             "waiting": waiting.id, "waiting_version": waiting.version, "draft_unit": draft.account.login_name,
             "reviewer_id": province.id}
    s.close()
    return world


def walk(page, live_server, shot, steps) -> list[str]:
    """Visit each (name, path or action) in turn; a screenshot and the check of each; every problem found."""
    problems = []
    for name, step in steps:
        if callable(step):
            step()
        else:
            page.goto(live_server + step)
        shot(name)
        problems += page_problems(page)
    return problems


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def width(request, page):
    page.set_viewport_size({"width": request.param, "height": 800 if request.param > 400 else 740})
    return request.param


def public_pages(page, live_server, w):
    return [
        ("home", "/"),
        ("positions", "/positions"),
        ("positions-city", "/positions?city=140100&education=本科"),
        ("positions-none", "/positions?q=没有这样的岗位"),
        ("position", f"/positions/{w['position']}"),
        ("login", "/login"),
        ("login-individual", "/login?tab=individual"),
        ("login-staff", "/staff/login"),
        ("register-unit", "/register/unit"),
        ("register-individual", "/register/individual"),
        ("register-errors", lambda: page.get_by_role("button", name="注册").click()),
        ("not-found", "/positions/999999"),
        ("publicity", "/gongshi"),
        ("progress", "/progress"),
        ("progress-not-found", lambda: (page.get_by_label("办件编号").fill("JX-140100-202612-999999"),
                                        page.get_by_label("证件号码").fill("91140105MA0000001E"),
                                        page.get_by_role("button", name="查询").click())),
    ]


def unit_pages(page, live_server, w):
    return [
        ("home", "/"),
        ("unit-application-in-force", "/items/unit_application"),
        ("post-application", "/items/post_application"),
        ("post-application-errors", lambda: page.get_by_role("button", name="核对并提交").click()),
        ("batch-item", "/items/match_report"),
        ("my-cases", "/me/cases"),
        ("my-cases-returned", "/me/cases?state=returned"),
        ("case-detail", f"/cases/{w['approved']}"),
        ("case-returned", f"/cases/{w['returned']}"),
        ("case-edit", f"/cases/{w['returned']}/edit"),
        ("case-check", f"/cases/{w['returned']}/check"),
        ("rating", f"/cases/{w['approved']}/rating"),
        ("print", f"/cases/{w['approved']}/print"),
        ("batch-case", f"/cases/{w['batch']}"),
        ("batch-rows", f"/cases/{w['batch']}/rows"),
        ("unit-positions", "/unit/positions"),
        ("unit-position", f"/unit/positions/{w['position']}"),
        ("position", f"/positions/{w['position']}"),
        ("notices", "/me/notices"),
        ("account", "/me/account"),
    ]


def new_unit_pages(page, live_server, w):
    """A unit whose application is still a draft: the blocked items say why."""
    return [
        ("my-cases-draft", "/me/cases?state=draft"),
        ("unit-application-draft", "/items/unit_application"),
        ("unit-application-errors", lambda: page.get_by_role("button", name="核对并提交").click()),
        ("batch-item-blocked", "/items/match_report"),
        ("post-application-blocked", "/items/post_application"),
    ]


def individual_pages(page, live_server, w):
    return [
        ("home", "/"),
        ("intents", "/me/intents"),
        ("position-interested", f"/positions/{w['position']}"),
        ("notices", "/me/notices"),
        ("account", "/me/account"),
    ]


def reviewer_pages(page, live_server, w):
    def bulk():
        page.goto(live_server + "/review")
        page.locator(f"#sel-{w['waiting']}").check()
        page.get_by_role("button", name="批量审核通过").click()

    return [
        ("queue", "/review"),
        ("queue-approved", "/review?state=approved"),
        ("queue-returned", "/review?state=returned"),
        ("queue-filtered-empty", "/review?q=没有这个单位"),
        ("case", f"/review/cases/{w['waiting']}"),
        ("case-approved", f"/review/cases/{w['approved']}"),
        ("batch-case", f"/review/cases/{w['batch']}"),
        ("confirm-return", f"/review/cases/{w['waiting']}/transitions/return_for_correction"
                           f"?version={w['waiting_version']}"),
        ("confirm-errors", lambda: page.get_by_role("button", name="确认退回修改").click()),
        ("bulk-confirm", bulk),
        ("bulk-done", lambda: page.get_by_role("button", name="确认批量审核通过（1件）").click()),
        ("missing-reports", "/review/missing"),
        ("followups", "/review/followups"),
        ("notices", "/me/notices"),
        ("account", "/me/account"),
    ]


def administrator_pages(page, live_server, w):
    return [
        ("admin-home", "/admin"),
        ("accounts", "/admin/accounts"),
        ("accounts-units", "/admin/accounts?role=unit"),
        ("account", f"/admin/accounts/{w['reviewer_id']}"),
        ("items", "/admin/items"),
        ("item", "/admin/items/unit_application"),
        ("batch-definition", "/admin/items/match_report"),
        ("calendar", "/admin/calendar"),
        ("audit", "/admin/audit"),
        ("deliveries", "/admin/deliveries"),
        ("ratings", "/admin/ratings"),
        ("own-account", "/me/account"),
    ]


# Who signs in (login page, the world's login name or a literal one, the login field's label) and what they see.
ROLES = {
    "public": (None, public_pages),
    "unit": (("/login", "unit", "统一社会信用代码"), unit_pages),
    "unit-not-yet-approved": (("/login", "draft_unit", "统一社会信用代码"), new_unit_pages),
    "individual": (("/login?tab=individual", "person", "身份证号"), individual_pages),
    "reviewer": (("/staff/login", "sheng", "用户名"), reviewer_pages),
    "administrator": (("/staff/login", "admin", "用户名"), administrator_pages),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role(page, live_server, shot, width, every_page_world, role):
    w = every_page_world
    sign_in, pages = ROLES[role]
    if sign_in:
        path, who, label = sign_in
        login(page, live_server, path, w.get(who, who), label=label)
    problems = walk(page, live_server, shot, pages(page, live_server, w))
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
