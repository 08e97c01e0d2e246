"""engine.positions.detail: the public page of a position."""
from __future__ import annotations




from engine import positions as P
from tests.engine.positions.conftest import publish


def test_the_public_detail_has_no_bank_details_and_a_masked_mobile(dbsession, catalogue, unit):
    detail = P.detail.position_detail(dbsession, catalogue, publish(dbsession, catalogue, unit))
    flat = repr(detail)
    assert detail["contact_mobile"] == "139****5678" and "13912345678" not in flat
    assert set(detail["unit"]) == {"name", "industry", "unit_type", "address", "intro"}
    for secret in ("050212345678901234", "中国工商银行", "bank", "0351-7654321", "赵建国"):
        assert secret not in flat
