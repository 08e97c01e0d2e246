"""engine.ratings.rating: one rating per ended case, by its owner only, with a comment when it is bad."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from engine.cases.lifecycle import save_draft, transition
from engine.errors import AccessDenied
from engine.models import Account, Case, Notice, Rating, RatingFollowup
from engine.ratings import rating as R
from engine.ratings.followups import RatingError
from engine.ratings import scale
from tests import factories as f
from tests.engine.ratings.conftest import GOOD, levels


def count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


def test_the_owner_rates_an_ended_case_once(dbsession, catalogue, people, approved):
    s = dbsession
    rating = R.rate(s, catalogue, approved, people["unit"], {**levels(4, guide=3), "comment": "  顺利  "})
    s.commit()
    assert (rating.efficiency, rating.guide, rating.overall, rating.comment, rating.bad) == (4, 3, 4, "顺利", False)
    assert (rating.item_key, rating.city_code, rating.county_code) == (approved.item_key, "140100", "140105")
    assert rating.account_id == people["unit"].id and rating.unit_id == approved.unit_id
    assert count(s, RatingFollowup) == 0
    # Another agent of the same unit is the same applicant: the case is rated already.
    with pytest.raises(RatingError) as e:
        R.rate(s, catalogue, approved, people["colleague"], GOOD)
    assert (e.value.kind, e.value.message) == ("conflict", "该办件已评价")
    assert count(s, Rating) == 1


def test_a_bad_level_needs_a_reason_and_every_level_must_be_given(dbsession, catalogue, people, approved):
    s = dbsession
    with pytest.raises(RatingError) as e:
        R.rate(s, catalogue, approved, people["unit"], levels(5, usability=2, comment="   "))
    assert e.value.kind == "invalid"
    assert [x.as_dict() for x in e.value.errors] == [
        {"field": "comment", "message": "评价为“不满意”或“非常不满意”时，请说明原因"}]
    with pytest.raises(RatingError) as e:
        R.rate(s, catalogue, approved, people["unit"], {"efficiency": 6, "guide": "4", "convenience": True,
                                                        "usability": "", "comment": "长" * 501})
    assert {x.field for x in e.value.errors} == {"efficiency", "guide", "convenience", "usability", "overall", "comment"}
    assert "评价说明最多500字（现为501字）" in [x.message for x in e.value.errors]
    assert count(s, Rating) == 0
    # A good rating needs no comment; the form's strings are read as scores.
    with pytest.raises(RatingError) as e:
        R.rate(s, catalogue, approved, people["unit"], {d.key: "3" for d in scale.ALL})
    assert len(e.value.errors) == len(scale.ALL)          # the API sends integers
    rating = R.rate(s, catalogue, approved, people["unit"], {d.key: " 3" for d in scale.ALL}, text=True)
    assert rating.overall == 3 and rating.comment is None and not rating.bad


def test_only_the_owner_rates_and_only_once_the_case_has_ended(dbsession, catalogue, storage, people, approved,
                                                               admin):
    s = dbsession
    for who, kind in (("other", "forbidden"), ("taiyuan", "forbidden"), ("admin", "forbidden"),
                      ("datong", "not_found")):
        with pytest.raises(AccessDenied) as e:
            R.rate(s, catalogue, approved, admin if who == "admin" else people[who], GOOD)
        assert e.value.kind == kind, who
    draft = save_draft(s, catalogue, catalogue.item("post_application"), people["unit"], f.post_data())
    waiting = f.submitted_unit_application(s, catalogue, storage, people["other"])
    with pytest.raises(RatingError) as e:
        R.rate(s, catalogue, draft, people["unit"], GOOD)
    assert (e.value.kind, e.value.message) == ("conflict", "该申请尚未提交，办结后才能评价")
    with pytest.raises(RatingError) as e:
        R.rate(s, catalogue, waiting, people["other"], GOOD)
    assert e.value.message == "该申请尚未办结（当前状态：未审核），办结后才能评价"
    # Rejected is an end too.
    transition(s, catalogue, waiting, "reject", people["province"], comment="不符合条件")
    assert R.rate(s, catalogue, waiting, people["other"], GOOD).case_id == waiting.id
    assert count(s, Rating) == 1


def test_a_bad_rating_opens_a_follow_up_told_to_the_level_that_decided(dbsession, catalogue, people, approved):
    s = dbsession
    rating = R.rate(s, catalogue, approved, people["unit"], levels(4, efficiency=2, overall=1, comment="等了很久"))
    s.commit()
    followup = s.scalars(select(RatingFollowup)).one()
    assert (followup.rating_id, followup.case_id, followup.level) == (rating.id, approved.id, "city")
    assert (followup.city_code, followup.county_code, followup.closed_at) == ("140100", "140105", None)
    told = s.scalars(select(Notice).where(Notice.kind == "rating_bad")).all()
    # The city decided it: 太原市's reviewers are told, not the county's, the province or another city.
    assert {n.recipient_id for n in told} == {people["taiyuan"].id}
    assert told[0].link == f"/review/followups/{followup.id}"
    assert "办事效率：不满意；整体评价：非常不满意" in told[0].body and "等了很久" in told[0].body


def test_a_batch_stored_by_its_import_is_followed_up_by_the_most_local_reviewers(dbsession, catalogue, people,
                                                                                 approved):
    from engine.batch.store import store_batch
    s = dbsession
    position = f.published_position(s, catalogue, people["unit"], people["province"])
    batch = store_batch(s, catalogue, catalogue.item("match_report"), people["unit"], [(2, {
        "name": "王小丽", "id_number": f.new_id_number("20030517"), "mobile": "13812345678", "education": "本科",
        "school": "山西大学", "major": "会计学", "graduated_on": "2026-07-01", "category": "离校2年内未就业高校毕业生",
        "position": position.name, "__position": position, "start_date": "2026-09-01",
        "end_date": "2027-02-28", "allowance": 2600, "insurance_no": "P-1"})], "m.xlsx")
    assert R.state_problem(catalogue, batch) is None          # 审核通过 (stored) is an end
    R.rate(s, catalogue, batch, people["unit"], levels(2, comment="模板难用"))
    s.commit()
    told = {n.recipient_id for n in s.scalars(select(Notice).where(Notice.kind == "rating_bad"))}
    assert told == {people["xiaodian"].id}
    assert s.scalars(select(RatingFollowup.level)).one() == "county"


def test_the_rating_panel_reads_it_back_and_masks_id_numbers_for_staff(dbsession, catalogue, people, approved):
    s = dbsession
    before = R.rating_panel(s, catalogue, approved, people["unit"])
    assert before == {"rating": None, "rateable": True, "reason": None}
    assert R.rating_panel(s, catalogue, approved, people["taiyuan"])["rateable"] is False
    number = f.new_id_number()
    R.rate(s, catalogue, approved, people["unit"], levels(1, comment=f"经办人身份证{number}被要求重复提供"))
    mine = R.rating_panel(s, catalogue, approved, people["colleague"])
    assert mine["rateable"] is False and mine["reason"] == "该办件已评价"
    assert number in mine["rating"]["comment"]
    staff = R.rating_panel(s, catalogue, approved, people["taiyuan"])["rating"]
    assert number not in staff["comment"] and number[:4] + "*" * 10 + number[-4:] in staff["comment"]
    assert [lv["level"] for lv in staff["levels"]] == ["非常不满意"] * 5
    assert staff["followup"]["status"] == "open" and staff["followup"]["deadline"].clock == "running"
    doc = R.rating_document(s, catalogue, approved, people["unit"])
    assert doc["rating"]["overall"] == 1 and doc["rating"]["followup"]["deadline"]["remaining_workdays"] == 15
    assert doc["scale"]["levels"][0] == {"score": 5, "label": "非常满意", "satisfied": True, "bad": False}


def test_rateable_ids_are_the_ended_unrated_cases(dbsession, catalogue, storage, people, approved):
    s = dbsession
    waiting = f.submitted_unit_application(s, catalogue, storage, people["other"])
    assert R.rateable_ids(s, catalogue, [approved, waiting]) == {approved.id}
    R.rate(s, catalogue, approved, people["unit"], GOOD)
    assert R.rateable_ids(s, catalogue, [approved, waiting]) == set()


def test_two_ratings_at_the_same_moment_one_is_refused(session_factory, catalogue, storage, is_postgres,
                                                        monkeypatch):
    """Two tabs (two connections) rating the same case at once: both pass the check for an earlier rating
    (made certain here: the check sees nothing), the unique case_id lets one through and the other's insert,
    waiting on the first's, fails and is told 该办件已评价."""
    if not is_postgres:
        pytest.skip("concurrent writers need PostgreSQL; SQLite web requests serialise on BEGIN IMMEDIATE")
    setup = session_factory()
    approver = f.reviewer(setup, "taiyuan", "140100", "太原市审核员")
    unit = f.unit_account(setup, name="山西晋阳智能科技有限公司")
    case_id = f.approved_unit(setup, catalogue, storage, unit, approver).id
    setup.commit()
    unit_id = unit.id
    setup.close()
    monkeypatch.setattr(R, "rating_of", lambda session, case_id: None)
    barrier = threading.Barrier(2)
    outcome: list = [None, None]
    errors: list = []

    def work(i):
        s = session_factory()
        try:
            case, me = s.get(Case, case_id), s.get(Account, unit_id)
            barrier.wait()
            try:
                R.rate(s, catalogue, case, me, levels(5 - i, comment=f"第{i}个"))
                s.commit()
                outcome[i] = "rated"
            except RatingError as e:
                s.rollback()
                outcome[i] = e.message
        except Exception as e:  # pragma: no cover - shown by the assertion below
            errors.append(e)
        finally:
            s.close()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(work, range(2)))
    assert errors == []
    assert sorted(outcome) == sorted(["rated", "该办件已评价"])
    with session_factory() as check:
        assert count(check, Rating) == 1
