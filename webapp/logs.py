"""What the app writes to the server log never holds a password or a full ID number (docs/privacy.md).

A filter on the loggers the app and its server write to renders each record's message and traceback once,
replaces the values of the current request's password, login and code fields, and masks every ID-number-shaped
run (engine.masking.redact_text), before any handler sees the record. Database errors already come
without their bound values (engine.db: hide_parameters).
"""
from __future__ import annotations

import json
import logging

from pyramid.threadlocal import get_current_request

from engine.formats import normalize_code
from engine.masking import redact_text

# sqlalchemy.engine.Engine logs statements (INFO) and rows (DEBUG) when an ini turns it up: its bound values
# are hidden by engine.db, the ID numbers in rows are masked here.
LOGGERS = ("webapp", "waitress", "sqlalchemy.engine.Engine")
HIDDEN = "[已隐藏]"
_JSON_BODY_MAX = 64 * 1024


def _typed(name: str) -> bool:
    # "login" too: on the login pages a password is sometimes typed into the name field. "code": the
    # 证件号码 typed to follow a case (办件进度查询), which is what proves the right to see it.
    return "password" in name or name in ("login", "code")


def request_secrets(request) -> list[str]:
    """The values of the request's password (and login, code) fields, form or JSON, longest first."""
    if request is None:
        return []
    found: list[str] = []
    try:
        found += [v for k, v in request.POST.items() if _typed(k) and isinstance(v, str)]
        if request.content_type == "application/json" and 0 < (request.content_length or 0) <= _JSON_BODY_MAX:
            body = json.loads(request.body)
            if isinstance(body, dict):
                found += [v for k, v in body.items() if _typed(k) and isinstance(v, str)]
    except Exception:   # a body that cannot be read has no fields to hide; the log line still goes out
        pass
    # Codes are compared (and may be logged in rows) as normalised: "9114 0105ma..." is also 91140105MA...
    found += [normalize_code(v) for v in found]
    return sorted({v for v in found if v}, key=len, reverse=True)


def clean(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    return redact_text(text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = request_secrets(get_current_request())
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = clean(message, secrets), None
        if record.exc_info:
            # Rendered here, cleaned, and the exception dropped so that no handler renders it again.
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = clean(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = clean(record.stack_info, secrets)
        return True


def install() -> None:
    """Once per process, whatever the number of apps made (the tests make several)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
