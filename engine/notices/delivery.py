"""Delivering the outbox: workers claim due deliveries, send them, and record each outcome.

Claiming. A worker takes up to `batch_size` due deliveries in one short transaction and marks them
'sending' with its claim token and a lease. On PostgreSQL the rows are picked with SELECT ... FOR UPDATE
SKIP LOCKED, so any number of workers on any hosts each take different rows without waiting for one
another; on SQLite (one worker) the same UPDATE runs in a BEGIN IMMEDIATE transaction, and its
`state = 'pending'` condition keeps even a second worker from taking a row twice.

Sending. Each delivery is sent, then marked 'sent' in its own commit, on the condition that the row still
carries this worker's token (a worker that lost its lease never overwrites another's outcome). A worker
killed mid-send leaves rows 'sending' under a lease; once it expires, any worker claims them again. The
lease is renewed while a batch is being sent, so a slow server never lets a live worker's rows go.

At least once. A message the SMTP server accepted just before the worker was killed, and before its
'sent' was committed, is sent a second time after the lease: the one duplicate this design allows. Its
Message-ID (from the delivery id) and the SMS Idempotency-Key are the same on every attempt, so a server,
a gateway or a reader can tell. The window is one message per worker, between the server's reply and
one UPDATE.

Failures wait exponentially longer (settings.backoff) and, after `max_attempts`, or at once when the
server refused for good (a 5xx, an unknown number), become 'failed' (失败): administrators see them and may
send them again. A channel that is not configured (no SMTP host, no SMS gateway or template id) records
its deliveries as 'skipped' (未配置) instead of failing them over and over.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, text, update

from engine import clock
from engine.models import Delivery, Notice, row_id
from engine.notices import sms
from engine.notices.config import NoticeSettings, SendFailed
from engine.notices.smtp import Mailer, build_message
from engine.notices.texts import template

log = logging.getLogger(__name__)

STATES = ("pending", "sending", "sent", "failed", "skipped")
STATE_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败", "skipped": "未配置"}
CHANNEL_LABELS = {"inapp": "消息中心", "email": "邮件", "sms": "短信"}
RESENDABLE = ("failed", "skipped")
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    address: str | None
    attempts: int
    kind: str
    params: dict
    link: str | None


def _claim_statement(token: str, now: datetime, settings: NoticeSettings, limit: int, expired: bool):
    if expired:   # a worker died holding these: their lease has run out
        due = and_(Delivery.state == "sending", Delivery.lease_until <= now)
        order = (Delivery.lease_until, Delivery.id)
    else:
        due = and_(Delivery.state == "pending", Delivery.next_attempt_at <= now)
        order = (Delivery.next_attempt_at, Delivery.id)
    picked = select(Delivery.id).where(due).order_by(*order).limit(limit) \
        .with_for_update(skip_locked=True).cte("picked")
    return (update(Delivery).where(Delivery.id.in_(select(picked.c.id)), due)
            .values(state="sending", claim_token=token, lease_until=now + settings.lease,
                    attempts=Delivery.attempts + 1)
            .returning(Delivery.id).execution_options(synchronize_session=False))


def claim(session, settings: NoticeSettings, limit: int | None = None, now: datetime | None = None) \
        -> tuple[str, list[Claimed]]:
    """(token, claimed deliveries), committed: expired leases first, then the longest-waiting pending rows."""
    now = now or clock.utcnow()
    limit = limit or settings.batch_size
    token = secrets.token_hex(16)
    ids = list(session.scalars(_claim_statement(token, now, settings, limit, expired=True)))
    if len(ids) < limit:
        ids += list(session.scalars(_claim_statement(token, now, settings, limit - len(ids), expired=False)))
    rows = []
    if ids:
        rows = session.execute(
            select(Delivery.id, Delivery.channel, Delivery.address, Delivery.attempts, Notice.kind, Notice.params,
                   Notice.link).join(Notice, Notice.id == Delivery.notice_id)
            .where(Delivery.id.in_(ids)).order_by(Delivery.id)).all()
    session.commit()
    return token, [Claimed(*r) for r in rows]


def _finish(session, token: str, delivery_id: int, **values) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        # An outcome need not wait for its WAL flush: once committed it is visible to every worker, and only a
        # crash of the database server itself within a fraction of a second could forget it, which sends that
        # message again (at least once, never lost). Without this every message waits for one fsync.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    result = session.execute(update(Delivery).where(
        Delivery.id == delivery_id, Delivery.claim_token == token, Delivery.state == "sending")
        .values(claim_token=None, lease_until=None, **values).execution_options(synchronize_session=False))
    session.commit()
    if result.rowcount != 1:
        log.warning("delivery %s: lease lost before its outcome was recorded", delivery_id)
    return result.rowcount == 1


def mark_sent(session, token: str, delivery_id: int) -> bool:
    return _finish(session, token, delivery_id, state="sent", sent_at=clock.utcnow(), last_error=None)


def mark_skipped(session, token: str, delivery_id: int, why: str) -> bool:
    return _finish(session, token, delivery_id, state="skipped", last_error=why)


def mark_failed(session, settings: NoticeSettings, token: str, c: Claimed, error: SendFailed) -> bool:
    """Back to pending after a wait that doubles each time, or failed for good."""
    final = error.permanent or c.attempts >= settings.max_attempts
    values = {"state": "failed"} if final else \
        {"state": "pending", "next_attempt_at": clock.utcnow() + settings.backoff(c.attempts)}
    return _finish(session, token, c.id, last_error=error.message[:ERROR_LENGTH], **values)


def renew(session, settings: NoticeSettings, token: str) -> datetime:
    """Extend the lease on what this worker still holds; returns the new expiry."""
    until = clock.utcnow() + settings.lease
    session.execute(update(Delivery).where(Delivery.claim_token == token, Delivery.state == "sending")
                    .values(lease_until=until).execution_options(synchronize_session=False))
    session.commit()
    return until


class Sender:
    """The channels of one worker: an SMTP connection reused across messages, the SMS gateway."""

    def __init__(self, settings: NoticeSettings):
        self.settings = settings
        self.mailer = Mailer(settings.smtp)

    def unconfigured(self, c: Claimed) -> str | None:
        """Why this delivery cannot be sent with the settings as they are (then it is skipped)."""
        s = self.settings
        if c.channel == "email" and not s.smtp.configured:
            return "未配置邮件服务器（jianxi.smtp.host）"
        if c.channel == "sms":
            if not s.sms.configured:
                return "未配置短信网关（jianxi.sms.url）"
            if not s.sms.templates.get(c.kind):
                return f"未配置短信模板（jianxi.sms.template.{c.kind}）"
        if c.channel not in ("email", "sms"):
            return f"未知的渠道“{c.channel}”"
        return None

    def send(self, c: Claimed) -> None:
        if c.channel == "email":
            self.mailer.send(build_message(self.settings, c.id, c.kind, c.params, c.link, c.address))
        else:
            sms.send(self.settings.sms, c.id, c.address, self.settings.sms.templates[c.kind],
                     template(c.kind).sms_params(c.params))

    def close(self) -> None:
        self.mailer.close()


def release(session, token: str) -> int:
    """Give back what this worker claimed and has not sent (it is stopping): due again at once."""
    result = session.execute(update(Delivery).where(Delivery.claim_token == token, Delivery.state == "sending")
                             .values(state="pending", claim_token=None, lease_until=None,
                                     attempts=Delivery.attempts - 1)
                             .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def deliver_batch(session, sender: Sender, limit: int | None = None, stopping=None) -> int:
    """Claim one batch and send it; returns how many deliveries were claimed (0: nothing was due).
    stopping: a threading.Event; once set, what is not yet sent is released for other workers."""
    settings = sender.settings
    token, claimed = claim(session, settings, limit)
    lease_until = clock.utcnow() + settings.lease
    for c in claimed:
        if stopping is not None and stopping.is_set():
            release(session, token)
            break
        if clock.utcnow() > lease_until - settings.lease / 2:
            lease_until = renew(session, settings, token)
        why = sender.unconfigured(c)
        if why:
            mark_skipped(session, token, c.id, why)
            continue
        try:
            sender.send(c)
        except SendFailed as e:
            log.info("delivery %s (%s) failed: %s", c.id, c.channel, e.message)
            mark_failed(session, settings, token, c, e)
            continue
        except Exception as e:  # a fault of ours (a template, a bad address): retried, then 失败, never a loop
            log.exception("delivery %s (%s) could not be sent", c.id, c.channel)
            mark_failed(session, settings, token, c, SendFailed(f"发送时出错：{type(e).__name__}: {e}"))
            continue
        mark_sent(session, token, c.id)
    return len(claimed)


def deliver_all(session_factory, settings: NoticeSettings) -> int:
    """Everything due now, batch after batch, in this process (the tests', the console's `--once`)."""
    sender = Sender(settings)
    total = 0
    try:
        with session_factory() as session:
            while n := deliver_batch(session, sender):
                total += n
    finally:
        sender.close()
    return total


def resend(session, delivery_id) -> tuple[Delivery | None, bool]:
    """(the delivery, whether it was put back): a failed (or skipped) one goes back to pending, due now,
    with its attempts counted afresh; any other is left as it is."""
    delivery_id = row_id(delivery_id)
    delivery = session.get(Delivery, delivery_id) if delivery_id is not None else None
    if delivery is None or delivery.state not in RESENDABLE:
        return delivery, False
    delivery.state, delivery.attempts, delivery.next_attempt_at = "pending", 0, clock.utcnow()
    delivery.claim_token = delivery.lease_until = None
    session.flush()
    return delivery, True
