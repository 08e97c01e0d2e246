"""账号信息: how a person is reached (the mobile for SMS, the email for mail notices), checked the same way at
registration and when the person changes it; a change is audited by the fields it touched, never their values."""
from __future__ import annotations

from engine import formats
from engine.errors import EngineError
from engine.models import Account, AuditEntry
from engine.validation import FieldError

# Units and individuals are told of results by SMS, so they keep a mobile; staff may leave it empty.
MOBILE_REQUIRED = ("unit", "individual")


class AccountError(EngineError):
    """What was typed, refused: every problem at once, each by its field."""
    kind = "invalid"

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def check_mobile(mobile: str, errors: list[FieldError], field="/mobile", label="手机号",
                 required: bool = True) -> str | None:
    mobile = formats.normalize_mobile(mobile or "")
    if not mobile:
        if required:
            errors.append(FieldError(field, f"请填写{label}"))
        return None
    if problem := formats.check_mobile(mobile):
        errors.append(FieldError(field, label + problem))
    return mobile


def check_email(email: str, errors: list[FieldError], field="/email", label="电子邮箱") -> str | None:
    """Optional: empty means no mail notices."""
    email = formats.normalize_email(email or "")
    if not email:
        return None
    if problem := formats.check_email(email):
        errors.append(FieldError(field, label + problem))
    return email


def mobile_label(account: Account) -> str:
    return "联系人手机号" if account.role == "unit" else "手机号"


def update_contact(session, account: Account, email: str | None, mobile: str | None,
                   remote_addr: str | None = None) -> list[str]:
    """Change the person's own email and mobile; the names of the fields changed (empty: nothing to save)."""
    errors: list[FieldError] = []
    new_email = check_email(email or "", errors)
    new_mobile = check_mobile(mobile or "", errors, label=mobile_label(account),
                              required=account.role in MOBILE_REQUIRED)
    if errors:
        raise AccountError(errors)
    changed = [name for name, old, new in (("email", account.email, new_email), ("mobile", account.mobile, new_mobile))
               if (old or None) != new]
    if changed:
        account.email, account.mobile = new_email, new_mobile
        session.add(AuditEntry(actor_id=account.id, action="contact_change", target=None,
                               detail={"account": account.id, "fields": changed}, remote_addr=remote_addr))
        session.flush()
    return changed
