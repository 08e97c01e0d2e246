"""engine.admin.staff: reviewer and administrator accounts, each change audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.login import authenticate
from engine.admin import staff
from engine.models import AuditEntry
from tests import factories as f


def test_create_reviewer_checks_every_field_at_once(dbsession, boss):
    f.reviewer(dbsession, "taken")
    with pytest.raises(staff.AdminError) as e:
        staff.create_reviewer(dbsession, boss, "taken", "", "999999", "abc", "abd")
    assert e.value.kind == "invalid"
    assert {x.field: x.message for x in e.value.errors} == {
        "login_name": "该用户名已被使用", "name": "请填写姓名",
        "jurisdiction": "管辖范围须为山西省、一个地市或一个县（市、区）", "password": "密码至少8位",
        "password_confirm": "两次输入的密码不一致"}
    account = staff.create_reviewer(dbsession, boss, " Pingcheng ", "平城区审核员", "140213", "Review-2026x",
                                    "Review-2026x", remote_addr="10.0.0.8")
    assert (account.login_name, account.role, account.jurisdiction) == ("pingcheng", "reviewer", "140213")
    entry = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "account_create")).one()
    assert (entry.actor_id, entry.target, entry.remote_addr) == (boss.id, "pingcheng", "10.0.0.8")
    assert entry.detail == {"role": "reviewer", "jurisdiction": "140213", "via": "web", "account": account.id}


def test_disable_reset_and_change_jurisdiction_are_audited(dbsession, boss):
    r = f.reviewer(dbsession, "taiyuan")
    with pytest.raises(staff.AdminError):
        staff.set_active(dbsession, boss, boss, False)
    staff.set_active(dbsession, boss, r, False)
    staff.set_active(dbsession, boss, r, False)  # no change, no second entry
    assert authenticate(dbsession, "staff", "taiyuan", f.PASSWORD).message == "该账号已停用，请联系管理员"
    staff.set_active(dbsession, boss, r, True)
    with pytest.raises(staff.AdminError) as e:
        staff.reset_password(dbsession, boss, r, "onlyletters", "onlyletters")
    assert e.value.errors[0].message == "密码须同时包含字母和数字"
    staff.reset_password(dbsession, boss, r, "NewPass2027", "NewPass2027")
    assert authenticate(dbsession, "staff", "taiyuan", "NewPass2027").account is not None
    staff.change_jurisdiction(dbsession, boss, r, "140000")
    with pytest.raises(staff.AdminError):
        staff.change_jurisdiction(dbsession, boss, boss, "140100")
    actions = dbsession.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == boss.id)
                                .order_by(AuditEntry.id)).all()
    assert actions == ["account_disable", "account_enable", "password_reset", "jurisdiction_change"]
    last = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "jurisdiction_change")).one()
    assert last.detail == {"from": "140100", "to": "140000", "account": r.id}


def test_an_account_is_found_by_any_text_a_url_carries(dbsession, catalogue, boss):
    r = staff.create_reviewer(dbsession, boss, "pingcheng", "平城区审核员", "140213", "Review-2026x", "Review-2026x")
    dbsession.commit()
    assert staff.get_account(dbsession, str(r.id)) is r
    for text in ("abc", "99999999999", "-1", "１"):
        assert staff.get_account(dbsession, text) is None and staff.account_detail(dbsession, catalogue, text) is None
    detail = staff.account_detail(dbsession, catalogue, r.id)
    assert detail.account is r and [x.action for x in detail.recent] == ["account_create"]
