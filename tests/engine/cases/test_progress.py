"""办件进度查询 in the engine: the right code finds a case, a wrong code and an unknown reference are told the
same after the same work, drafts are never found, a returned or refused case shows the reviewer's reason,
and the limits per address and per reference hold."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from engine import access, clock
from engine.cases import progress
from engine.cases.lifecycle import save_draft, transition
from engine.cases.progress import NOT_FOUND, Limits, NotFollowed, TooManyLookups, follow
from engine.deadlines import countdown
from engine.masking import mask_id
from engine.models import Case, CaseEvent, RateLimit
from engine.throttle import Limit
from engine.validation import ValidationFailed
from tests import factories as f

ROOMY = Limits(Limit("progress.address", 1000, timedelta(minutes=10)), Limit("progress.reference", 1000,
                                                                             timedelta(hours=1)))


@pytest.fixture
def unit_case(dbsession, catalogue, storage):
    s = dbsession
    reviewer = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    case = f.submitted_unit_application(s, catalogue, storage, unit)
    s.commit()   # the limits count on connections of their own: nothing may hold SQLite's write lock
    return {"case": case, "reference": case.reference, "code": unit.unit.credit_code, "reviewer": reviewer,
            "unit": unit}


def lookup(s, catalogue, reference, code, rules=ROOMY, address="10.0.0.1"):
    return follow(s, catalogue, reference, code, address, rules, countdown(s))


def id_ending_in_x() -> str:
    while not (number := f.new_id_number("19980812")).endswith("X"):
        pass
    return number


def individual_case(s, catalogue, person, reference: str) -> Case:
    """An individual's submitted case (no shipped item is for individuals): as lifecycle would leave it."""
    item = catalogue.item("post_application")
    case = Case(item_key=item.key, definition_version=item.version, workflow_key=item.workflow_key,
                state="submitted", unit_id=None, account_id=person.id, reference=reference,
                submitted_at=clock.utcnow(), data={})
    s.add(case)
    s.flush()
    s.add(CaseEvent(case_id=case.id, actor_id=person.id, trigger="submit", from_state="draft", to_state="submitted"))
    s.commit()
    return case


def test_the_right_code_shows_the_progress_and_nothing_else(dbsession, catalogue, unit_case):
    found = lookup(dbsession, catalogue, unit_case["reference"], unit_case["code"])
    assert (found.reference, found.item_title, found.state, found.state_label) == (
        unit_case["reference"], "就业见习单位申请", "submitted", "未审核")
    assert [(s.label, s.state_label) for s in found.steps] == [("提交", "未审核")]
    assert found.deadline.clock == "running" and found.deadline.remaining == 10
    assert found.reason is None
    body = found.as_dict()
    assert set(body) == {"reference", "item_title", "state", "state_label", "steps", "deadline", "reason"}
    assert set(body["steps"][0]) == {"label", "state_label", "at"} and body["steps"][0]["at"].endswith("+08:00")
    assert "山西晋阳" not in str(body) and "赵建国" not in str(body)   # no unit name, no form data


def test_input_is_compared_after_spaces_and_case_are_normalised(dbsession, catalogue, unit_case):
    reference, code = unit_case["reference"], unit_case["code"]
    spaced = " " + reference.lower().replace("-", " - ", 1) + "\u3000"
    assert any(c.isalpha() for c in code)   # MA...: a letter to lower-case
    found = lookup(dbsession, catalogue, spaced, f"{code[:6].lower()} {code[6:].lower()}")
    assert found.reference == reference


def test_a_wrong_code_and_an_unknown_reference_get_the_same_answer_after_the_same_work(
        dbsession, db_engine, catalogue, unit_case):
    other = f.new_credit_code()
    unknown = unit_case["reference"][:-6] + "999999"
    statements: list[list[str]] = []

    def record(conn, cursor, statement, *args):
        statements[-1].append(statement)

    board = countdown(dbsession)
    event.listen(db_engine, "before_cursor_execute", record)
    try:
        for reference in (unit_case["reference"], unknown):
            dbsession.rollback()
            statements.append([])
            with pytest.raises(NotFollowed) as refused:
                follow(dbsession, catalogue, reference, other, "10.0.0.1", ROOMY, board)
            assert refused.value.message == NOT_FOUND == "未查询到办件，请核对办件编号和证件号码"
            assert refused.value.kind == "not_found"
    finally:
        event.remove(db_engine, "before_cursor_execute", record)
    assert statements[0] == statements[1] and len(statements[0]) >= 3   # two counts and one lookup each


def test_a_draft_is_never_found(dbsession, catalogue, unit_case):
    draft = save_draft(dbsession, catalogue, catalogue.item("post_application"), unit_case["unit"],
                       f.post_data(position_name="草稿岗位"))
    assert draft.reference is None
    # Even a draft that somehow carried a reference is not followed: never submitted means never shown.
    draft.reference = "JX-140100-202611-888888"
    dbsession.commit()
    assert access.follow_code(draft) is None and not access.may_follow(draft, unit_case["code"])
    with pytest.raises(NotFollowed):
        lookup(dbsession, catalogue, draft.reference, unit_case["code"])


def test_a_returned_case_shows_the_reviewers_reason(dbsession, catalogue, unit_case):
    person_id = f.new_id_number()
    transition(dbsession, catalogue, unit_case["case"], "return_for_correction", unit_case["reviewer"],
               comment=f"营业执照不清晰，请重新上传；联系人身份证号{person_id}有误")
    dbsession.commit()
    found = lookup(dbsession, catalogue, unit_case["reference"], unit_case["code"])
    assert found.state_label == "退回修改"
    assert found.reason == f"营业执照不清晰，请重新上传；联系人身份证号{mask_id(person_id)}有误"
    assert [s.label for s in found.steps] == ["提交", "退回修改"]
    assert found.deadline.clock == "paused" and found.deadline.label == "已退回，暂停计时"
    assert "省级审核员" not in str(found.as_dict()) and "sheng" not in str(found.as_dict())


def test_a_refused_case_shows_its_reason_and_an_approval_shows_none(dbsession, catalogue, unit_case, storage):
    transition(dbsession, catalogue, unit_case["case"], "reject", unit_case["reviewer"], comment="重复申报")
    dbsession.commit()
    found = lookup(dbsession, catalogue, unit_case["reference"], unit_case["code"])
    assert (found.state_label, found.reason, found.deadline.clock) == ("审核不通过", "重复申报", "met")
    dbsession.rollback()   # SQLite: a transaction that read before the counts committed may not write
    other = f.unit_account(dbsession, name="大同云冈文旅发展有限公司")
    approved = f.submitted_unit_application(dbsession, catalogue, storage, other)
    transition(dbsession, catalogue, approved, "approve", unit_case["reviewer"], comment="同意，材料齐全")
    dbsession.commit()
    found = lookup(dbsession, catalogue, approved.reference, other.unit.credit_code)
    assert (found.state_label, found.reason) == ("审核通过", None)   # an approval's note is not a reason


def test_an_individuals_case_is_followed_by_the_id_number_lower_case_x_too(dbsession, catalogue):
    number = id_ending_in_x()
    person = f.individual_account(dbsession, id_no=number)
    case = individual_case(dbsession, catalogue, person, "JX-140100-202611-000777")
    found = lookup(dbsession, catalogue, case.reference, number[:-1] + "x")
    assert (found.item_title, found.state_label) == ("就业见习岗位申请", "未审核")
    with pytest.raises(NotFollowed):   # a unit's credit code is no key to an individual's case
        lookup(dbsession, catalogue, case.reference, f.new_credit_code())


def test_malformed_input_is_refused_per_field_without_asking_the_database(dbsession, catalogue, unit_case):
    cases = [
        ("", "", {"reference": "请输入办件编号", "code": "请输入证件号码"}),
        ("JX-1401-2026-1", unit_case["code"], {"reference": "办件编号格式不正确"}),
        (unit_case["reference"], "12345", {"code": "证件号码应为18位"}),
        (unit_case["reference"], unit_case["code"][:-1] + "0" if not unit_case["code"].endswith("0")
         else unit_case["code"][:-1] + "1", {"code": "证件号码有误"}),
        (unit_case["reference"] + "\x00", unit_case["code"], {"reference": "办件编号格式不正确"}),
        ("x" * 500, None, {"reference": "办件编号格式不正确", "code": "证件号码格式不正确"}),
    ]
    for reference, code, wanted in cases:
        with pytest.raises(ValidationFailed) as refused:
            lookup(dbsession, catalogue, reference, code)
        got = {e.field: e.message for e in refused.value.errors}
        assert set(got) == set(wanted) and all(got[k].startswith(v) for k, v in wanted.items()), got
    dbsession.rollback()
    assert dbsession.scalar(select(func.count()).select_from(RateLimit)) == 0


def test_lookups_from_one_address_are_limited(dbsession, catalogue, unit_case):
    rules = Limits(Limit("progress.address", 3, timedelta(minutes=10)), ROOMY.per_reference)
    for _ in range(3):
        lookup(dbsession, catalogue, unit_case["reference"], unit_case["code"], rules)
    with pytest.raises(TooManyLookups) as refused:
        lookup(dbsession, catalogue, unit_case["reference"], unit_case["code"], rules)
    minutes = -(-refused.value.retry_after // 60)
    assert refused.value.message == f"查询过于频繁，请{minutes}分钟后再试" and 0 < refused.value.retry_after <= 600
    assert refused.value.kind == "throttled"
    # Another address is not held back.
    assert lookup(dbsession, catalogue, unit_case["reference"], unit_case["code"], rules, address="10.0.0.2")


def test_failed_lookups_of_a_reference_are_limited_from_every_address(dbsession, catalogue, unit_case):
    rules = Limits(ROOMY.per_address, Limit("progress.reference", 3, timedelta(hours=1)))
    reference, code = unit_case["reference"], unit_case["code"]
    for _ in range(5):   # the right code does not count against the reference
        lookup(dbsession, catalogue, reference, code, rules)
    for i in range(3):
        with pytest.raises(NotFollowed):
            lookup(dbsession, catalogue, reference, f.new_credit_code(), rules, address=f"10.0.1.{i}")
    # Now the reference is closed for the hour, to every address, even with the right code.
    with pytest.raises(TooManyLookups):
        lookup(dbsession, catalogue, reference, code, rules, address="10.0.2.1")
    # An unknown reference is limited the same way, so the limit says nothing about which exist.
    unknown = reference[:-6] + "999999"
    for i in range(3):
        with pytest.raises(NotFollowed):
            lookup(dbsession, catalogue, unknown, code, rules, address=f"10.0.3.{i}")
    with pytest.raises(TooManyLookups):
        lookup(dbsession, catalogue, unknown, code, rules)


def test_the_limits_come_from_the_ini():
    rules = progress.limits({"jianxi.progress_limit_per_address": "50/5m"})
    assert (rules.per_address.limit, rules.per_address.window) == (50, timedelta(minutes=5))
    assert (rules.per_reference.limit, rules.per_reference.window) == (5, timedelta(hours=1))
    assert progress.limits({}).per_address.limit == 20
    with pytest.raises(ValueError, match="jianxi.progress_limit_per_reference"):
        progress.limits({"jianxi.progress_limit_per_reference": "five"})
