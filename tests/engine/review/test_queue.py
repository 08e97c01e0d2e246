"""engine.review.queue and filters: the jurisdiction-scoped queue, its counts and its filters."""
from __future__ import annotations


import json
import shutil
from datetime import timedelta

import pytest

from engine import review
from engine.cases.lifecycle import submit, transition
from engine.loader import default_dirs, load_catalogue
from engine.models import Case, utcnow
from engine.review.filters import QueueQuery
from engine.workflow import TransitionNotAllowed
from tests import factories as f
from tests.engine.review.conftest import ids


def test_the_queue_is_scoped_exactly_like_the_case_acl(dbsession, catalogue, people, spread):
    q = lambda who, **kw: ids(review.queue.queue(dbsession, catalogue, people[who], QueueQuery(**kw)))  # noqa: E731
    xd, yz, pc = spread["xiaodian"].id, spread["yingze"].id, spread["pingcheng"].id
    assert q("province") == [xd, yz, pc]
    assert q("taiyuan") == [xd, yz]
    assert q("xiaodian") == [xd]
    assert q("datong") == [pc]
    # Filters narrow inside the jurisdiction and never widen it.
    assert q("taiyuan", county="140106") == [yz]
    assert q("taiyuan", county="140213") == []
    assert q("taiyuan", city="140200") == []
    assert q("xiaodian", city="140100") == [xd]
    assert q("province", city="140200") == [pc]
    # The draft is the unit's business.
    assert spread["draft"].id not in q("province", state="draft")
    nobody = f.reviewer(dbsession, "nowhere", None, "未设置")
    assert ids(review.queue.queue(dbsession, catalogue, nobody, QueueQuery())) == []


def test_counts_per_state_days_waited_and_order(dbsession, catalogue, people, spread):
    transition(dbsession, catalogue, spread["yingze"], "approve", people["taiyuan"])
    c = dbsession.get(Case, spread["xiaodian"].id)
    c.submitted_at = utcnow() - timedelta(days=9, hours=1)
    dbsession.commit()
    page = review.queue.queue(dbsession, catalogue, people["taiyuan"], QueueQuery())
    # every state a reviewer sees has its count, the empty ones 0 (the tabs stay), the claims' two levels too
    assert {c.state: c.count for c in page.counts} == {"submitted": 1, "approved": 1, "rejected": 0, "returned": 0,
                                                       "revoked": 0, "county_review": 0, "city_review": 0,
                                                       "publicity": 0, "payable": 0, "paid": 0}
    assert page.queue_count == 1 and page.total == 1
    row = page.rows[0]
    assert (row.id, row.days_waited, row.state_label, row.unit_name) == (
        spread["xiaodian"].id, 9, "未审核", "小店科技有限公司")
    assert row.actionable and row.as_dict()["unit"]["name"] == "小店科技有限公司"
    approved = review.queue.queue(dbsession, catalogue, people["taiyuan"], QueueQuery(state="approved"))
    assert ids(approved) == [spread["yingze"].id] and not approved.rows[0].actionable
    # a finished case has waited for nobody and is nobody's claim
    done = approved.rows[0]
    assert (done.waiting, done.days_waited, done.claimed_by) == (False, None, None) and row.waiting


def test_filters_item_month_and_unit(dbsession, catalogue, people, spread):
    month = spread["xiaodian"].submitted_month
    q = lambda **kw: ids(review.queue.queue(dbsession, catalogue, people["province"], QueueQuery(**kw)))  # noqa: E731
    assert q(month=month) == [spread["xiaodian"].id, spread["yingze"].id, spread["pingcheng"].id]
    assert q(month="2001-01") == []
    assert q(item="post_application") == []
    assert q(q="迎泽") == [spread["yingze"].id]
    assert q(q=spread["pingcheng"].unit.credit_code.lower()) == [spread["pingcheng"].id]
    assert q(q="100%_") == []  # LIKE wildcards are text here


def test_month_filter_is_the_stored_申办月份_even_across_a_time_zone_edge(dbsession, catalogue, people, spread):
    case = dbsession.get(Case, spread["xiaodian"].id)
    # Submitted at 01:00 Beijing time on 1 April, recorded as April, stored in UTC as 31 March.
    case.submitted_at = case.submitted_at.replace(year=2026, month=3, day=31, hour=17)
    case.submitted_month = "2026-04"
    dbsession.commit()
    q = lambda m: ids(review.queue.queue(dbsession, catalogue, people["province"], QueueQuery(month=m)))  # noqa: E731
    assert q("2026-04") == [case.id]
    assert q("2026-03") == []


def test_counts_above_the_cap_say_so(dbsession, catalogue, people, spread, monkeypatch):
    monkeypatch.setattr(review.queue, "COUNT_CAP", 2)
    page = review.queue.queue(dbsession, catalogue, people["province"], QueueQuery())
    assert page.queue_count == 3 and page.queue_shown == "2+"
    assert [c.shown for c in page.counts if c.count] == ["2+"]


def test_query_params_round_trip_and_bad_values_are_named(catalogue):
    query, errors = QueueQuery.from_params(
        {"item": "nope", "state": "bogus", "month": "2026/3", "city": "140100", "county": "140213",
         "page": "-2", "per_page": "500"}, catalogue)
    assert errors == {"item": "没有这个事项", "state": "没有这个审核状态",
                      "county": "所选县（市、区）不属于所选地市"}
    assert (query.month, query.city, query.page, query.per_page) == ("2026-03", "140100", 1, 100)
    assert query.params(page=3) == {"month": "2026-03", "city": "140100", "per_page": 100, "page": 3}


TWO_LEVEL = {
    "key": "two_level", "title": "两级审核", "initial": "draft",
    "states": [{"name": "draft", "label": "草稿", "editable": True},
               {"name": "submitted", "label": "待县级审核", "queue": True},
               {"name": "county_ok", "label": "待市级审核", "queue": True},
               {"name": "approved", "label": "审核通过", "final": True}],
    "transitions": [
        {"trigger": "submit", "source": "draft", "dest": "submitted", "roles": ["unit"], "label": "提交",
         "validates": True},
        {"trigger": "county_approve", "source": "submitted", "dest": "county_ok", "roles": ["reviewer"],
         "reviewer_levels": ["county"], "label": "县级审核通过", "style": "primary"},
        {"trigger": "approve", "source": "county_ok", "dest": "approved", "roles": ["reviewer"],
         "reviewer_levels": ["city"], "label": "市级审核通过", "style": "primary"}]}


def two_level_catalogue(tmp_path, workflow: dict = TWO_LEVEL):
    """The shipped definitions plus `post_two_level`: a post application reviewed by the county, then the city."""
    forms, workflows = default_dirs()
    new_forms, new_workflows = tmp_path / "forms", tmp_path / "workflows"
    new_forms.mkdir()
    new_workflows.mkdir()
    for p in forms.glob("*.json"):
        (new_forms / p.name).write_text(p.read_text("utf-8"), "utf-8")
    shutil.copytree(forms / "schemes", new_forms / "schemes")   # the claim item's subsidy scheme
    for p in workflows.glob("*.json"):
        (new_workflows / p.name).write_text(p.read_text("utf-8"), "utf-8")
    (new_workflows / "two_level.json").write_text(json.dumps(workflow, ensure_ascii=False), "utf-8")
    item = json.loads((forms / "post_application.json").read_text("utf-8"))
    item.update(key="post_two_level", title="两级审核岗位申请", workflow="two_level", order=99)
    item.pop("publish")
    (new_forms / "post_two_level.json").write_text(json.dumps(item, ensure_ascii=False), "utf-8")
    return load_catalogue(new_forms, new_workflows)


def test_the_default_queue_holds_only_what_this_level_can_act_on(tmp_path, dbsession, people, world_unit):
    catalogue = two_level_catalogue(tmp_path)
    case = submit(dbsession, catalogue, catalogue.item("post_two_level"), world_unit, f.post_data())
    dbsession.commit()
    default = lambda who: ids(review.queue.queue(dbsession, catalogue, people[who], QueueQuery()))  # noqa: E731
    assert default("xiaodian") == [case.id] and default("taiyuan") == [] and default("province") == []
    review.actions.act(dbsession, catalogue, case, "county_approve", people["xiaodian"])
    dbsession.commit()
    assert default("xiaodian") == [] and default("taiyuan") == [case.id]
    page = review.queue.queue(dbsession, catalogue, people["taiyuan"], QueueQuery())
    assert page.rows[0].state_label == "待市级审核" and page.queue_count == 1
    with pytest.raises(TransitionNotAllowed):
        review.actions.act(dbsession, catalogue, case, "approve", people["xiaodian"])
    review.actions.act(dbsession, catalogue, case, "approve", people["taiyuan"])
    assert case.state == "approved"
