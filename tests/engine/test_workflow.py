import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy import select

from engine.cases.lifecycle import transition
from engine.models import Account, Case, CaseEvent
from engine.workflow import (
    Actor, CommentRequired, GuardFailed, StaleCase, TransitionNotAllowed, available, build_machine,
)
from tests import factories as f


def test_machine_starts_from_the_stored_state(catalogue):
    review = catalogue.workflows["review"]
    model = build_machine(review, "submitted")
    assert model.state == "submitted"
    assert model.may_trigger("approve") and not model.may_trigger("submit")
    with pytest.raises(Exception):
        model.to_approved()  # auto_transitions are off


def test_available_triggers_depend_on_state_and_role(catalogue):
    review = catalogue.workflows["review"]
    reviewer = Actor(1, "reviewer", jurisdiction="140100")
    unit = Actor(2, "unit", unit_id=1)
    assert [t.trigger for t in available(review, "submitted", reviewer)] == ["approve", "reject", "return_for_correction"]
    assert available(review, "submitted", unit) == []
    assert [t.trigger for t in available(review, "returned", unit)] == ["submit"]
    assert available(review, "approved", reviewer) == []


def test_a_transition_with_a_form_is_offered_and_fired_only_by_that_form(catalogue):
    claims = catalogue.workflows["claim_review"]
    finance = Actor(1, "reviewer", jurisdiction="140100")
    assert available(claims, "payable", finance) == []
    assert [t.trigger for t in available(claims, "payable", finance, form="payment")] == ["mark_paid"]
    assert [t.trigger for t in available(claims, "publicity", finance, form="objection")] == ["uphold_objection"]


@pytest.fixture
def submitted(dbsession, catalogue, storage):
    account = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, account)
    dbsession.commit()
    return case


def test_submission_records_event_reference_and_location(dbsession, submitted):
    case = submitted
    assert case.state == "submitted"
    assert case.reference.startswith("JX-140100-") and case.reference.endswith(f"{case.id:06d}")
    assert (case.city_code, case.county_code) == ("140100", "140105")
    assert case.unit.county_code == "140105"
    [event] = case.events
    assert (event.from_state, event.to_state, event.trigger) == ("draft", "submitted", "submit")
    assert event.data["unit_name"] == case.unit.name


def test_unit_cannot_approve_its_own_case(dbsession, catalogue, submitted):
    owner = submitted.account
    with pytest.raises(TransitionNotAllowed) as e:
        transition(dbsession, catalogue, submitted, "approve", owner)
    assert e.value.message == "您的账号无权执行“审核通过”"
    assert submitted.state == "submitted"


def test_reject_and_return_need_a_comment(dbsession, catalogue, submitted):
    rev = f.reviewer(dbsession)
    for trigger in ("reject", "return_for_correction"):
        with pytest.raises(CommentRequired):
            transition(dbsession, catalogue, submitted, trigger, rev, comment="   ")
    transition(dbsession, catalogue, submitted, "return_for_correction", rev, comment="营业执照不清晰")
    dbsession.commit()
    last = submitted.events[-1]
    assert (last.from_state, last.to_state, last.comment, last.actor_id) == (
        "submitted", "returned", "营业执照不清晰", rev.id)


def test_trigger_invalid_in_current_state(dbsession, catalogue, submitted):
    with pytest.raises(TransitionNotAllowed) as e:
        transition(dbsession, catalogue, submitted, "submit", submitted.account)
    assert "未审核" in e.value.message


def test_stale_expected_version_is_refused(dbsession, catalogue, submitted):
    rev = f.reviewer(dbsession)
    old_version = submitted.version
    transition(dbsession, catalogue, submitted, "approve", rev, expected_version=old_version)
    dbsession.commit()
    with pytest.raises(StaleCase) as e:
        transition(dbsession, catalogue, submitted, "reject", rev, comment="x", expected_version=old_version)
    assert e.value.message == "该申请已被他人处理"


def test_concurrent_update_is_a_conflict_not_an_overwrite(session_factory, catalogue, submitted):
    """Two sessions load the same case; the second to write loses."""
    setup = session_factory()
    reviewer_id = f.reviewer(setup, login="r1").id
    setup.commit()
    setup.close()
    s1, s2 = session_factory(), session_factory()
    try:
        c1, c2 = s1.get(Case, submitted.id), s2.get(Case, submitted.id)
        r1, r2 = s1.get(Account, reviewer_id), s2.get(Account, reviewer_id)
        transition(s1, catalogue, c1, "approve", r1)
        s1.commit()
        # PostgreSQL: the version check matches no row. SQLite: a transaction that read before the
        # other committed may not write at all (the app begins writers IMMEDIATE, so there it is a
        # StaleCase too: tests/system). Either way nothing is overwritten.
        with pytest.raises((StaleCase, OperationalError)):
            transition(s2, catalogue, c2, "reject", r2, comment="不同意")
        s2.rollback()
    finally:
        s1.close()
        s2.close()
    check = session_factory()
    case = check.get(Case, submitted.id)
    assert case.state == "approved"
    assert [e.trigger for e in check.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))] == [
        "submit", "approve"]
    check.close()


def test_guard_stops_submission_without_attachments(dbsession, catalogue):
    from engine.cases.lifecycle import submit
    account = f.unit_account(dbsession)
    item = catalogue.item("unit_application")
    with pytest.raises(GuardFailed) as e:
        submit(dbsession, catalogue, item, account, f.unit_application_data(account.unit.name))
    assert e.value.message == "请先上传以下附件：营业执照或法人登记证书、就业见习单位申请表、见习管理制度及带教计划"
