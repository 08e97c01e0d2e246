"""TOTP for staff (RFC 6238 through pyotp): enrolment, codes taken once, drift, throttling, recovery codes."""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from engine import clock
from engine.accounts import second_factor as sf
from tests import factories as f


@pytest.fixture
def reviewer(dbsession, clock_at):
    at = clock.utcnow().replace(microsecond=0)
    clock_at(at - timedelta(seconds=at.second % 30))      # the start of a step
    return f.reviewer(dbsession)


def code(secret, offset=0):
    return pyotp.TOTP(secret).at(int(clock.now().timestamp()) + 30 * offset)


def enrolled(dbsession, account):
    factor = sf.pending(dbsession, account)
    return factor.secret, sf.confirm(dbsession, account, code(factor.secret))


def test_the_policy_asks_staff_only(dbsession, reviewer):
    unit = f.unit_account(dbsession)
    assert sf.needed(dbsession, unit, "required") is None
    assert sf.needed(dbsession, reviewer, "required") == sf.ENROL
    assert sf.needed(dbsession, reviewer, "optional") is None
    enrolled(dbsession, reviewer)
    assert sf.needed(dbsession, reviewer, "optional") == sf.CODE and sf.needed(dbsession, reviewer, "off") is None
    assert sf.mode_from({}, production=True) == "required" and sf.mode_from({}, production=False) == "optional"
    with pytest.raises(ValueError):
        sf.mode_from({"jianxi.staff_totp": "sometimes"}, production=True)


def test_enrolment_shows_a_qr_code_of_an_otpauth_uri_and_confirms_with_a_code(dbsession, reviewer):
    factor = sf.pending(dbsession, reviewer)
    assert sf.pending(dbsession, reviewer).secret == factor.secret          # stable until confirmed
    uri = sf.provisioning_uri(reviewer, factor)
    assert uri.startswith("otpauth://totp/") and f"secret={factor.secret}" in uri
    svg = sf.qr_svg(uri)
    assert svg.startswith("<svg") and "<path" in svg and "http" not in svg.replace("http://www.w3.org", "")
    with pytest.raises(sf.SecondFactorError):
        sf.confirm(dbsession, reviewer, "000000" if code(factor.secret) != "000000" else "111111")
    codes = sf.confirm(dbsession, reviewer, code(factor.secret))
    assert len(codes) == sf.RECOVERY_CODES == len(set(codes))
    with pytest.raises(sf.SecondFactorError) as e:
        sf.pending(dbsession, reviewer)
    assert e.value.kind == "conflict"                                       # never shown again


def test_a_code_is_taken_once_and_one_step_of_drift_is_allowed(dbsession, reviewer, clock_at):
    secret, _ = enrolled(dbsession, reviewer)
    with pytest.raises(sf.SecondFactorError, match="已使用过"):
        sf.verify(dbsession, reviewer, code(secret))                        # the enrolment's code
    assert sf.verify(dbsession, reviewer, code(secret, +1)) == "totp"      # the authenticator runs ahead
    with pytest.raises(sf.SecondFactorError, match="已使用过"):
        sf.verify(dbsession, reviewer, code(secret, +1))
    clock_at(clock.now() + timedelta(seconds=90))
    with pytest.raises(sf.SecondFactorError, match="不正确"):
        sf.verify(dbsession, reviewer, code(secret, -2))                    # too old
    assert sf.verify(dbsession, reviewer, " " + code(secret)[:3] + " " + code(secret)[3:]) == "totp"


def test_five_wrong_codes_stop_codes_for_fifteen_minutes(dbsession, reviewer, clock_at):
    secret, codes = enrolled(dbsession, reviewer)
    clock_at(clock.now() + timedelta(seconds=30))
    wrong = "999999" if code(secret) != "999999" else "888888"
    for _ in range(sf.MAX_FAILURES):
        with pytest.raises(sf.SecondFactorError):
            sf.verify(dbsession, reviewer, wrong)
    for attempt in (code(secret), codes[0]):
        with pytest.raises(sf.TooManyCodes):
            sf.verify(dbsession, reviewer, attempt)
    clock_at(clock.now() + sf.FAILURE_WINDOW + timedelta(seconds=30))
    assert sf.verify(dbsession, reviewer, code(secret)) == "totp"


def test_a_recovery_code_works_once_and_a_reset_forgets_everything(dbsession, reviewer):
    _, codes = enrolled(dbsession, reviewer)
    assert sf.verify(dbsession, reviewer, codes[5].replace("-", " ").upper()) == "recovery"
    assert sf.status(dbsession, reviewer).recovery_left == 9
    with pytest.raises(sf.SecondFactorError, match="恢复码不正确或已使用过"):
        sf.verify(dbsession, reviewer, codes[5])
    assert sf.remove(dbsession, reviewer) is True
    assert sf.status(dbsession, reviewer) == sf.Status(None, 0)
    assert sf.needed(dbsession, reviewer, "required") == sf.ENROL
    with pytest.raises(sf.SecondFactorError):
        sf.verify(dbsession, reviewer, codes[0])
