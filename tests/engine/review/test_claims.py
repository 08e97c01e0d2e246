"""engine.review.claims: a claim keeps colleagues off until it is released or lapses."""
from __future__ import annotations


from datetime import timedelta

import pytest

from engine import access, review
from engine.errors import ClaimConflict
from engine.models import utcnow


def test_claims_keep_others_off_and_lapse(dbsession, catalogue, people, spread):
    case = spread["xiaodian"]
    review.claims.claim(dbsession, case, people["taiyuan"])
    assert access.holder(dbsession, case).id == people["taiyuan"].id
    with pytest.raises(ClaimConflict) as e:
        review.claims.claim(dbsession, case, people["province"])
    assert e.value.message.startswith("该申请已由太原市审核员于")
    with pytest.raises(ClaimConflict):
        review.actions.act(dbsession, catalogue, case, "approve", people["province"])
    with pytest.raises(ClaimConflict):
        review.claims.release(dbsession, case, people["province"])
    assert case.state == "submitted"
    case.claimed_at = utcnow() - timedelta(hours=access.CLAIM_HOURS + 1)
    assert access.holder(dbsession, case) is None
    review.actions.act(dbsession, catalogue, case, "approve", people["province"])
    assert case.state == "approved" and case.claimed_by is None
