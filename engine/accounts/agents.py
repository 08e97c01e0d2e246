"""A unit's people (经办人管理): the person accounts acting for a unit, its administrator's invitations and
removals.

A unit has one or more person accounts (shared `unit_id`); the first is its administrator (单位管理员,
`accounts.unit_admin`). The administrator invites a person by ID number and name: a pending row in
`unit_invitations`, accepted when that person next signs in through the unified login as an operator of the
unit (engine/accounts/federated.py). Removing an agent deactivates its account: engine.access refuses an
inactive account everything, and the web layer reloads the account on every request, so its open sessions
stop at the next request. Who may do what is engine.access's (`may_see_agents`, `may_manage_agents`,
`check_may_remove_agent`); every change is in the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from engine import access, clock, formats, masking
from engine.accounts.contact import AccountError
from engine.errors import AccessDenied, EngineError
from engine.models import INVITATION_OPEN_SQL, Account, AuditEntry, Identity, UnitInvitation, row_id
from engine.roles import acting_label
from engine.validation import FieldError

NAME_MAX = 30


def open_invitation(session, unit_id: int, id_number: str) -> UnitInvitation | None:
    return session.scalar(select(UnitInvitation).where(
        UnitInvitation.unit_id == unit_id, UnitInvitation.id_number == id_number, text(INVITATION_OPEN_SQL)))


def _audit(session, actor: Account, action: str, detail: dict, remote_addr, target: str | None = None) -> None:
    session.add(AuditEntry(actor_id=actor.id, action=action, target=target, detail=detail, remote_addr=remote_addr))


def accept_invitation(session, invitation: UnitInvitation, account: Account, remote_addr=None) -> None:
    invitation.accepted_at, invitation.account_id = clock.utcnow(), account.id
    _audit(session, account, "agent_join", {"account": account.id, "unit": invitation.unit_id,
                                            "invitation": invitation.id}, remote_addr,
           target=masking.shown_login(account.role, account.login_name))


@dataclass
class Person:
    """One person acting for the unit, as its 经办人管理 page and /api/unit/agents show them."""
    id: int
    name: str
    acting: str                      # 单位管理员 or 经办人
    admin: bool
    id_number: str                   # masked
    joined_at: datetime
    last_login_at: datetime | None   # through the unified login
    unified: bool                    # signs in through the unified login (else with a password)
    me: bool

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "acting": self.acting, "admin": self.admin,
                "id_number": self.id_number, "joined_at": clock.isoformat(self.joined_at),
                "last_login_at": clock.isoformat(self.last_login_at), "unified": self.unified, "me": self.me}


@dataclass
class Invitation:
    id: int
    name: str
    id_number: str                   # masked
    invited_at: datetime
    invited_by: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "id_number": self.id_number,
                "invited_at": clock.isoformat(self.invited_at), "invited_by": self.invited_by}


def _check_account(account: Account | None) -> None:
    if not access.may_see_agents(account):
        raise AccessDenied("只有单位账号可以查看经办人")


def people(session, account: Account) -> list[Person]:
    """The active people of the account's unit, the administrator first."""
    _check_account(account)
    last = (select(Identity.account_id, func.max(Identity.last_login_at).label("at"))
            .group_by(Identity.account_id).subquery())
    rows = session.execute(
        select(Account, last.c.at).outerjoin(last, last.c.account_id == Account.id)
        .where(Account.unit_id == account.unit_id, Account.role == "unit", Account.active.is_(True))
        .order_by(Account.unit_admin.desc(), Account.id)).all()
    return [Person(a.id, a.name, acting_label(a), a.unit_admin, masking.mask_id(a.id_number or "") or "—",
                   a.created_at, at, at is not None, a.id == account.id) for a, at in rows]


def invitations(session, account: Account) -> list[Invitation]:
    """The unit's invitations still waiting for their person, newest first."""
    _check_account(account)
    inviter = {a.id: a.name for a in session.scalars(select(Account).where(Account.unit_id == account.unit_id))}
    rows = session.scalars(select(UnitInvitation).where(
        UnitInvitation.unit_id == account.unit_id, text(INVITATION_OPEN_SQL))
        .order_by(UnitInvitation.created_at.desc(), UnitInvitation.id.desc()))
    return [Invitation(i.id, i.name, masking.mask_id(i.id_number), i.created_at, inviter.get(i.invited_by, ""))
            for i in rows]


def invite(session, admin: Account, id_number: str, name: str, remote_addr: str | None = None) -> UnitInvitation:
    """Invite a person (by ID number) to act for the administrator's unit; every problem at once, by field."""
    if not access.may_manage_agents(admin):
        raise AccessDenied("只有单位管理员可以邀请经办人")
    errors: list[FieldError] = []
    id_number = formats.normalize_code(id_number or "")
    name = formats.trim(name or "")
    if not name:
        errors.append(FieldError("/name", "请填写姓名"))
    elif len(name) > NAME_MAX or formats.has_control_chars(name):
        errors.append(FieldError("/name", f"姓名不能超过{NAME_MAX}个字，且不能含控制字符"))
    if not id_number:
        errors.append(FieldError("/id_number", "请填写身份证号"))
    elif problem := formats.check_id_number(id_number):
        errors.append(FieldError("/id_number", "身份证号" + problem))
    elif session.scalar(select(Account.id).where(
            Account.unit_id == admin.unit_id, Account.role == "unit", Account.active.is_(True),
            Account.id_number == id_number)):
        errors.append(FieldError("/id_number", "此人已是本单位的经办人"))
    elif open_invitation(session, admin.unit_id, id_number) is not None:
        errors.append(FieldError("/id_number", "已邀请此人，正在等待其通过统一身份认证登录"))
    if errors:
        raise AccountError(errors)
    invitation = UnitInvitation(unit_id=admin.unit_id, id_number=id_number, name=name, invited_by=admin.id)
    session.add(invitation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:   # the same invitation made at the same moment by another request
        raise AccountError([FieldError("/id_number", "已邀请此人，正在等待其通过统一身份认证登录")]) from None
    _audit(session, admin, "agent_invite", {"unit": admin.unit_id, "invitation": invitation.id,
                                            "id_number": masking.mask_id(id_number)}, remote_addr)
    session.flush()
    return invitation


def cancel_invitation(session, admin: Account, raw_id, remote_addr: str | None = None) -> UnitInvitation:
    if not access.may_manage_agents(admin):
        raise AccessDenied("只有单位管理员可以管理经办人")
    invitation_id = row_id(raw_id)
    invitation = session.get(UnitInvitation, invitation_id) if invitation_id is not None else None
    if invitation is None or invitation.unit_id != admin.unit_id:
        raise AccessDenied("没有这条邀请", hide=True)
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise EngineError("该邀请已被接受或已撤销", "conflict")
    invitation.cancelled_at = clock.utcnow()
    _audit(session, admin, "agent_invite_cancel", {"unit": admin.unit_id, "invitation": invitation.id}, remote_addr)
    session.flush()
    return invitation


def remove_agent(session, admin: Account, raw_id, remote_addr: str | None = None) -> Account:
    """The agent's account is deactivated at once: its sessions stop at their next request."""
    agent_id = row_id(raw_id)
    agent = session.get(Account, agent_id) if agent_id is not None else None
    access.check_may_remove_agent(admin, agent)
    agent.active, agent.unit_admin = False, False
    _audit(session, admin, "agent_remove", {"account": agent.id, "unit": admin.unit_id}, remote_addr)
    session.flush()
    return agent
