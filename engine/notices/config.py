"""The notice settings of the ini's [app:main] (docs/operations.md lists them): where links point, the SMTP
server, the SMS gateway, and the workers' retry, lease and batch sizes. Secrets may come from the environment
(JIANXI_SMTP_PASSWORD, JIANXI_SMS_API_KEY) so that they stay out of the ini."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

SECURITY = ("starttls", "ssl", "none")


class SendFailed(Exception):
    """A channel could not send. permanent: trying again cannot help (the address was refused)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""              # empty: email is not configured, and deliveries are recorded as skipped
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password: str = ""
    sender: str = ""            # the From address, e.g. 山西人社就业见习 <noreply@example.gov.cn>
    timeout: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def domain(self) -> str:
        """The right-hand side of every Message-ID: the sender's domain."""
        address = parseaddr(self.sender)[1]
        return address.rsplit("@", 1)[1] if "@" in address else "jianxi.localhost"


@dataclass(frozen=True)
class SmsSettings:
    url: str = ""               # the gateway's POST address; empty: SMS is not configured (skipped)
    api_key: str = ""
    key_header: str = "X-API-Key"
    templates: dict = field(default_factory=dict)   # notice kind -> the provider's template id
    timeout: float = 15.0

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class NoticeSettings:
    public_url: str = "http://127.0.0.1:6543"   # links in emails: this base + the page's path
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    max_attempts: int = 6            # then the delivery is failed (失败) and shown to administrators
    retry_base: timedelta = timedelta(seconds=60)    # 1, 2, 4, 8 ... minutes after each failure
    retry_max: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(seconds=120)        # a claimed delivery not finished by then is retried
    batch_size: int = 50             # deliveries one worker claims at a time
    poll_seconds: float = 2.0        # how long an idle worker sleeps before looking again

    def link(self, path: str | None) -> str:
        return self.public_url.rstrip("/") + path if path else ""

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the attempts-th failed attempt: exponential, capped."""
        return min(self.retry_base * (2 ** max(0, attempts - 1)), self.retry_max)


def _int(settings: dict, key: str, default: int, low: int = 1) -> int:
    raw = settings.get(key)
    if raw in (None, ""):
        return default
    value = int(raw)
    if value < low:
        raise ValueError(f"{key} must be at least {low}")
    return value


def _float(settings: dict, key: str, default: float) -> float:
    raw = settings.get(key)
    return default if raw in (None, "") else float(raw)


def from_settings(settings: dict, environ=None) -> NoticeSettings:
    """The settings from an ini's [app:main] (a dict of strings); raises ValueError on a bad value."""
    environ = os.environ if environ is None else environ
    get = lambda key, default="": str(settings.get(key) or default).strip()  # noqa: E731
    security = get("jianxi.smtp.security", "starttls").lower()
    if security not in SECURITY:
        raise ValueError(f"jianxi.smtp.security must be one of {', '.join(SECURITY)}")
    smtp = SmtpSettings(
        host=get("jianxi.smtp.host"), port=_int(settings, "jianxi.smtp.port", 465 if security == "ssl" else 587),
        security=security, user=get("jianxi.smtp.user"),
        password=environ.get("JIANXI_SMTP_PASSWORD") or get("jianxi.smtp.password"),
        sender=get("jianxi.smtp.from", "noreply@jianxi.localhost"),
        timeout=_float(settings, "jianxi.smtp.timeout", 30.0))
    prefix = "jianxi.sms.template."
    sms = SmsSettings(
        url=get("jianxi.sms.url"), api_key=environ.get("JIANXI_SMS_API_KEY") or get("jianxi.sms.api_key"),
        key_header=get("jianxi.sms.key_header", "X-API-Key"),
        templates={k[len(prefix):]: str(v).strip() for k, v in settings.items() if k.startswith(prefix) and v},
        timeout=_float(settings, "jianxi.sms.timeout", 15.0))
    return NoticeSettings(
        public_url=get("jianxi.public_url", "http://127.0.0.1:6543"), smtp=smtp, sms=sms,
        max_attempts=_int(settings, "jianxi.notices.max_attempts", 6),
        retry_base=timedelta(seconds=_float(settings, "jianxi.notices.retry_base_seconds", 60)),
        retry_max=timedelta(seconds=_float(settings, "jianxi.notices.retry_max_seconds", 3600)),
        lease=timedelta(seconds=_float(settings, "jianxi.notices.lease_seconds", 120)),
        batch_size=_int(settings, "jianxi.notices.batch_size", 50),
        poll_seconds=_float(settings, "jianxi.notices.poll_seconds", 2.0))
