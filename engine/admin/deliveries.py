"""通知发送: the deliveries of notices (email, SMS) as administrators see them, failed ones first, with
their errors, and sending one again (recorded in the audit log). The outbox itself is engine/notices."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from engine import formats
from engine.admin.audit import audit
from engine.errors import EngineError
from engine.masking import mask_mobile
from engine.models import Account, Delivery, Notice
from engine.notices import delivery as outbox_delivery
from engine.notices.delivery import CHANNEL_LABELS, STATE_LABELS  # noqa: F401  (the page's labels)
from engine.paging import Page, parse_page

PER_PAGE = 50
CHANNELS = ("email", "sms")


@dataclass
class DeliveryFilter:
    state: str = "failed"   # what needs an administrator: the failed ones ("all": every state)
    channel: str = ""
    q: str = ""             # recipient's name or login, or the address, contains
    page: int = 1

    @classmethod
    def from_params(cls, params) -> "DeliveryFilter":
        state = (params.get("state") or "failed").strip()
        channel = (params.get("channel") or "").strip()
        return cls(state=state if state in (*STATE_LABELS, "all") else "failed",
                   channel=channel if channel in CHANNELS else "", q=formats.trim(formats.drop_control_chars(params.get("q") or ""))[:100],
                   page=parse_page(params.get("page")))

    def params(self, **over) -> dict:
        values = {"state": self.state, "channel": self.channel, "q": self.q, "page": self.page, **over}
        return {k: v for k, v in values.items()
                if v not in ("", None) and not (k == "page" and v == 1) and not (k == "state" and v == "failed")}


@dataclass
class DeliveryRow:
    id: int
    channel: str
    channel_label: str
    address: str
    state: str
    state_label: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    title: str
    recipient_name: str
    recipient_login: str

    @property
    def resendable(self) -> bool:
        return self.state in outbox_delivery.RESENDABLE


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_deliveries(session, f: DeliveryFilter) -> tuple[list[DeliveryRow], Page, dict[str, int]]:
    """A page of deliveries, newest first, and the count in each state (for the filter's tabs)."""
    where = []
    if f.state != "all":
        where.append(Delivery.state == f.state)
    if f.channel:
        where.append(Delivery.channel == f.channel)
    if f.q:
        like = f"%{_escape_like(f.q)}%"
        where.append(or_(Account.name.like(like, escape="\\"), Account.login_name.like(like, escape="\\"),
                         Delivery.address.like(like, escape="\\")))
    base = select(Delivery, Notice.title, Account.name, Account.login_name) \
        .join(Notice, Notice.id == Delivery.notice_id).join(Account, Account.id == Notice.recipient_id)
    total = session.scalar(select(func.count()).select_from(base.where(*where).subquery())) or 0
    page = Page(f.page, PER_PAGE, total).within()
    rows = []
    for d, title, name, login in session.execute(
            base.where(*where).order_by(Delivery.id.desc()).offset(page.offset).limit(PER_PAGE)):
        address = mask_mobile(d.address) if d.channel == "sms" and d.address else (d.address or "")
        rows.append(DeliveryRow(d.id, d.channel, CHANNEL_LABELS.get(d.channel, d.channel), address, d.state,
                                STATE_LABELS.get(d.state, d.state), d.attempts, d.last_error,
                                d.next_attempt_at if d.state == "pending" else None, d.sent_at, d.created_at,
                                title, name, login))
    counts = dict(session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())
    return rows, page, {s: counts.get(s, 0) for s in STATE_LABELS}


class ResendRefused(EngineError):
    """Nothing to send again: no such delivery (not_found), or it is not failed (conflict)."""


def resend(session, admin: Account, delivery_id, remote_addr: str | None = None) -> Delivery:
    """Send a failed (or skipped) delivery again: pending, due now, its attempts counted afresh."""
    d, changed = outbox_delivery.resend(session, delivery_id)
    if d is None:
        raise ResendRefused("该发送记录不存在", "not_found")
    if not changed:
        raise ResendRefused(f"该发送记录当前为“{STATE_LABELS.get(d.state, d.state)}”，只有失败或未配置的可以重新发送",
                            "conflict")
    audit(session, admin, "delivery_resend", f"delivery:{d.id}", {"channel": d.channel, "notice": d.notice_id},
          remote_addr)
    return d
