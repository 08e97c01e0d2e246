"""Who is concerned: every agent of the unit, and only the reviewers who must act next (jurisdiction and level)."""
from __future__ import annotations

from engine.attachments import attach
from engine.cases.lifecycle import save_draft, submit, transition
from engine.notices.recipients import acting_reviewers, case_owners
from tests import factories as f


def test_the_owner_is_every_active_agent_of_the_unit_and_only_that_unit(dbsession, catalogue, storage, people):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    assert [a.login_name for a in case_owners(dbsession, case)] == [people["unit"].login_name, "JINYANG02"]
    people["colleague"].active = False
    assert [a.login_name for a in case_owners(dbsession, case)] == [people["unit"].login_name]


def test_an_individuals_case_belongs_to_that_account_alone(dbsession):
    from engine.models import Case
    person = f.individual_account(dbsession)
    other = f.individual_account(dbsession, name="赵一")
    case = Case(item_key="x", definition_version=1, workflow_key="review", state="submitted", account_id=person.id,
                data={})
    assert case_owners(dbsession, case) == [person] and other not in case_owners(dbsession, case)


def test_single_level_review_every_covering_reviewer_and_no_other(dbsession, catalogue, storage, people):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])   # 小店区, 太原市
    got = {a.login_name for a in acting_reviewers(dbsession, catalogue.workflows["review"], case)}
    assert got == {"sheng", "taiyuan", "xiaodian"}   # not 迎泽区 (another county), not 大同市
    people["taiyuan"].active = False
    got = {a.login_name for a in acting_reviewers(dbsession, catalogue.workflows["review"], case)}
    assert got == {"sheng", "xiaodian"}


def test_two_level_review_the_level_that_acts_next(dbsession, two_level, storage, people):
    s, cat = dbsession, two_level
    unit = people["unit"]
    f.approved_unit(s, cat, storage, unit, people["province"])
    item = cat.item("mentor_claim")
    case = save_draft(s, cat, item, unit, {"claim_month": "2026-10", "trainees": 3, "amount": 9000,
                                           "contact_name": "李红", "contact_mobile": "13912345678"})
    attach(s, storage, cat, case, "claim_form", "申领表.pdf", f.PDF, unit)
    submit(s, cat, item, unit, case.data, case=case)
    wf = cat.workflows["two_level_review"]
    assert [a.login_name for a in acting_reviewers(s, wf, case)] == ["xiaodian"]   # 待县级审核: the county only
    transition(s, cat, case, "county_approve", people["xiaodian"])
    assert [a.login_name for a in acting_reviewers(s, wf, case)] == ["taiyuan"]    # 待市级审核: the city only
    transition(s, cat, case, "approve", people["taiyuan"])
    assert acting_reviewers(s, wf, case) == []                                       # an outcome: nobody


def test_a_draft_has_no_reviewer(dbsession, catalogue, people):
    draft = save_draft(dbsession, catalogue, catalogue.item("unit_application"), people["unit"], {})
    assert acting_reviewers(dbsession, catalogue.workflows["review"], draft) == []
