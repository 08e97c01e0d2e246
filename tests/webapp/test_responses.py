"""An engine refusal's kind becomes its HTTP status in one place, for the API and for pages alike."""
import pytest

from engine.accounts.login import Throttled
from engine.errors import KINDS, EngineError
from webapp.responses import STATUS_OF_KIND, http_refusal, status_of


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


def test_a_throttled_login_is_429():
    assert status_of(Throttled()) == 429 and Throttled().message == "登录失败次数过多，请15分钟后再试"
