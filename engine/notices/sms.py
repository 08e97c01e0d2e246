"""SMS through the provider's HTTP gateway, in one documented shape (docs/operations.md, "SMS gateway"):

    POST {jianxi.sms.url}
    Content-Type: application/json
    X-API-Key: {jianxi.sms.api_key}              (the header's name: jianxi.sms.key_header)
    Idempotency-Key: jianxi-delivery-{id}        (the same on every attempt of one delivery)
    {"to": "13912345678", "template_id": "SMS_0001", "params": {"name": "李*", "reference": "..."}}

Any 2xx answer means accepted. A 4xx other than 408/429 is final (the request or the number is wrong); a
5xx, 408, 429, or no answer at all is tried again later. The text itself is registered with the provider
under the template id; engine/notices/templates/<kind>.txt keeps a copy in its [sms] section.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from engine.notices.config import SendFailed, SmsSettings

RETRIED = {408, 429}


def idempotency_key(delivery_id: int) -> str:
    return f"jianxi-delivery-{delivery_id}"


def send(sms: SmsSettings, delivery_id: int, to: str, template_id: str, params: dict) -> None:
    body = json.dumps({"to": to, "template_id": template_id, "params": params}, ensure_ascii=False).encode()
    request = urllib.request.Request(sms.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", sms.key_header: sms.api_key,
        "Idempotency-Key": idempotency_key(delivery_id)})
    try:
        with urllib.request.urlopen(request, timeout=sms.timeout) as response:
            response.read()
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode("utf-8", "replace")
        e.close()
        raise SendFailed(f"短信网关拒绝（HTTP {e.code}）：{detail}",
                         permanent=400 <= e.code < 500 and e.code not in RETRIED) from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise SendFailed(f"无法连接短信网关：{type(e).__name__}: {e}") from None
