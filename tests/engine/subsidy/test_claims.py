"""Claim cases: a draft with its lines, submission reserving each paid trainee-month (in the database),
county then city review, rejection releasing the months, never a month paid twice across claims."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.cases.lifecycle import transition
from engine.errors import GuardFailed, TransitionNotAllowed
from engine.models import ClaimLine
from engine.subsidy import claims
from engine.validation import ValidationFailed
from tests import factories as f


def trainee(s, catalogue, account, months=("2026-01", "2026-02", "2026-03")):
    person = f.new_id_number()
    f.reported(s, catalogue, account, "match_report", [f.agreement_row(person, "2026-01-01", "2026-06-30")])
    f.reported(s, catalogue, account, "onduty_report", [f.onduty_row(person, m) for m in months])
    f.reported(s, catalogue, account, "attendance_report", [f.attendance_row(person, m) for m in months])
    return person


def counted(s):
    return sorted((x.id_number, x.month) for x in s.scalars(select(ClaimLine).where(ClaimLine.counted.is_(True))))


def test_a_claim_goes_from_draft_to_county_then_city(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    person = trainee(s, catalogue, unit)
    case = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-02"})
    s.commit()
    page = claims.lines_page(s, catalogue, case)
    assert (page.claim.line_count, page.claim.paid_count, page.total) == (2, 2, "3900")
    assert page.claim.scheme_versions.keys() == {"1"} and page.scheme.key == "jianxi_subsidy"
    assert counted(s) == []                                   # a draft reserves nothing
    transition(s, catalogue, case, "submit", unit)
    s.commit()
    assert case.state == "county_review" and case.reference.startswith("JXBT-140100-")
    assert counted(s) == [(person, "2026-01"), (person, "2026-02")]
    with pytest.raises(TransitionNotAllowed):
        transition(s, catalogue, case, "city_approve", claimants["city"])
    transition(s, catalogue, case, "county_approve", claimants["county"])
    transition(s, catalogue, case, "city_approve", claimants["city"])
    s.commit()
    assert case.state == "publicity" and counted(s) == [(person, "2026-01"), (person, "2026-02")]


def test_no_trainee_month_is_paid_twice_across_claims(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    person = trainee(s, catalogue, unit)
    first = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-02"})
    transition(s, catalogue, first, "submit", unit)
    second = claims.start(s, catalogue, item, unit, {"period_from": "2026-02", "period_to": "2026-03"})
    s.commit()
    lines = {x.month: x for x in claims.lines_page(s, catalogue, second).lines}
    assert lines["2026-02"].flag == "claimed" and f"已在申领{first.reference}中计发" in lines["2026-02"].basis
    assert lines["2026-03"].flag is None
    transition(s, catalogue, second, "submit", unit)
    s.commit()
    assert counted(s) == [(person, "2026-01"), (person, "2026-02"), (person, "2026-03")]
    # The database itself refuses a second counted line for a trainee-month, whatever the code above did.
    line = s.scalar(select(ClaimLine).where(ClaimLine.month == "2026-02", ClaimLine.counted.is_(True)))
    s.add(ClaimLine(claim_id=line.claim_id, unit_id=line.unit_id, id_number=person, month="2026-02",
                    agreement_start=line.agreement_start, counted=True, basis="", sources={}))
    with pytest.raises(IntegrityError):
        s.flush()
    s.rollback()


def test_a_race_for_the_same_month_is_a_conflict_not_a_double_payment(dbsession, catalogue, claimants, monkeypatch):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    trainee(s, catalogue, unit)
    first = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-01"})
    second = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-01"})
    # What a concurrent submission of the second would have computed before the first was committed.
    stale = claims.compute(s, catalogue, item, [unit.unit_id], claims.period_of(item, second.data))
    transition(s, catalogue, first, "submit", unit)
    s.commit()
    monkeypatch.setattr(claims, "compute", lambda *a, **k: stale)
    with pytest.raises(claims.MonthsTaken, match="请重新计算后再提交"):
        transition(s, catalogue, second, "submit", unit)
    s.rollback()
    monkeypatch.undo()
    assert counted(s) == [(claims.claim_of(s, first) and stale[1][0].id_number, "2026-01")]
    # Computed now, the second sees the month already claimed and has nothing left to pay.
    with pytest.raises(GuardFailed, match="没有可计发的见习月份"):
        transition(s, catalogue, second, "submit", unit)
    s.rollback()


def test_rejection_and_return_release_the_months(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    trainee(s, catalogue, unit)
    case = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-03"})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "return_for_correction", claimants["county"], comment="申领期间有误")
    s.commit()
    assert counted(s) == [] and case.state == "returned"
    claims.recompute(s, catalogue, case, unit, {"period_from": "2026-02", "period_to": "2026-03"})
    transition(s, catalogue, case, "submit", unit)
    transition(s, catalogue, case, "county_approve", claimants["county"])
    transition(s, catalogue, case, "reject", claimants["city"], comment="重复申领")
    s.commit()
    assert counted(s) == [] and case.state == "rejected"
    again = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-03"})
    assert claims.lines_page(s, catalogue, again).claim.paid_count == 3


def test_a_wrong_period_writes_nothing(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    with pytest.raises(ValidationFailed) as e:
        claims.start(s, catalogue, item, unit, {"period_from": "2026-05", "period_to": "2026-02"})
    assert [x.message for x in e.value.errors] == ["申领截止月份不能早于申领起始月份"]
    with pytest.raises(ValidationFailed) as e:
        claims.start(s, catalogue, item, unit, {"period_from": "2025-01", "period_to": "2030-02"})
    assert "申领截止月份不能晚于本月" in [x.message for x in e.value.errors]
    with pytest.raises(ValidationFailed) as e:
        claims.start(s, catalogue, item, unit, {"period_from": "2025-01", "period_to": "2026-02"})
    assert [x.message for x in e.value.errors] == ["申领起始月份至申领截止月份最多12个月（当前14个月）"]


def test_a_claim_with_nothing_to_pay_cannot_be_submitted(dbsession, catalogue, claimants):
    s, unit, item = dbsession, claimants["unit"], claimants["item"]
    case = claims.start(s, catalogue, item, unit, {"period_from": "2026-01", "period_to": "2026-02"})
    s.commit()
    with pytest.raises(GuardFailed):
        transition(s, catalogue, case, "submit", unit)
