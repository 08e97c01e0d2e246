"""engine.review: the jurisdiction-scoped queue, claims, acting, bulk actions and what changed between rounds."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from engine import access, review
from engine.errors import ClaimConflict
from engine.attachments import attach
from engine.cases import save_draft, submit, transition
from engine.loader import default_dirs, load_catalogue
from engine.models import Case, utcnow
from engine.review.filters import QueueQuery
from engine.workflow import StaleCase, TransitionNotAllowed, WorkflowError
from tests import factories as f


def ids(page):
    return [r.id for r in page.rows]


@pytest.fixture
def people(dbsession):
    s = dbsession
    return {
        "province": f.reviewer(s, "sheng", "140000", "省级审核员"),
        "taiyuan": f.reviewer(s, "taiyuan", "140100", "太原市审核员"),
        "xiaodian": f.reviewer(s, "xiaodian", "140105", "小店区审核员"),
        "datong": f.reviewer(s, "datong", "140200", "大同市审核员"),
    }


@pytest.fixture
def spread(dbsession, catalogue, storage, people):
    """Unit applications waiting in 小店区, 迎泽区 and 平城区 (大同), submitted in that order, and a draft."""
    s = dbsession
    out = {}
    for key, name, county, city in (("xiaodian", "小店科技有限公司", "140105", "140100"),
                                    ("yingze", "迎泽文化传媒有限公司", "140106", "140100"),
                                    ("pingcheng", "平城文旅有限公司", "140213", "140200")):
        unit = f.unit_account(s, name=name, mobile="13612345600")
        out[key] = f.submitted_unit_application(s, catalogue, storage, unit, city=city, county=county,
                                                address="某路1号")
    draft_unit = f.unit_account(s, name="草稿单位有限公司", mobile="13612345609")
    out["draft"] = save_draft(s, catalogue, catalogue.item("unit_application"), draft_unit,
                              f.unit_application_data("草稿单位有限公司"))
    s.commit()
    return out


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
    assert {c.state: c.count for c in page.counts} == {"submitted": 1, "approved": 1}
    assert page.queue_count == 1 and page.total == 1
    row = page.rows[0]
    assert (row.id, row.days_waited, row.state_label, row.unit_name) == (
        spread["xiaodian"].id, 9, "未审核", "小店科技有限公司")
    assert row.actionable and row.as_dict()["unit"]["name"] == "小店科技有限公司"
    approved = review.queue.queue(dbsession, catalogue, people["taiyuan"], QueueQuery(state="approved"))
    assert ids(approved) == [spread["yingze"].id] and not approved.rows[0].actionable


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
    assert [c.shown for c in page.counts] == ["2+"]


def test_query_params_round_trip_and_bad_values_are_named(catalogue):
    query, errors = QueueQuery.from_params(
        {"item": "nope", "state": "bogus", "month": "2026/3", "city": "140100", "county": "140213",
         "page": "-2", "per_page": "500"}, catalogue)
    assert errors == {"item": "没有这个事项", "state": "没有这个审核状态",
                      "county": "所选县（市、区）不属于所选地市"}
    assert (query.month, query.city, query.page, query.per_page) == ("2026-03", "140100", 1, 100)
    assert query.params(page=3) == {"month": "2026-03", "city": "140100", "per_page": 100, "page": 3}


def test_round_diff_names_the_changed_fields_and_files(dbsession, catalogue, storage, people):
    unit = f.unit_account(dbsession, name="太原改稿有限公司", mobile="13612345608")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    item = catalogue.item("unit_application")
    assert review.display.round_diff(case, item) is None
    transition(dbsession, catalogue, case, "return_for_correction", people["taiyuan"], comment="请补充")
    data = f.unit_application_data(unit.unit.name, planned_posts=12, intro="软件企业，新增带教老师")
    save_draft(dbsession, catalogue, item, unit, data, case=case)
    attach(dbsession, storage, catalogue, case, "license", "新执照.png", f.PNG, unit)
    # The same bytes again are not a change.
    attach(dbsession, storage, catalogue, case, "management_plan", "management_plan.pdf", f.PDF, unit)
    submit(dbsession, catalogue, item, unit, data, case=case)
    diff = review.display.round_diff(case, item)
    assert [(c.label, c.before, c.after) for c in diff.fields] == [
        ("拟提供岗位数", "10", "12"), ("单位简介", "软件企业", "软件企业，新增带教老师")]
    assert [(x.slot, x.before.filename, x.after.filename) for x in diff.files] == [
        ("license", "license.pdf", "新执照.png")]


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


def test_act_checks_jurisdiction_version_and_clears_the_claim(dbsession, catalogue, people, spread):
    case = spread["pingcheng"]
    with pytest.raises(TransitionNotAllowed) as e:
        review.actions.act(dbsession, catalogue, case, "approve", people["taiyuan"])
    assert e.value.message == "该申请不在您的管辖范围内"
    review.claims.claim(dbsession, case, people["datong"])
    with pytest.raises(StaleCase):
        review.actions.act(dbsession, catalogue, case, "approve", people["datong"], expected_version=case.version - 1)
    review.actions.act(dbsession, catalogue, case, "reject", people["datong"], comment="重复申报",
               expected_version=case.version)
    assert (case.state, case.claimed_by, case.events[-1].comment) == ("rejected", None, "重复申报")
    assert review.actions.why_not(dbsession, catalogue, case, "approve", people["datong"]) == \
        "当前状态“审核不通过”下不能执行此操作"


def test_bulk_gives_a_result_per_case_and_one_failure_undoes_nothing(dbsession, catalogue, people, spread):
    ok, stale, foreign = spread["xiaodian"], spread["yingze"], spread["pingcheng"]
    assert review.bulk.bulk_triggers(catalogue, people["taiyuan"]) == [("approve", "审核通过")]
    results = review.bulk.bulk(dbsession, catalogue, people["taiyuan"], "approve",
                          [(ok.id, ok.version), (stale.id, stale.version - 1), (foreign.id, None), (999999, None)])
    dbsession.commit()
    assert [(r.id, r.ok, r.message) for r in results] == [
        (ok.id, True, "已审核通过"),
        (stale.id, False, "该申请已被他人处理，当前状态：未审核"),
        (foreign.id, False, "申请不存在或不在您的管辖范围内"),
        (999999, False, "申请不存在或不在您的管辖范围内")]
    dbsession.expire_all()
    assert [dbsession.get(Case, c.id).state for c in (ok, stale, foreign)] == ["approved", "submitted", "submitted"]
    assert review.bulk.parse_selection(["3:4", "5", "x", "3:4", "7:y"]) == [(3, 4), (5, None)]
    with pytest.raises(WorkflowError):
        review.bulk.bulk(dbsession, catalogue, people["taiyuan"], "approve", [(i, None) for i in range(101)])


def test_two_sessions_at_once_exactly_one_transition_wins(session_factory, catalogue, storage, is_postgres):
    """Two threads, two connections, the same case, the same moment: one wins, one is told it is stale."""
    if not is_postgres:
        pytest.skip("concurrent writers need PostgreSQL; SQLite web requests serialise on BEGIN IMMEDIATE")
    setup = session_factory()
    r1, r2 = f.reviewer(setup, "r1"), f.reviewer(setup, "r2", name="第二审核员")
    case = f.submitted_unit_application(setup, catalogue, storage, f.unit_account(setup))
    setup.commit()
    case_id, version, reviewers = case.id, case.version, (r1.id, r2.id)
    setup.close()
    barrier = threading.Barrier(2)
    outcome: list = [None, None]

    def work(i, trigger, comment):
        s = session_factory()
        try:
            c = s.get(Case, case_id)
            me = s.get(type(r1), reviewers[i])
            barrier.wait()
            try:
                review.actions.act(s, catalogue, c, trigger, me, comment=comment, expected_version=version)
                s.commit()
                outcome[i] = "won"
            except StaleCase as e:
                s.rollback()
                outcome[i] = e.message
        finally:
            s.close()

    threads = [threading.Thread(target=work, args=(0, "approve", None)),
               threading.Thread(target=work, args=(1, "reject", "不同意"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["won", "该申请已被他人处理"]
    check = session_factory()
    stored = check.get(Case, case_id)
    assert [e.trigger for e in stored.events][0] == "submit" and len(stored.events) == 2
    assert stored.state == ("approved" if outcome[0] == "won" else "rejected")
    check.close()


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


def test_the_default_queue_holds_only_what_this_level_can_act_on(tmp_path, dbsession, people, world_unit):
    forms, workflows = default_dirs()
    new_forms, new_workflows = tmp_path / "forms", tmp_path / "workflows"
    new_forms.mkdir()
    new_workflows.mkdir()
    for p in forms.glob("*.json"):
        (new_forms / p.name).write_text(p.read_text("utf-8"), "utf-8")
    for p in workflows.glob("*.json"):
        (new_workflows / p.name).write_text(p.read_text("utf-8"), "utf-8")
    (new_workflows / "two_level.json").write_text(json.dumps(TWO_LEVEL, ensure_ascii=False), "utf-8")
    item = json.loads((forms / "post_application.json").read_text("utf-8"))
    item.update(key="post_two_level", title="两级审核岗位申请", workflow="two_level", order=99)
    item.pop("publish")
    (new_forms / "post_two_level.json").write_text(json.dumps(item, ensure_ascii=False), "utf-8")
    catalogue = load_catalogue(new_forms, new_workflows)
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


@pytest.fixture
def world_unit(dbsession, catalogue, storage, people):
    """A 小店区 unit whose unit application is approved, so it may apply for positions."""
    unit = f.unit_account(dbsession, name="两级审核测试有限公司", mobile="13612345607")
    f.approved_unit(dbsession, catalogue, storage, unit, people["province"])
    dbsession.commit()
    return unit
