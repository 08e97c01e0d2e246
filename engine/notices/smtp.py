"""Email through SMTP (smtplib): a notice rendered as a message, and one connection kept open while a worker
has mail to send.

Every message's Message-ID is derived from its delivery's id (<jianxi-delivery-42@domain>), so a message
sent again after a worker died between the server's acceptance and the record of it is recognisably the
same message (docs/operations.md, "At least once").
"""
from __future__ import annotations

import smtplib
import ssl
from email.header import Header
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

from engine import clock
from engine.notices.config import NoticeSettings, SendFailed, SmtpSettings
from engine.notices.texts import template


def message_id(delivery_id: int, domain: str) -> str:
    return f"<jianxi-delivery-{delivery_id}@{domain}>"


def build_message(settings: NoticeSettings, delivery_id: int, kind: str, params: dict, link: str | None,
                  to: str) -> MIMEText:
    """The email of a notice: subject and Chinese body from its template, the link absolute.

    Built with the email package's compat32 classes: the modern policy's header folding costs tens of
    milliseconds a message, most of a worker's time, for the same bytes on the wire."""
    text = template(kind)
    values = {**params, "link": settings.link(link)}
    msg = MIMEText(text.render("body", values) + "\n\n（本邮件由系统自动发送，请勿直接回复。）\n", "plain", "utf-8")
    name, address = parseaddr(settings.smtp.sender)
    msg["From"] = formataddr((name, address), "utf-8") if name else address
    msg["To"] = to
    msg["Subject"] = Header(text.render("title", values), "utf-8")
    msg["Message-ID"] = message_id(delivery_id, settings.smtp.domain)
    msg["Date"] = format_datetime(clock.now())
    msg["Auto-Submitted"] = "auto-generated"   # RFC 3834: no auto-replies to these
    return msg


def _failure(e: Exception) -> SendFailed:
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in e.recipients.values()]
        return SendFailed(f"收件人被拒绝：{e.recipients}", permanent=all(c >= 500 for c in codes))
    if isinstance(e, smtplib.SMTPResponseException):
        detail = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        # A 5xx answer to this message is final; an authentication failure is the server's set-up, not the
        # message's, and may be mended: tried again like a 4xx.
        permanent = e.smtp_code >= 500 and not isinstance(e, smtplib.SMTPAuthenticationError)
        return SendFailed(f"邮件服务器拒绝（{e.smtp_code}）：{detail}", permanent=permanent)
    return SendFailed(f"无法连接邮件服务器：{type(e).__name__}: {e}")


class Mailer:
    """One SMTP connection, opened on the first message and reused until closed."""

    def __init__(self, smtp: SmtpSettings):
        self.smtp = smtp
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.smtp
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if s.user:
            conn.login(s.user, s.password)
        return conn

    def send(self, msg: MIMEText) -> None:
        """Send, or raise SendFailed. A connection the server closed meanwhile is opened again once."""
        sender, data = parseaddr(msg["From"])[1], msg.as_string()
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = self._connect()
                self.conn.sendmail(sender, [msg["To"]], data)
                return
            except smtplib.SMTPServerDisconnected as e:
                self.conn = None
                if attempt == 2:
                    raise _failure(e) from None
            except (smtplib.SMTPException, OSError) as e:
                self.close()
                raise _failure(e) from None

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
