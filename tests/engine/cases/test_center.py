"""个人中心: the owner's cases by state, item and 申办月份, a page at a time, with every tab's count."""
from datetime import datetime

import pytest

from engine.cases import center
from engine.cases.lifecycle import save_draft, submit
from tests import factories as f


def test_filters_drop_what_is_wrong_and_say_why(catalogue):
    bad = center.CaseFilters.from_params({"state": "nope", "month": "2026-13", "item": "nope", "page": "0"},
                                         catalogue, "unit")
    assert bad == center.CaseFilters(problems=("申办月份格式应为YYYY-MM，如2026-11",))
    ok = center.CaseFilters.from_params({"state": "submitted", "month": " 2026-11 ", "item": "unit_application",
                                         "page": "3"}, catalogue, "unit")
    assert (ok.state, ok.month, ok.item, ok.page, ok.problems) == ("submitted", "2026-11", "unit_application", 3, ())
    # Links: without a page number the first page (another tab, say); page 1 is never written.
    assert ok.params() == {"state": "submitted", "month": "2026-11", "item": "unit_application"}
    assert ok.params(2, state="") == {"month": "2026-11", "item": "unit_application", "page": 2}
    assert ok.params(1, item="post_application") == {"state": "submitted", "month": "2026-11",
                                                     "item": "post_application"}
    # A filter added goes after those already set (the link the page has always written).
    monthly = center.CaseFilters.from_params({"month": "2026-11"}, catalogue, "unit")
    assert list(monthly.params(state="draft")) == ["month", "state"]
    assert center.CaseFilters.from_params({"page": "99999999999"}, catalogue, "unit").page == 1


@pytest.fixture
def owner(dbsession, catalogue, storage, clock_at):
    """An approved application (10 Nov), a submitted post application (20 Nov), a draft started at 04:00 on
    1 December in Beijing (still 30 November in UTC), and another unit's draft."""
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    clock_at(datetime(2026, 11, 10, 2, 0))
    approved = f.approved_unit(dbsession, catalogue, storage, account, province)
    clock_at(datetime(2026, 11, 20, 2, 0))
    post = submit(dbsession, catalogue, catalogue.item("post_application"), account, f.post_data())
    clock_at(datetime(2026, 11, 30, 20, 0))
    draft = save_draft(dbsession, catalogue, catalogue.item("post_application"), account, {"position_name": "草稿"})
    other = f.unit_account(dbsession, name="别家公司")
    save_draft(dbsession, catalogue, catalogue.item("unit_application"), other, {})
    dbsession.commit()
    return account, [draft.id, post.id, approved.id]


def listed(dbsession, catalogue, account, **params):
    filters = center.CaseFilters.from_params(params, catalogue, account.role)
    return center.owner_cases(dbsession, catalogue, account, filters)


def test_the_owners_cases_newest_first_with_every_count(dbsession, catalogue, owner):
    account, (draft, post, approved) = owner
    everything = listed(dbsession, catalogue, account)
    assert [c.id for c in everything.rows] == [draft, post, approved]
    assert (everything.total, everything.all_count, everything.pages, everything.active_tab) == (3, 3, 1, None)
    # With the claim's two review levels shipped, every review state counts under one tab (审核中, "queue").
    assert {k: n for k, n in everything.counts.items() if n} == {"draft": 1, "submitted": 1, "approved": 1,
                                                                  "queue": 1}
    assert [i.key for i in everything.items] == [
        "unit_application", "post_application", "match_report", "attendance_report", "onduty_report",
        "subsidy_claim"]
    waiting = listed(dbsession, catalogue, account, state="submitted")
    assert ([c.id for c in waiting.rows], waiting.total, waiting.active_tab) == ([post], 1, "queue")
    assert waiting.counts == everything.counts   # the tabs count every state, whichever is shown
    posts = listed(dbsession, catalogue, account, item="post_application")
    assert [c.id for c in posts.rows] == [draft, post]


def test_a_draft_is_found_by_the_beijing_month_it_was_started_in(dbsession, catalogue, owner):
    account, (draft, post, approved) = owner
    assert [c.id for c in listed(dbsession, catalogue, account, month="2026-12").rows] == [draft]
    assert [c.id for c in listed(dbsession, catalogue, account, month="2026-11").rows] == [post, approved]


def test_a_page_at_a_time(dbsession, catalogue, owner, monkeypatch):
    account, (draft, post, approved) = owner
    monkeypatch.setattr(center, "PAGE_SIZE", 2)
    first, second = (listed(dbsession, catalogue, account, page=n) for n in ("1", "2"))
    assert ([c.id for c in first.rows], [c.id for c in second.rows], first.pages) == ([draft, post], [approved], 2)
    assert listed(dbsession, catalogue, account, page="3").rows == []


def test_the_page_and_the_api_show_the_same_cases(dbsession, catalogue, owner):
    account, (draft, post, approved) = owner
    found = listed(dbsession, catalogue, account, state="submitted")
    body = found.as_dict()
    assert [c["id"] for c in body["cases"]] == [post] and body["cases"][0]["submitted_at"].endswith("+08:00")
    assert (body["total"], body["page"], body["counts"]) == (1, 1, {"submitted": 1, "approved": 1, "draft": 1})
    assert [(t["state"], t["count"]) for t in body["tabs"]][:4] == [("queue", 1), ("approved", 1), ("publicity", 0),
                                                                      ("rejected", 0)]
    # The page prints 提交时间 itself (through its dt filter): the datetime, not the API's text.
    assert found.page_rows()[0]["submitted_at"] == found.rows[0].submitted_at
