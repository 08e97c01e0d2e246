"""Every paged listing reads its page through engine.paging: a huge, negative or non-numeric page is the
first page on the pages and a 422 on the API, never a 5xx (a number past OFFSET's range once was one)."""
from __future__ import annotations

import json

import pytest

from engine import paging, review
from engine.batch.importer import import_workbook
from engine.cases.lifecycle import save_draft
from engine.clock import utcnow
from engine.models import AuditEntry
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs
from tests.openapi import assert_matches_spec
from tests.webapp.pages import soup
from webapp.views.api_docs import openapi_document

BAD_PAGES = ["99999999999999999999", str(paging.MAX_PAGE + 1), "-3", "0", "abc", "1e3", "", "２"]


@pytest.fixture
def listings(world, dbsession, catalogue, storage):
    """More than one page of everything: cases (个人中心 and the queue), positions, accounts, audit, rows."""
    s, unit = dbsession, world["unit"]
    item = catalogue.item("post_application")   # a unit holds one unit_application: many of an item it may repeat
    for i in range(review.filters.PER_PAGE + 1):
        case = save_draft(s, catalogue, item, unit, {"work_address": f"地址{i}"})
        case.state, case.submitted_month, case.submitted_at = "submitted", "2026-11", utcnow()
    names = [world["position"].name]
    for i in range(25):
        names.append(f.published_position(s, catalogue, unit, world["province"], position_name=f"见习岗位{i}").name)
    for i in range(50):
        f.individual_account(s, name=f"个人{i}")
    s.add_all(AuditEntry(action="login_failed", target=f"nobody{i}") for i in range(51))
    f.reviewer(s, login="caiwu", name="太原市财务审核员").finance = True   # 拨付权限: the payments list
    rows = batch_rows.match_rows(101, names)   # at most 4 of each position's 5 places: all stay listed
    result = import_workbook(s, catalogue, catalogue.item("match_report"), unit,
                             wbs.workbook(catalogue.item("match_report"), rows), "匹配.xlsx", storage=storage)
    assert result.ok
    s.commit()
    return {"rows": result.case.id}


def _web(make_web, login, tab):
    web = make_web()
    if login:
        web.login(login, tab=tab)
    return web


PAGES = [  # (who logs in, tab, address, extra parameters)
    ("unit", "unit", "/me/cases", {}),
    ("unit", "unit", "/cases/{rows}/rows", {}),
    ("taiyuan", "staff", "/review", {}),
    ("taiyuan", "staff", "/review", {"per_page": "10"}),
    (None, None, "/positions", {}),
    ("admin", "staff", "/admin/accounts", {}),
    ("admin", "staff", "/admin/audit", {}),
]


def _main(page) -> str:
    return soup(page).select_one("main").get_text(" ", strip=True)


@pytest.mark.parametrize("login, tab, address, extra", PAGES, ids=[p[2] + str(p[3] or "") for p in PAGES])
def test_every_paged_page_answers_a_bad_page_with_its_first_page(listings, world, make_web, login, tab, address,
                                                                 extra):
    who = world["unit"].login_name if login == "unit" else login
    web = _web(make_web, who, tab)
    url = address.format(**listings)
    first = _main(web.app.get(url, params={**extra, "page": "1"}))
    assert first != _main(web.app.get(url, params={**extra, "page": "2"}))   # there is a second page
    for bad in BAD_PAGES:
        assert _main(web.app.get(url, params={**extra, "page": bad}, status=200)) == first, bad


def test_the_queue_bounds_its_page_size_too(listings, make_web):
    web = _web(make_web, "taiyuan", "staff")
    for size in ("99999999999999999999", "-1", "x"):
        assert len(soup(web.app.get("/review", params={"per_page": size})).select("tbody tr[data-case]")) == \
            review.filters.PER_PAGE
    big = soup(web.app.get("/review", params={"per_page": "100000"}))
    assert len(big.select("tbody tr[data-case]")) == review.filters.PER_PAGE + 1   # capped at 100, all on one page


APIS = [("unit", "unit", "/api/cases"), ("taiyuan", "staff", "/api/review/cases"), (None, None, "/api/positions"),
        ("unit", "unit", "/api/notices"), ("taiyuan", "staff", "/api/review/followups"),
        ("taiyuan", "staff", "/api/review/missing"), (None, None, "/api/publicity"),
        ("taiyuan", "staff", "/api/review/objections"), ("caiwu", "staff", "/api/review/payments")]


@pytest.mark.parametrize("login, tab, address", APIS, ids=[a[2] for a in APIS])
def test_every_paged_api_refuses_a_bad_page_with_422(listings, world, make_web, login, tab, address):
    who = world["unit"].login_name if login == "unit" else login
    web = _web(make_web, who, tab)
    assert web.api("GET", address, params={"page": "2"}).status_int == 200
    for bad in BAD_PAGES:
        res = web.api("GET", address, params={"page": bad}, status=422)
        assert_matches_spec(res)
        assert res.json["errors"][0]["field"] == "page", bad


def test_the_api_documents_the_bounds_the_parser_keeps():
    doc = openapi_document()
    pages = [p["schema"] for ops in doc["paths"].values() for op in ops.values() if isinstance(op, dict)
             for p in op.get("parameters", []) if p["name"] == "page"]
    # Two more take an id: a claim's lines, /api/cases/{id}/subsidy (tests/webapp/test_subsidy_claims.py), and
    # its 公示, /api/publicity/{reference} (tests/webapp/test_publicity.py).
    assert len(pages) == len(APIS) + 2
    assert all((s["minimum"], s["maximum"]) == (1, paging.MAX_PAGE) for s in pages), json.dumps(pages)
    size = next(p["schema"] for p in doc["paths"]["/api/review/cases"]["get"]["parameters"] if p["name"] == "per_page")
    assert size["maximum"] == review.filters.MAX_PER_PAGE
    size = next(p["schema"] for p in doc["paths"]["/api/review/missing"]["get"]["parameters"] if p["name"] == "per_page")
    assert size["maximum"] == review.missing.MAX_PER_PAGE
