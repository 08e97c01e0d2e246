"""An engine refusal's kind becomes its HTTP status in one place, for the API and for pages alike."""
import pytest

from engine.accounts.login import Throttled
from engine.errors import KINDS, EngineError
from webapp.responses import STATUS_OF_KIND, http_refusal, refusal, status_of


def test_every_kind_has_a_status():
    assert set(STATUS_OF_KIND) == set(KINDS)


@pytest.mark.parametrize("kind, status", [
    ("invalid", 422), ("bad_request", 400), ("not_found", 404), ("forbidden", 403), ("conflict", 409),
    ("too_large", 413), ("unsupported", 415), ("throttled", 429),
])
def test_a_kind_and_its_status(kind, status):
    error = EngineError("不能办理", kind)
    assert status_of(error) == status
    page = http_refusal(error)
    assert (page.status_int, page.detail) == (status, "不能办理")


def test_a_refusal_over_a_rate_limit_is_429_with_retry_after():
    from datetime import datetime

    from pyramid.testing import DummyRequest

    from engine.throttle import Verdict
    error = Throttled("登录失败次数过多，请15分钟后再试", Verdict(False, 840, 6, "login.pair:x", datetime(2026, 1, 1)))
    request = DummyRequest()
    body = refusal(request, error)
    assert status_of(error) == 429 == request.response.status_int
    assert request.response.headers["Retry-After"] == "840"
    assert body == {"error": "登录失败次数过多，请15分钟后再试", "retry_after": 840}
