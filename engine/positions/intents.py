"""我有意向: an individual registers interest in a position once (again after withdrawing) and sees their own.

Saying 我有意向 is consenting to give the position's unit one's name, ID number, mobile and education
(CONSENT_TEXT, shown beside the button and by GET /api/positions/{id}); the consent is recorded in the
audit log with the intent (CONSENT_ACTION), and only a consented intent's full ID number goes into the
unit's 见习匹配结果 template (docs/privacy.md)."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.models import Account, AuditEntry, Intent, Position, Unit, row_id
from engine.positions.status import STATUS_LABELS, PositionError, position_status
from engine.regions import load_regions


def find_intent(session, raw_id) -> Intent | None:
    """The intent with this id from a URL, or None (also for an id no row could have)."""
    intent_id = row_id(raw_id)
    return session.get(Intent, intent_id) if intent_id is not None else None


def active_intent(session, position_id: int, account_id: int) -> Intent | None:
    return session.scalar(select(Intent).where(Intent.position_id == position_id, Intent.account_id == account_id,
                                               Intent.withdrawn_at.is_(None)))


# Any change to the text is a new version (tests/engine/positions/test_intents.py pins each version's text).
CONSENT_VERSION = "1"
CONSENT_TEXT = ("点击“我有意向”即表示同意将您的姓名、身份证号、手机号、学历、毕业院校和专业提供给该岗位的用人单位，"
                "用于见习匹配和就业见习补贴申报。单位页面上的身份证号只显示部分数字，单位下载见习匹配结果模板时完整填入，"
                "以便向人社部门上报。撤回意向后，单位不能再查看或下载您的信息。")
CONSENT_ACTION = "intent_consent"


def consent_digest(text: str = CONSENT_TEXT) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def consent_json() -> dict:
    return {"version": CONSENT_VERSION, "text": CONSENT_TEXT}


def _consent_target(intent_id: int) -> str:
    return f"意向#{intent_id}"


def consented(session, intents: list[Intent]) -> set[int]:
    """The ids of the given intents whose person consented when registering them (intents made before
    consent was asked have no record, so their full ID number is never handed on)."""
    if not intents:
        return set()
    by_target = {_consent_target(i.id): i for i in intents}
    rows = session.execute(select(AuditEntry.target, AuditEntry.actor_id).where(
        AuditEntry.action == CONSENT_ACTION, AuditEntry.target.in_(list(by_target))))
    return {by_target[t].id for t, actor in rows if by_target[t].account_id == actor}


_CLOSED = {"expired": "该岗位已过招募截止日，不能再登记意向", "full": "该岗位已招满，不能再登记意向",
           "taken_down": "该岗位已下架，不能登记意向"}


def register_intent(session, position: Position, account: Account, consent: str | None,
                    today: date | None = None, remote_addr: str | None = None) -> Intent:
    """consent: the CONSENT_VERSION of the text the person was shown (the page's hidden field, the API's
    `consent`); an intent without the current one is refused, so none is made without consent."""
    if account.role != "individual":
        raise PositionError("只有个人用户可以登记“我有意向”", "forbidden")
    status = position_status(position, today)
    if status != "open":
        raise PositionError(_CLOSED[status], "invalid")
    if active_intent(session, position.id, account.id) is not None:
        raise PositionError("您已对该岗位登记过意向，无需重复登记", "conflict")
    if consent != CONSENT_VERSION:
        raise PositionError("关于提供个人信息的说明已更新，请阅读后再点击“我有意向”" if consent else
                            "请阅读关于提供个人信息的说明，同意后再登记意向", "invalid")
    intent = Intent(position_id=position.id, account_id=account.id)
    try:
        # Two clicks at once: the partial unique index lets only one through.
        with session.begin_nested():
            session.add(intent)
    except IntegrityError:
        raise PositionError("您已对该岗位登记过意向，无需重复登记", "conflict") from None
    # The consent's record, in the same transaction as the intent: who, when, from where, which text.
    session.add(AuditEntry(actor_id=account.id, action=CONSENT_ACTION, target=_consent_target(intent.id),
                           detail={"intent": intent.id, "position": position.id, "unit": position.unit_id,
                                   "consent_version": CONSENT_VERSION, "consent_sha256": consent_digest()},
                           remote_addr=remote_addr))
    return intent


def withdraw_intent(session, intent: Intent, account: Account) -> Intent:
    if intent.account_id != account.id:
        raise PositionError("这不是您登记的意向", "forbidden")
    if intent.withdrawn_at is not None:
        raise PositionError("该意向已撤回", "conflict")
    intent.withdrawn_at = clock.utcnow()
    session.flush()
    return intent


@dataclass
class MyIntent:
    id: int
    created_at: datetime
    withdrawn_at: datetime | None
    position_id: int
    position_name: str
    unit_name: str
    region: str
    allowance: int
    status: str
    status_label: str

    def as_json(self) -> dict:
        out = asdict(self)
        out["created_at"] = clock.isoformat(self.created_at)
        out["withdrawn_at"] = clock.isoformat(self.withdrawn_at)
        return out


def intents_of_account(session, account_id: int, today: date | None = None) -> list[MyIntent]:
    """Every intent of one person, newest first, each with its position's current status."""
    regions = load_regions()
    rows = session.execute(select(Intent, Position, Unit.name).join(Position, Position.id == Intent.position_id)
                           .join(Unit, Unit.id == Position.unit_id).where(Intent.account_id == account_id)
                           .order_by(Intent.created_at.desc(), Intent.id.desc()))
    out = []
    for intent, p, unit_name in rows:
        status = position_status(p, today)
        out.append(MyIntent(intent.id, intent.created_at, intent.withdrawn_at, p.id, p.name, unit_name,
                            regions.label(p.county_code), p.allowance, status, STATUS_LABELS[status]))
    return out
