"""engine.accounts.agents: who may invite and remove, and what removing does."""
from __future__ import annotations

import pytest

from engine.accounts.agents import cancel_invitation, invitations, invite, people, remove_agent
from engine.accounts.contact import AccountError
from engine.errors import AccessDenied, EngineError
from engine.models import Account, AuditEntry
from tests import factories as f


@pytest.fixture
def unit(dbsession):
    admin = f.unit_account(dbsession)
    agent = Account(login_name="oidc:agent", role="unit", name="王芳", id_number=f.new_id_number(), password_hash="!",
                    unit_id=admin.unit_id)
    dbsession.add(agent)
    dbsession.flush()
    return admin, agent


def test_the_registering_account_administers_and_people_are_listed_administrator_first(unit, dbsession):
    admin, agent = unit
    assert admin.unit_admin and not agent.unit_admin
    listed = people(dbsession, agent)
    assert [(p.name, p.acting, p.me) for p in listed] == [("李红", "单位管理员", False), ("王芳", "经办人", True)]
    assert listed[0].id_number == "—" and "*" in listed[1].id_number and not listed[1].unified


def test_only_the_administrator_invites_cancels_and_removes(unit, dbsession):
    admin, agent = unit
    with pytest.raises(AccessDenied):
        invite(dbsession, agent, f.new_id_number(), "赵磊")
    invitation = invite(dbsession, admin, f.new_id_number(), "赵磊")
    with pytest.raises(AccessDenied):
        cancel_invitation(dbsession, agent, invitation.id)
    with pytest.raises(AccessDenied):
        remove_agent(dbsession, agent, admin.id)
    assert [i.name for i in invitations(dbsession, agent)] == ["赵磊"]
    cancel_invitation(dbsession, admin, invitation.id)
    assert invitations(dbsession, admin) == []
    with pytest.raises(EngineError, match="已被接受或已撤销"):
        cancel_invitation(dbsession, admin, invitation.id)


def test_removing_deactivates_and_is_audited_and_the_rest_is_hidden(unit, dbsession):
    admin, agent = unit
    other = f.unit_account(dbsession, name="别的单位")
    with pytest.raises(AccessDenied, match="不能移除自己"):
        remove_agent(dbsession, admin, admin.id)
    for target in (other.id, "abc", 10**12, None):
        with pytest.raises(AccessDenied) as e:
            remove_agent(dbsession, admin, target)
        assert e.value.hide
    remove_agent(dbsession, admin, agent.id)
    assert not agent.active and [p.name for p in people(dbsession, admin)] == ["李红"]
    with pytest.raises(AccessDenied):
        remove_agent(dbsession, admin, agent.id)   # already gone
    entry = dbsession.query(AuditEntry).filter_by(action="agent_remove").one()
    assert entry.actor_id == admin.id and entry.detail == {"account": agent.id, "unit": admin.unit_id}


def test_an_invitation_reports_every_problem_by_its_field(unit, dbsession):
    admin, agent = unit
    with pytest.raises(AccountError) as e:
        invite(dbsession, admin, "12345", "")
    assert [(x.field, x.message) for x in e.value.errors] == [("name", "请填写姓名"),
                                                             ("id_number", "身份证号应为18位，当前为5位")]
    with pytest.raises(AccountError, match="已是本单位的经办人"):
        invite(dbsession, admin, agent.id_number, "王芳")
    number = f.new_id_number()
    invite(dbsession, admin, number, "赵磊")
    with pytest.raises(AccountError, match="已邀请此人"):
        invite(dbsession, admin, number.lower(), "赵磊")
    assert "*" in dbsession.query(AuditEntry).filter_by(action="agent_invite").one().detail["id_number"]
