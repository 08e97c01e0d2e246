"""An item held once (`change`): one case in progress at a time, and once one is in force, a change of it."""
import threading

import pytest
from sqlalchemy import func, select

from engine.cases.lifecycle import new_case, save_draft, start_change, submit, transition
from engine.cases.standing import standing
from engine.errors import CaseExists
from engine.models import Account, Case, CaseEvent
from engine.positions.profile import unit_profile
from tests import factories as f


@pytest.fixture
def item(catalogue):
    return catalogue.item("unit_application")


@pytest.fixture
def province(dbsession):
    return f.reviewer(dbsession, login="sheng", jurisdiction="140000")


def test_a_case_in_review_is_not_started_or_submitted_twice(dbsession, catalogue, storage, item):
    account = f.unit_account(dbsession)
    draft = save_draft(dbsession, catalogue, item, account, {"address": "早先的草稿"})   # drafts are no case yet
    first = f.submitted_unit_application(dbsession, catalogue, storage, account)
    assert standing(dbsession, catalogue, item, account.unit_id, account.id).in_progress is first
    with pytest.raises(CaseExists) as e:
        save_draft(dbsession, catalogue, item, account, {"address": "第二份"})
    assert e.value.info["case_id"] == first.id
    assert e.value.message == f"贵单位已有一件就业见习单位申请正在办理（编号{first.reference}，未审核），请勿重复申请"
    with pytest.raises(CaseExists):
        submit(dbsession, catalogue, item, account, f.unit_application_data(account.unit.name), case=draft)
    assert draft.state == "draft"


def test_an_approved_unit_gets_no_blank_duplicate(dbsession, catalogue, storage, item, province):
    account = f.unit_account(dbsession)
    old_draft = save_draft(dbsession, catalogue, item, account, {"address": "认定前的草稿"})
    approved = f.approved_unit(dbsession, catalogue, storage, account, province)
    since = dbsession.scalar(select(CaseEvent.at).where(CaseEvent.case_id == approved.id,
                                                        CaseEvent.to_state == "approved"))
    with pytest.raises(CaseExists) as e:
        save_draft(dbsession, catalogue, item, account, {})
    assert e.value.message == (f"贵单位已通过就业见习单位认定（编号{approved.reference}，认定日期{since:%Y-%m-%d}），"
                               "如需修改，请申请变更")
    assert e.value.info == {"case_id": approved.id, "reference": approved.reference, "state": "approved",
                            "change": True}
    # A draft left from before the approval is no change of it either.
    data = f.unit_application_data(account.unit.name)
    with pytest.raises(CaseExists):
        submit(dbsession, catalogue, item, account, data, case=old_draft)
    with pytest.raises(CaseExists):
        submit(dbsession, catalogue, item, account, data)


def test_a_change_starts_from_the_case_in_force_and_replaces_it_on_approval(dbsession, catalogue, storage, item,
                                                                             province):
    account = f.unit_account(dbsession)
    approved = f.approved_unit(dbsession, catalogue, storage, account, province)
    change = start_change(dbsession, catalogue, item, account)
    assert (change.change_of, change.state, change.submitted_at) == (approved.id, "draft", None)
    assert change.data == {**approved.data, "bank_account_confirm": approved.data["bank_account"]}
    assert [(a.slot, a.storage_key) for a in change.attachments] == [
        (a.slot, a.storage_key) for a in approved.attachments]
    assert start_change(dbsession, catalogue, item, account) is change   # continued, not a second draft
    data = {**change.data, "address": "太原市小店区长风街8号"}
    submit(dbsession, catalogue, item, account, data, case=change)
    # In review: the approval stays in force; nobody starts a third.
    found = standing(dbsession, catalogue, item, account.unit_id, account.id)
    assert (found.in_force.case, found.in_progress) == (approved, change)
    assert unit_profile(dbsession, catalogue, account.unit_id)["address"] == "太原市小店区长治路123号"
    with pytest.raises(CaseExists):
        start_change(dbsession, catalogue, item, account)
    transition(dbsession, catalogue, change, "approve", province)
    found = standing(dbsession, catalogue, item, account.unit_id, account.id)
    assert (found.in_force.case, found.in_progress) == (change, None)
    assert approved.state == "approved"   # kept as history
    assert unit_profile(dbsession, catalogue, account.unit_id)["address"] == "太原市小店区长风街8号"
    # A change started from a case no longer in force is refused.
    with pytest.raises(CaseExists) as e:
        new_case(dbsession, catalogue, item, account, change_of=approved.id)
    assert "已被更新的申请取代" in e.value.message


def test_a_rejected_change_leaves_the_approval_in_force_and_another_may_follow(dbsession, catalogue, storage,
                                                                              item, province):
    account = f.unit_account(dbsession)
    approved = f.approved_unit(dbsession, catalogue, storage, account, province)
    change = start_change(dbsession, catalogue, item, account)
    submit(dbsession, catalogue, item, account, change.data, case=change)
    transition(dbsession, catalogue, change, "reject", province, comment="重复申报")
    assert standing(dbsession, catalogue, item, account.unit_id, account.id).in_force.case is approved
    assert start_change(dbsession, catalogue, item, account).change_of == approved.id


def test_nothing_to_change_without_a_case_in_force(dbsession, catalogue, item):
    from engine.workflow import TransitionNotAllowed
    account = f.unit_account(dbsession)
    with pytest.raises(TransitionNotAllowed) as e:
        start_change(dbsession, catalogue, item, account)
    assert e.value.message == "没有可以变更的就业见习单位申请，请直接填写申请"
    assert dbsession.scalar(select(func.count()).select_from(Case)) == 0


def test_the_profile_is_the_case_approved_last_not_the_case_made_last(dbsession, catalogue, storage, item, province):
    # A database from before changes existed may hold two approved applications of one unit.
    account = f.unit_account(dbsession)
    older = save_draft(dbsession, catalogue, item, account, f.unit_application_data(
        account.unit.name, address="先建后批的地址"))
    newer = f.approved_unit(dbsession, catalogue, storage, account, province)
    older.state = "approved"
    dbsession.add(CaseEvent(case=older, trigger="approve", from_state="submitted", to_state="approved"))
    dbsession.flush()
    assert older.id < newer.id
    assert unit_profile(dbsession, catalogue, account.unit_id)["address"] == "先建后批的地址"
    assert standing(dbsession, catalogue, item, account.unit_id, account.id).in_force.case is older


def test_other_items_are_not_held_once(dbsession, catalogue, storage, province):
    account = f.unit_account(dbsession)
    f.approved_unit(dbsession, catalogue, storage, account, province)
    post = catalogue.item("post_application")
    for name in ("岗位一", "岗位二"):
        submit(dbsession, catalogue, post, account, f.post_data(position_name=name))
    assert dbsession.scalar(select(func.count()).select_from(Case).where(Case.item_key == post.key)) == 2


def test_two_submissions_of_one_unit_at_once_one_is_refused(session_factory, catalogue, storage, is_postgres):
    """Two tabs (two connections) submitting two drafts of the unit at the same moment: the owner's row is
    locked first, so the second sees the first in review and is refused."""
    if not is_postgres:
        pytest.skip("concurrent writers need PostgreSQL; SQLite web requests serialise on BEGIN IMMEDIATE")
    from engine.attachments import attach
    setup = session_factory()
    item = catalogue.item("unit_application")
    account = f.unit_account(setup)
    data = f.unit_application_data(account.unit.name)
    drafts = []
    for _ in range(2):
        draft = save_draft(setup, catalogue, item, account, data)
        for spec in item.attachments:
            attach(setup, storage, catalogue, draft, spec["slot"], "a.pdf", f.PDF, account)
        drafts.append(draft.id)
    setup.commit()
    account_id = account.id
    setup.close()
    barrier = threading.Barrier(2)
    outcome: list = [None, None]

    def work(i):
        s = session_factory()
        try:
            case, me = s.get(Case, drafts[i]), s.get(Account, account_id)
            barrier.wait()
            try:
                submit(s, catalogue, item, me, data, case=case)
                s.commit()
                outcome[i] = "submitted"
            except CaseExists:
                s.rollback()
                outcome[i] = "refused"
        finally:
            s.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["refused", "submitted"]
    check = session_factory()
    assert check.scalar(select(func.count()).select_from(Case).where(Case.submitted_at.is_not(None))) == 1
    check.close()
