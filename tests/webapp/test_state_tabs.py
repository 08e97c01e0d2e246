"""个人中心 tabs, the 审核状态 filter and the reviewers' queues come from the workflows: a workflow with three
review levels (县级待审 → 市级待审 → 省级待审), dropped into a copy of the definition folders, gets them with
no Python."""
from __future__ import annotations

import json

import pytest

from engine.attachments import attach
from engine.cases.lifecycle import save_draft, submit
from engine.review.actions import act
from tests import factories as f
from tests.webapp.pages import soup
from tests.webapp.test_new_item import SUBSIDY, definitions, queue_rows

THREE_LEVEL = {
    "key": "three_level_review",
    "title": "三级审核（县、市、省）",
    "initial": "draft",
    "states": [
        {"name": "draft", "label": "草稿", "editable": True},
        {"name": "county_pending", "label": "县级待审", "queue": True, "reviewer_level": "county"},
        {"name": "city_pending", "label": "市级待审", "queue": True, "reviewer_level": "city"},
        {"name": "province_pending", "label": "省级待审", "queue": True, "reviewer_level": "province"},
        {"name": "approved", "label": "审核通过", "final": True},
        {"name": "rejected", "label": "审核不通过", "final": True},
        {"name": "returned", "label": "退回修改", "editable": True},
    ],
    "transitions": [
        {"trigger": "submit", "source": ["draft", "returned"], "dest": "county_pending", "roles": ["unit"],
         "label": "提交", "style": "primary", "validates": True,
         "conditions": ["attachments_complete", "requires_met"], "effects": ["assign_reference"]},
        {"trigger": "pass_county", "source": "county_pending", "dest": "city_pending", "roles": ["reviewer"],
         "label": "县级审核通过", "style": "primary"},
        {"trigger": "pass_city", "source": "city_pending", "dest": "province_pending", "roles": ["reviewer"],
         "label": "市级审核通过", "style": "primary"},
        {"trigger": "approve", "source": "province_pending", "dest": "approved", "roles": ["reviewer"],
         "label": "省级审核通过", "style": "primary"},
        {"trigger": "reject", "source": ["county_pending", "city_pending", "province_pending"], "dest": "rejected",
         "roles": ["reviewer"], "label": "审核不通过", "comment": "required", "style": "danger"},
        {"trigger": "return_for_correction", "source": ["county_pending", "city_pending", "province_pending"],
         "dest": "returned", "roles": ["reviewer"], "label": "退回修改", "comment": "required"},
    ],
}
ITEM = {**json.loads(json.dumps(SUBSIDY)), "key": "three_level_claim", "title": "三级审核补贴申领",
        "workflow": "three_level_review", "order": 61}


@pytest.fixture
def three_levels(tmp_path, world, dbsession, storage):
    """The catalogue with the three-level item, and one of the unit's cases waiting at each level."""
    catalogue = definitions(tmp_path, "three", item=ITEM, workflow=THREE_LEVEL)
    county = f.reviewer(dbsession, "xiaodian", "140105", "小店区审核员")
    item = catalogue.item("three_level_claim")
    cases = []
    for month in ("2026-01", "2026-02", "2026-03"):
        data = {"claim_month": month, "trainees": 2, "amount": 8000, "contact_name": "李红",
                "contact_mobile": "13912345678"}
        case = save_draft(dbsession, catalogue, item, world["unit"], data)
        attach(dbsession, storage, catalogue, case, "claim_form", "申领表.png", f.PNG, world["unit"])
        cases.append(submit(dbsession, catalogue, item, world["unit"], data, case=case))
    at_county, at_city, at_province = cases
    for case in (at_city, at_province):
        act(dbsession, catalogue, case, "pass_county", county)
    act(dbsession, catalogue, at_province, "pass_city", world["taiyuan"])
    dbsession.commit()
    return catalogue, {"county_pending": at_county.id, "city_pending": at_city.id,
                       "province_pending": at_province.id}


def tabs_of(page) -> dict[str, tuple[str, str]]:
    return {a["data-tab"]: (a.contents[0].strip(), a.select_one(".count").get_text())
            for a in soup(page).select("nav.tabs a[data-tab]")}


def test_every_review_level_counts_under_one_tab_with_each_row_labelled_and_filterable(three_levels, apps, world):
    catalogue, ids = three_levels
    unit = apps(catalogue)()
    unit.login(world["unit"].login_name)
    page = unit.app.get("/me/cases")
    # The unit application and the position (both 审核通过) plus one case at each of the three levels.
    assert tabs_of(page) == {"queue": ("审核中", "3"), "approved": ("审核通过", "2"), "rejected": ("审核不通过", "0"),
                             "returned": ("退回修改", "0"), "draft": ("草稿", "0"), "revoked": ("已撤销", "0"),
                             "publicity": ("公示中", "0"), "payable": ("待拨付", "0"), "paid": ("已拨付", "0")}
    assert list(tabs_of(page)) == ["queue", "approved", "publicity", "rejected", "returned", "draft", "revoked",
                                   "payable", "paid"]

    waiting = unit.app.get("/me/cases", {"state": "queue"})
    rows = {int(tr["data-case"]): tr.select_one(".state").get_text() for tr in soup(waiting).select("tbody tr")}
    assert rows == {ids["county_pending"]: "县级待审", ids["city_pending"]: "市级待审",
                    ids["province_pending"]: "省级待审"}
    assert soup(waiting).select_one("nav.tabs a[aria-current=page]")["data-tab"] == "queue"

    options = [(o["value"], o.get_text().strip()) for o in soup(page).select("#f-state option")]
    # The shipped 见习补贴申领's two levels come first (its workflow file, claim_review, sorts first).
    assert options == [("", "全部"), ("queue", "审核中"), ("county_review", "待县级审核"), ("city_review", "待市级审核"),
                       ("submitted", "未审核"), ("county_pending", "县级待审"),
                       ("city_pending", "市级待审"), ("province_pending", "省级待审"), ("approved", "审核通过"),
                       ("publicity", "公示中"), ("rejected", "审核不通过"), ("returned", "退回修改"), ("draft", "草稿"),
                       ("revoked", "已撤销"), ("payable", "待拨付"), ("paid", "已拨付")]
    for state, case_id in ids.items():
        one = unit.app.get("/me/cases", {"state": state})
        assert [int(tr["data-case"]) for tr in soup(one).select("tbody tr")] == [case_id]
        assert soup(one).select_one("#f-state option[selected]")["value"] == state

    listed = unit.api("GET", "/api/cases?state=queue").json
    assert listed["total"] == 3
    assert listed["counts"] == {"county_pending": 1, "city_pending": 1, "province_pending": 1, "approved": 2}
    assert listed["tabs"][0] == {"state": "queue", "label": "审核中", "count": 3}


def test_each_level_reviewer_sees_its_own_state_with_its_label_and_count(three_levels, apps, world):
    catalogue, ids = three_levels
    web = apps(catalogue)
    for login, state, label in (("xiaodian", "county_pending", "县级待审"), ("taiyuan", "city_pending", "市级待审"),
                                ("sheng", "province_pending", "省级待审")):
        reviewer = web()
        reviewer.login(login, tab="staff")
        page = reviewer.app.get("/review")
        rows = queue_rows(page)
        assert list(rows) == [ids[state]] and label in rows[ids[state]], login
        assert soup(page).select_one("[data-testid=count-queue]").get_text() == "1"
        # Every level's waiting cases have a tab of their own, labelled as the workflow says.
        tabs = {a.select_one(".count")["data-testid"]: a.get_text(strip=True)
                for a in soup(page).select("nav.tabs a") if a.select_one(".count")}
        for other, other_label in (("county_pending", "县级待审"), ("city_pending", "市级待审"),
                                   ("province_pending", "省级待审")):
            assert tabs[f"count-{other}"] == f"{other_label}1", login
        only = reviewer.app.get("/review", {"state": state})
        assert list(queue_rows(only)) == [ids[state]]
        counts = {c["state"]: (c["label"], c["count"]) for c in reviewer.api("GET", "/api/review/cases").json["counts"]}
        assert counts[state] == (label, 1), login
