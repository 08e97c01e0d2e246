"""The queue by deadline: sorted soonest due first (cases with no clock after them), the 即将超期 and 已超期
filters and their counts, and a supervisor's view of the jurisdictions below (超期督办)."""
from __future__ import annotations

import copy
from datetime import date, datetime

import pytest

from engine import clock, review
from engine.cases.lifecycle import submit
from engine.review.filters import QueueQuery
from tests import factories as f
from tests.engine.review.conftest import ids
from tests.engine.review.test_queue import TWO_LEVEL, two_level_catalogue


def bj(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=clock.BEIJING)


@pytest.fixture
def waiting(dbsession, catalogue, storage, people, clock_at):
    """Unit applications due 16 March (小店区), 23 March (迎泽区) and 25 March (大同 平城区), and one (小店区)
    with no clock, as cases waiting before time limits existed; seen on 19 March 2026."""
    s = dbsession
    out = {}
    for key, name, county, city, day in (("xiaodian", "小店科技有限公司", "140105", "140100", 2),
                                         ("yingze", "迎泽文化传媒有限公司", "140106", "140100", 9),
                                         ("pingcheng", "平城文旅有限公司", "140213", "140200", 11),
                                         ("undated", "老申请有限公司", "140105", "140100", 12)):
        clock_at(bj(2026, 3, day))
        unit = f.unit_account(s, name=name, mobile="13612345600")
        out[key] = f.submitted_unit_application(s, catalogue, storage, unit, city=city, county=county,
                                                address="某路1号")
    out["undated"].deadline_on, out["undated"].clock = None, None
    s.commit()
    clock_at(bj(2026, 3, 19))
    return out


def page(s, catalogue, who, **kw):
    return review.queue.queue(s, catalogue, who, QueueQuery(**kw))


def test_by_deadline_the_soonest_due_come_first_and_cases_without_a_clock_last(dbsession, catalogue, people,
                                                                              waiting):
    w = {k: c.id for k, c in waiting.items()}
    p = page(dbsession, catalogue, people["province"], order="deadline")
    assert ids(p) == [w["xiaodian"], w["yingze"], w["pingcheng"], w["undated"]]
    assert [r.deadline.label if r.deadline else None for r in p.rows] == [
        "已超期3个工作日", "即将超期：剩余2个工作日", "剩余4个工作日", None]
    assert p.rows[0].as_dict()["deadline"] == {
        "clock": "running", "level": "overdue", "deadline_on": "2026-03-16", "remaining_workdays": None,
        "overdue_workdays": 3, "label": "已超期3个工作日"}
    # Pages run on from the dated cases into the undated ones.
    by2 = lambda n, size=2: ids(page(dbsession, catalogue, people["province"], order="deadline",  # noqa: E731
                                     per_page=size, page=n))
    assert by2(1) + by2(2) == ids(p)
    assert by2(2, 3) == [w["undated"]]
    # The other orders still hold every case.
    assert ids(page(dbsession, catalogue, people["province"])) == [w["xiaodian"], w["yingze"], w["pingcheng"],
                                                                   w["undated"]]


def test_the_warning_and_overdue_filters_and_their_counts(dbsession, catalogue, people, waiting):
    w = {k: c.id for k, c in waiting.items()}
    province = people["province"]
    assert ids(page(dbsession, catalogue, province, deadline="overdue")) == [w["xiaodian"]]
    assert ids(page(dbsession, catalogue, province, deadline="warning")) == [w["yingze"]]
    p = page(dbsession, catalogue, province, deadline="warning", order="deadline")
    assert (p.total, p.deadline_counts) == (1, {"warning": 1, "overdue": 1})
    assert [(c.state, c.label, c.count) for c in p.deadline_filters] == [("warning", "即将超期", 1),
                                                                        ("overdue", "已超期", 1)]
    # A wider warning window takes in 平城区 (4 working days left) too.
    wide = review.queue.queue(dbsession, catalogue, province, QueueQuery(deadline="warning"),
                              board=review.queue.countdown(dbsession, 4))
    assert ids(wide) == [w["yingze"], w["pingcheng"]]
    # Scoped like everything else: 大同 sees neither of 太原's.
    assert page(dbsession, catalogue, people["datong"], order="deadline").deadline_counts == {"warning": 0,
                                                                                             "overdue": 0}
    query, errors = QueueQuery.from_params({"deadline": "soon", "scope": "everyone", "order": "deadline"}, catalogue)
    assert errors == {"deadline": "办理期限只能按“即将超期”或“已超期”筛选", "scope": "没有这个查看范围"}
    assert (query.deadline, query.scope, query.order) == (None, "mine", "deadline")
    assert QueueQuery(deadline="overdue", scope="below", order="deadline").params() == {
        "deadline": "overdue", "scope": "below", "order": "deadline"}


def test_a_supervisor_sees_the_overdue_cases_of_the_jurisdictions_below(dbsession, catalogue, people, waiting):
    w = {k: c.id for k, c in waiting.items()}
    overdue = lambda who: page(dbsession, catalogue, people[who], scope="below", deadline="overdue",  # noqa: E731
                               order="deadline")
    assert ids(overdue("province")) == [w["xiaodian"]]
    assert ids(overdue("taiyuan")) == [w["xiaodian"]]
    assert ids(overdue("datong")) == []
    # A county has nothing below it.
    county = overdue("xiaodian")
    assert ids(county) == [] and not county.supervises and overdue("taiyuan").supervises
    below = page(dbsession, catalogue, people["taiyuan"], scope="below", order="deadline")
    assert ids(below) == [w["xiaodian"], w["yingze"], w["undated"]]


def _two_level_catalogue(tmp_path):
    """The two-level workflow of test_queue with time limits: 5 working days at each level."""
    wf = copy.deepcopy(TWO_LEVEL)
    wf["states"][1]["time_limit"] = 5
    wf["states"][2]["time_limit"] = 5
    return two_level_catalogue(tmp_path, wf)


def test_each_level_has_its_own_clock_and_a_supervisor_looks_on_read_only(tmp_path, dbsession, people,
                                                                          world_unit, clock_at):
    catalogue = _two_level_catalogue(tmp_path)
    clock_at(bj(2026, 3, 2))
    case = submit(dbsession, catalogue, catalogue.item("post_two_level"), world_unit,
                  {**f.post_data(), "deadline": "2026-06-30"})
    dbsession.commit()
    assert (case.deadline_on, case.clock_round) == (date(2026, 3, 9), 1)
    clock_at(bj(2026, 3, 11))
    # Not in the city's own queue (only the county acts here), but in its 超期督办, marked as not its to act on.
    assert ids(page(dbsession, catalogue, people["taiyuan"])) == []
    watched = page(dbsession, catalogue, people["taiyuan"], scope="below", deadline="overdue")
    assert ids(watched) == [case.id]
    row = watched.rows[0]
    assert (row.state_label, row.actionable, row.deadline.label) == ("待县级审核", False, "已超期2个工作日")
    review.actions.act(dbsession, catalogue, case, "county_approve", people["xiaodian"])
    dbsession.commit()
    # The city's own clock: five working days from today.
    assert (case.state, case.deadline_on, case.clock_round) == ("county_ok", date(2026, 3, 18), 2)
    assert ids(page(dbsession, catalogue, people["taiyuan"], scope="below", deadline="overdue")) == []
