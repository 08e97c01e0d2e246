"""经办人管理: a unit's administrator invites people by ID number, they join through the unified login (the
suite's real OpenID provider), the reviewer sees which of them acted, and a removed agent stops at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import Account, AuditEntry, UnitInvitation
from tests import factories as f
from tests import oidc_provider as op
from tests.oidc_provider import sign_in
from tests.openapi import assert_matches_spec


@pytest.fixture
def admin(unified_web, oidc):
    web = unified_web()
    assert sign_in(web, oidc, "lihong").status_int == 303
    return web


def invite(web, name: str, id_number: str, status=303):
    form = web.app.get("/unit/agents").forms["invite-form"]
    form["name"], form["id_number"] = name, id_number
    return form.submit(status=status)


def agent_row(page, name: str):
    return next(tr for tr in page.html.select("[data-testid=agents] tbody tr") if name in tr.get_text())


def test_an_invited_agent_joins_acts_and_is_removed_with_its_session_stopping_at_once(admin, unified_web, oidc,
                                                                                       dbsession):
    res = invite(admin, *op.WANGFANG)
    page = admin.app.get(res.location)
    assert "已邀请王芳" in page.text
    pending = page.html.select_one("[data-testid=invitations]").get_text(" ", strip=True)
    assert "王芳" in pending and "1401**********0042" in pending and op.WANGFANG[1] not in page.text

    agent = unified_web()
    assert sign_in(agent, oidc, "wangfang").status_int == 303
    assert agent.app.get("/me/cases").status_int == 200
    listed = agent.app.get("/unit/agents")
    assert "王芳" in agent_row(listed, "王芳").get_text() and "经办人" in agent_row(listed, "王芳").get_text()
    assert listed.forms.get("invite-form") is None and "移除" not in listed.text   # agents only look
    agent_id = dbsession.scalar(select(Account.id).where(Account.id_number == op.WANGFANG[1]))

    page = admin.app.get("/unit/agents")
    remove = next(form for form in page.forms.values() if form.action.endswith(f"/unit/agents/{agent_id}/remove"))
    assert "其登录已立即失效" in admin.app.get(remove.submit(status=303).location).text
    # The agent's open session stops at its very next request, page or API.
    res = agent.app.get("/me/cases", status=303)
    assert "/login" in res.location
    agent.app.get("/api/unit/agents", status=401)
    # ... and signing in again is refused until invited again, when the same account comes back.
    res = sign_in(unified_web(), oidc, "wangfang")
    assert res.status_int == 403 and "不再是" in res.text
    invite(admin, *op.WANGFANG)
    again = unified_web()
    assert sign_in(again, oidc, "wangfang").status_int == 303
    dbsession.rollback()   # read what the requests committed
    back = dbsession.get(Account, agent_id)
    assert back.active and not back.unit_admin
    actions = [a for (a,) in dbsession.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions.count("agent_invite") == 2 and actions.count("agent_join") == 2 and "agent_remove" in actions


@pytest.mark.parametrize("name,id_number,message", [
    ("", op.WANGFANG[1], "请填写姓名"),
    ("王芳", "", "请填写身份证号"),
    ("王芳", op.WANGFANG[1][:17] + "0", "身份证号校验位错误"),
    ("李红", op.LIHONG[1], "此人已是本单位的经办人"),
])
def test_an_invitation_with_a_problem_is_refused_by_its_field_keeping_what_was_typed(admin, name, id_number,
                                                                                     message):
    res = invite(admin, name, id_number, status=422)
    assert message in res.html.select_one("[data-testid=error-summary]").get_text()
    assert res.forms["invite-form"]["name"].value == name and res.forms["invite-form"]["id_number"].value == id_number


def test_the_same_person_cannot_be_invited_twice_and_a_cancelled_invitation_lets_nobody_in(admin, unified_web, oidc,
                                                                                          dbsession):
    invite(admin, *op.WANGFANG)
    assert "已邀请此人" in invite(admin, *op.WANGFANG, status=422).text
    page = admin.app.get("/unit/agents")
    cancel = next(form for form in page.forms.values() if "/cancel" in form.action)
    assert "已撤销对王芳的邀请" in admin.app.get(cancel.submit(status=303).location).text
    assert sign_in(unified_web(), oidc, "wangfang").status_int == 403
    assert dbsession.scalar(select(Account).where(Account.id_number == op.WANGFANG[1])) is None
    # cancelling it again: it is no longer open
    admin.post(cancel.action, status=409)


def test_only_the_administrator_manages_and_never_itself_nor_another_units_people(admin, unified_web, oidc,
                                                                                 dbsession, make_web):
    invite(admin, *op.WANGFANG)
    agent = unified_web()
    sign_in(agent, oidc, "wangfang")
    me = dbsession.scalar(select(Account.id).where(Account.id_number == op.LIHONG[1]))
    other = f.unit_account(dbsession, name="别的单位有限公司")
    individual = f.individual_account(dbsession)
    dbsession.commit()
    assert "只有单位管理员" in agent.post("/unit/agents", {"name": "赵磊", "id_number": f.new_id_number()},
                                     status=403).text
    agent.post(f"/unit/agents/{me}/remove", status=403)
    assert "不能移除自己" in admin.post(f"/unit/agents/{me}/remove", status=403).text
    admin.post(f"/unit/agents/{other.id}/remove", status=404)
    admin.api("DELETE", f"/api/unit/agents/{other.id}", status=404)
    # A reviewer or an individual has no 经办人管理 at all.
    person = make_web()
    person.login(individual.login_name, tab="individual")
    person.app.get("/unit/agents", status=403)
    person.api("GET", "/api/unit/agents", status=403)


def test_the_json_twins(admin, unified_web, oidc, dbsession):
    listed = admin.api("GET", "/api/unit/agents")
    assert_matches_spec(listed)
    assert listed.json["may_manage"] is True and [p["name"] for p in listed.json["people"]] == ["李红"]
    made = admin.api("POST", "/api/unit/invitations", {"name": "王芳", "id_number": op.WANGFANG[1]}, status=201)
    assert_matches_spec(made)
    assert made.json["id_number"] == "1401**********0042" and made.json["invited_by"] == "李红"
    bad = admin.api("POST", "/api/unit/invitations", {"name": 1, "id_number": op.WANGFANG[1]}, status=422)
    assert bad.json["errors"] == [{"field": "name", "message": "须为字符串"}]
    again = admin.api("POST", "/api/unit/invitations", {"name": "王芳", "id_number": op.WANGFANG[1]}, status=422)
    assert_matches_spec(again)
    admin.api("DELETE", f"/api/unit/invitations/{made.json['id']}", status=204)
    admin.api("DELETE", f"/api/unit/invitations/{made.json['id']}", status=409)
    dbsession.rollback()
    assert dbsession.get(UnitInvitation, made.json["id"]).cancelled_at is not None
    admin.api("POST", "/api/unit/invitations", {"name": "王芳", "id_number": op.WANGFANG[1]}, status=201)
    agent = unified_web()
    sign_in(agent, oidc, "wangfang")
    listed = agent.api("GET", "/api/unit/agents").json
    assert listed["may_manage"] is False and [p["acting"] for p in listed["people"]] == ["单位管理员", "经办人"]
    wangfang = next(p for p in listed["people"] if p["name"] == "王芳")
    assert wangfang["me"] and wangfang["unified"] and wangfang["last_login_at"]
    agent.api("DELETE", f"/api/unit/agents/{wangfang['id']}", status=403)
    admin.api("DELETE", f"/api/unit/agents/{wangfang['id']}", status=204)
    agent.api("GET", "/api/unit/agents", status=401)


def test_the_reviewer_and_the_audit_log_see_which_agent_acted(admin, unified_web, oidc, dbsession, catalogue,
                                                             storage, make_web):
    invite(admin, *op.WANGFANG)
    agent = unified_web()
    sign_in(agent, oidc, "wangfang")
    account = dbsession.scalar(select(Account).where(Account.id_number == op.WANGFANG[1]))
    case = f.submitted_unit_application(dbsession, catalogue, storage, account)
    f.reviewer(dbsession, login="sheng", jurisdiction="140000", name="省级审核员")
    f.admin(dbsession)
    dbsession.commit()
    reviewer = make_web()
    reviewer.login("sheng", tab="staff")
    page = reviewer.app.get(f"/review/cases/{case.id}")
    assert page.html.select_one("[data-testid=submitter]").get_text(strip=True) == "王芳（经办人）"
    assert "王芳（经办人）" in page.html.select_one("[data-testid=history]").get_text()
    staff = make_web()
    staff.login("admin", tab="staff")
    log = staff.app.get("/admin/audit").text
    assert "王芳（经办人）" in log and "李红（单位管理员）" in log and "邀请经办人" in log and "成为经办人" in log
    assert op.WANGFANG[1] not in log
