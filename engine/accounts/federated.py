"""Who a unified login is: the claims of a verified ID token (and userinfo) as a local account.

The web layer (webapp/views/oidc.py) does the OpenID Connect exchange and checks the token; this module
gets the issuer, the subject and the claims, reads them through the ini's claim mapping, checks them as
typed codes are checked (engine.formats), and signs in, creating or linking:

- a natural-person login is the individual with that 身份证号 (its login name): linked if it exists,
  created (without a password) if not;
- a legal-person login is a person acting for a unit: the unit is the one with that 统一社会信用代码 (created
  from the claims if new), the person is that unit's account with the operator's ID number. A new unit's
  first person becomes its administrator; later people must have been invited by ID number
  (engine/accounts/agents.py), unless the unit has no administrator who signs in through the unified login
  yet (a unit registered with a password before): then the first such person administers it too.

Every problem of the claims is found before anything is written, so a refused login leaves no half-made
account. Each (issuer, subject, account) is kept in `identities` with its last login.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import exists, select

from engine import formats, masking
from engine.accounts.agents import accept_invitation, open_invitation
from engine.accounts.contact import check_mobile
from engine.accounts.oidc_config import KindConfig
from engine.clock import utcnow
from engine.errors import EngineError
from engine.models import Account, AuditEntry, Identity, Unit

NO_PASSWORD = "!"   # no argon2 hash looks like this: such an account never passes a password check
TEXT_MAX = {"unit_name": 100, "operator_name": 30, "name": 30}


class LoginRefused(EngineError):
    """A unified login that cannot become a session here; `problems` says each reason in Chinese."""
    kind = "invalid"

    def __init__(self, title: str, problems: list[str], kind: str | None = None):
        super().__init__(title + "：" + "；".join(problems), kind)
        self.title = title
        self.problems = problems


def claim_value(claims: dict, path: str):
    """A claim by its configured name; a dotted name reads a nested object (`legal_person.uscc`)."""
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def read_claims(config: KindConfig, claims: dict) -> dict[str, str | None]:
    """The mapped claims, normalised and checked; LoginRefused lists every missing or malformed one."""
    problems: list[str] = []
    out: dict[str, str | None] = {}
    for name, claim in config.claims.items():
        label = config.claim_label(name)
        raw = claim_value(claims, claim)
        required = name != "operator_mobile"
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                problems.append(f"缺少{label}（声明 {claim}）")
            out[name] = None
            continue
        if not isinstance(raw, str):
            problems.append(f"{label}格式有误（声明 {claim} 应为文本）")
            continue
        out[name] = _checked(name, label, raw, problems)
    if problems:
        raise LoginRefused("统一身份认证返回的身份信息不完整或有误", problems)
    return out


def _checked(name: str, label: str, raw: str, problems: list[str]) -> str | None:
    if name in ("credit_code", "operator_id_number", "id_number"):
        value = formats.normalize_code(raw)
        check = formats.check_credit_code if name == "credit_code" else formats.check_id_number
        if problem := check(value):
            problems.append(f"{label}{problem}")
        return value
    if name in ("mobile", "operator_mobile"):
        errors = []
        value = check_mobile(raw, errors, label=label)
        problems.extend(e.message for e in errors)
        return value
    value = formats.trim(raw)
    if not value:
        problems.append(f"缺少{label}")
    elif formats.has_control_chars(value):
        problems.append(f"{label}含有无法识别的控制字符")
    elif len(value) > TEXT_MAX[name]:
        problems.append(f"{label}不能超过{TEXT_MAX[name]}个字")
    return value


@dataclass
class SignIn:
    account: Account
    created: bool = False          # a new account (and, for a legal-person login, perhaps a new unit)
    joined: bool = False           # became an agent of the unit by an invitation


def sign_in(session, config: KindConfig, issuer: str, subject: str, claims: dict,
            remote_addr: str | None = None) -> SignIn:
    """The account a verified unified login signs in as, made or linked; LoginRefused if it may not."""
    if not subject or not isinstance(subject, str) or len(subject) > 255 or len(issuer) > 255:
        raise LoginRefused("统一身份认证返回的身份信息有误", ["缺少用户标识（sub）"])
    values = read_claims(config, claims)
    result = (_sign_in_unit if config.kind == "unit" else _sign_in_person)(session, values, remote_addr)
    _link(session, issuer, subject, config.kind, result.account)
    session.add(AuditEntry(actor_id=result.account.id, action="login",
                           target=masking.shown_login(result.account.role, result.account.login_name),
                           detail={"account": result.account.id, "via": "unified"}, remote_addr=remote_addr))
    session.flush()
    return result


def _link(session, issuer: str, subject: str, kind: str, account: Account) -> None:
    identity = session.scalar(select(Identity).where(
        Identity.issuer == issuer, Identity.subject == subject, Identity.account_id == account.id))
    if identity is None:
        session.add(Identity(issuer=issuer, subject=subject, account_id=account.id, kind=kind))
    else:
        identity.last_login_at = utcnow()


def _refused_inactive() -> LoginRefused:
    return LoginRefused("无法登录", ["该账号已停用，请联系管理员"], "forbidden")


def _sign_in_person(session, v: dict, remote_addr) -> SignIn:
    account = session.scalar(select(Account).where(Account.login_name == v["id_number"]))
    if account is not None:
        if account.role != "individual":
            raise LoginRefused("无法登录", ["该身份证号已被其他类型的账号使用，请联系管理员"], "forbidden")
        if not account.active:
            raise _refused_inactive()
        return SignIn(account)
    account = Account(login_name=v["id_number"], role="individual", name=v["name"], mobile=v["mobile"],
                      id_number=v["id_number"], password_hash=NO_PASSWORD, profile={})
    session.add(account)
    session.flush()
    _created(session, account, remote_addr)
    return SignIn(account, created=True)


def agent_login_name(credit_code: str, id_number: str) -> str:
    """A unified-login agent's login name: unique per (unit, person), carrying neither code readably (an ID
    number is personal), and never typed (such an account has no password)."""
    digest = hashlib.sha256(f"jianxi-agent\x00{credit_code}\x00{id_number}".encode("utf-8")).hexdigest()
    return "oidc:" + digest[:40]


def _federated_admin(session, unit_id: int) -> bool:
    """Whether an active administrator of the unit signs in through the unified login."""
    return bool(session.scalar(select(exists().where(
        Account.unit_id == unit_id, Account.active.is_(True), Account.unit_admin.is_(True),
        exists().where(Identity.account_id == Account.id)))))


def _sign_in_unit(session, v: dict, remote_addr) -> SignIn:
    unit = session.scalar(select(Unit).where(Unit.credit_code == v["credit_code"]))
    person = None
    if unit is not None:
        person = session.scalar(select(Account).where(
            Account.unit_id == unit.id, Account.role == "unit", Account.id_number == v["operator_id_number"])
            .order_by(Account.active.desc(), Account.id))
    invitation = open_invitation(session, unit.id, v["operator_id_number"]) if unit is not None else None
    if person is not None and person.active:
        if invitation is not None:
            accept_invitation(session, invitation, person, remote_addr)
        return SignIn(person)
    if person is not None and invitation is None:
        # Removed (or disabled): only a new invitation brings the same account back.
        raise LoginRefused("无法以该单位经办人身份登录", [
            f"您已不再是{unit.name}的经办人，如需继续办理，请联系单位管理员重新邀请"], "forbidden")
    if unit is not None and invitation is None and _federated_admin(session, unit.id):
        raise LoginRefused("无法以该单位经办人身份登录", [
            f"您尚未被{unit.name}的单位管理员邀请为经办人。请联系单位管理员在“经办人管理”中按身份证号邀请您，然后重新登录"],
            "forbidden")
    created = unit is None
    if unit is None:
        unit = Unit(name=v["unit_name"], credit_code=v["credit_code"])
        session.add(unit)
        session.flush()
    admin = invitation is None   # the first person of a new unit, or of one no unified-login person administers
    if person is not None:       # removed before and invited again: the same account comes back, as an agent
        person.active, person.unit_admin, person.name = True, False, v["operator_name"]
        account = person
    else:
        account = Account(login_name=agent_login_name(v["credit_code"], v["operator_id_number"]), role="unit",
                          name=v["operator_name"], mobile=v.get("operator_mobile"), id_number=v["operator_id_number"],
                          password_hash=NO_PASSWORD, unit=unit, unit_admin=admin)
        session.add(account)
        session.flush()
        _created(session, account, remote_addr)
    if invitation is not None:
        accept_invitation(session, invitation, account, remote_addr)
    return SignIn(account, created=created or person is None, joined=invitation is not None)


def _created(session, account: Account, remote_addr) -> None:
    session.add(AuditEntry(actor_id=account.id, action="account_create",
                           target=masking.shown_login(account.role, account.login_name),
                           detail={"account": account.id, "role": account.role, "via": "unified"},
                           remote_addr=remote_addr))
