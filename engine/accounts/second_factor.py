"""Two factors for staff (GB/T 22239 level 3): after their password, reviewers and administrators confirm
with a TOTP code (RFC 6238, pyotp: 6 digits, 30-second steps, one step of clock drift either way).

- Policy (`jianxi.staff_totp`): `required` (production.ini): a staff account without a second factor is sent
  to enrolment after its password and is signed in only once enrolled; `optional` (development.ini, so the
  demo accounts of `make run` sign in with a password): asked of those who enrolled; `off`: never asked.
- Enrolment: a secret is drawn and shown once as a QR code (SVG drawn here by segno, no outside service)
  and as text; the first right code confirms it; from then on no page shows it again. Ten recovery codes
  are shown once and kept as SHA-256 digests (they are random), each usable once in place of a code.
- A code is taken once: the newest time step accepted is kept, and a code of that step or an earlier one is
  refused. Five wrong codes within 15 minutes stop the account's codes for the rest of that window.
- An administrator resets a second factor (engine.admin.staff.reset_second_factor: audited, and it ends
  the account's sessions); the person enrols again at their next sign-in.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete, func, select, update

from engine import clock
from engine.errors import EngineError
from engine.models import Account, AuditEntry, RecoveryCode, SecondFactor
from engine.roles import STAFF_ROLES

MODES = ("required", "optional", "off")
ISSUER = "山西人社就业见习"
DIGITS, INTERVAL, DRIFT = 6, 30, 1
RECOVERY_CODES = 10
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
CODE, ENROL = "code", "enrol"   # what a staff member must do after their password
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i to misread


class SecondFactorError(EngineError):
    """A code refused; field: where the form shows it."""
    kind = "invalid"
    field = "/code"


class TooManyCodes(EngineError):
    kind = "throttled"

    def __init__(self):
        super().__init__("验证码错误次数过多，请15分钟后再试")


def mode_from(settings: dict, production: bool) -> str:
    """jianxi.staff_totp; unset: required in production, optional in development."""
    mode = (settings.get("jianxi.staff_totp") or ("required" if production else "optional")).strip().lower()
    if mode not in MODES:
        raise ValueError(f"jianxi.staff_totp 须为 {'、'.join(MODES)} 之一，而不是 {mode!r}")
    return mode


def confirmed(session, account: Account) -> SecondFactor | None:
    factor = session.get(SecondFactor, account.id)
    return factor if factor is not None and factor.confirmed_at is not None else None


def needed(session, account: Account, mode: str) -> str | None:
    """After a right password: CODE (enrolled), ENROL (staff without a factor where it is required), or None."""
    if account.role not in STAFF_ROLES or mode == "off":
        return None
    if confirmed(session, account) is not None:
        return CODE
    return ENROL if mode == "required" else None


# ---- enrolment ----------------------------------------------------------------------

def pending(session, account: Account) -> SecondFactor:
    """The secret being enrolled (drawn on first use, kept until confirmed so a reload shows the same QR)."""
    if account.role not in STAFF_ROLES:
        raise SecondFactorError("只有工作人员需要绑定两步验证", "forbidden")
    factor = session.get(SecondFactor, account.id)
    if factor is not None and factor.confirmed_at is not None:
        raise SecondFactorError("已绑定两步验证；如需更换，请联系系统管理员重置", "conflict")
    if factor is None:
        factor = SecondFactor(account_id=account.id, secret=pyotp.random_base32(), created_at=clock.utcnow(),
                              failures=0)
        session.add(factor)
        session.flush()
    return factor


def provisioning_uri(account: Account, factor: SecondFactor) -> str:
    """otpauth://totp/... as an authenticator app reads it from the QR code."""
    return pyotp.TOTP(factor.secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account.login_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline SVG element (dark modules on white, a quiet zone of 4)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")


def confirm(session, account: Account, code: str, remote_addr: str | None = None) -> list[str]:
    """The first right code confirms the pending secret; the ten recovery codes, to be shown once."""
    factor = pending(session, account)
    _check_code(session, factor, code)
    factor.confirmed_at = clock.utcnow()
    codes = _new_recovery_codes(session, account)
    session.add(AuditEntry(actor_id=account.id, action="second_factor_enrol", target=account.login_name,
                           detail={"account": account.id}, remote_addr=remote_addr))
    session.flush()
    return codes


def _new_recovery_codes(session, account: Account) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(account_id=account.id, code_hash=_recovery_digest(raw)))
    return codes


def _recovery_digest(raw: str) -> str:
    return hashlib.sha256(("jianxi-recovery\x00" + raw).encode("ascii")).hexdigest()


# ---- signing in ---------------------------------------------------------------------

def _normal(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _throttled(factor: SecondFactor, now: datetime) -> bool:
    return (factor.failures or 0) >= MAX_FAILURES and factor.failed_at is not None \
        and now - factor.failed_at < FAILURE_WINDOW


def _failed(session, factor: SecondFactor, now: datetime) -> None:
    recent = factor.failed_at is not None and now - factor.failed_at < FAILURE_WINDOW
    factor.failures = (factor.failures or 0) + 1 if recent else 1
    factor.failed_at = now
    session.flush()


def _check_code(session, factor: SecondFactor, code: str | None) -> None:
    """A right TOTP code of a step after the last one accepted, or SecondFactorError / TooManyCodes."""
    now = clock.utcnow()
    if _throttled(factor, now):
        raise TooManyCodes()
    typed = _normal(code)
    if not typed:
        raise SecondFactorError("请填写验证码")
    if not (typed.isdigit() and len(typed) == DIGITS):
        _failed(session, factor, now)
        raise SecondFactorError(f"验证码为{DIGITS}位数字")
    totp = pyotp.TOTP(factor.secret, digits=DIGITS, interval=INTERVAL)
    current = int(clock.now().timestamp()) // INTERVAL
    step = next((s for s in range(current - DRIFT, current + DRIFT + 1)
                 if hmac.compare_digest(totp.generate_otp(s), typed)), None)
    if step is None:
        _failed(session, factor, now)
        raise SecondFactorError("验证码不正确，请查看验证器中当前的6位数字")
    if factor.last_step is not None and step <= factor.last_step:
        _failed(session, factor, now)
        raise SecondFactorError("该验证码已使用过，请等待验证器显示下一个验证码")
    # Conditional, so two requests with the same code cannot both take it (the second updates no row).
    taken = session.execute(update(SecondFactor).where(
        SecondFactor.account_id == factor.account_id,
        (SecondFactor.last_step.is_(None)) | (SecondFactor.last_step < step))
        .values(last_step=step, failures=0, failed_at=None).execution_options(synchronize_session=False))
    if not taken.rowcount:
        raise SecondFactorError("该验证码已使用过，请等待验证器显示下一个验证码")
    factor.last_step, factor.failures, factor.failed_at = step, 0, None


def verify(session, account: Account, code: str | None, remote_addr: str | None = None) -> str:
    """The code of an enrolled account after its password: "totp", or "recovery" when one of its recovery
    codes was typed instead (then used up, and audited). SecondFactorError / TooManyCodes otherwise."""
    factor = confirmed(session, account)
    if factor is None:
        raise SecondFactorError("该账号尚未绑定两步验证", "conflict")
    typed = _normal(code)
    if len(typed) == 10:   # a recovery code (a TOTP code has 6 digits)
        now = clock.utcnow()
        if _throttled(factor, now):
            raise TooManyCodes()
        used = session.execute(update(RecoveryCode).where(
            RecoveryCode.account_id == account.id, RecoveryCode.code_hash == _recovery_digest(typed),
            RecoveryCode.used_at.is_(None)).values(used_at=now).execution_options(synchronize_session=False))
        if not used.rowcount:
            _failed(session, factor, now)
            raise SecondFactorError("恢复码不正确或已使用过")
        factor.failures, factor.failed_at = 0, None
        session.add(AuditEntry(actor_id=account.id, action="second_factor_recovery", target=account.login_name,
                               detail={"account": account.id, "left": recovery_left(session, account)},
                               remote_addr=remote_addr))
        return "recovery"
    _check_code(session, factor, typed)
    return "totp"


# ---- what is shown of it --------------------------------------------------------------

def recovery_left(session, account: Account) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))) or 0


@dataclass
class Status:
    enrolled_at: datetime | None
    recovery_left: int


def status(session, account: Account) -> Status:
    factor = confirmed(session, account)
    return Status(factor.confirmed_at if factor else None, recovery_left(session, account) if factor else 0)


def remove(session, account: Account) -> bool:
    """Forget the account's secret and recovery codes (engine.admin.staff.reset_second_factor audits it and
    ends the sessions); whether there was a confirmed one."""
    factor = session.get(SecondFactor, account.id)
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    if factor is None:
        return False
    session.delete(factor)
    session.flush()
    return factor.confirmed_at is not None
