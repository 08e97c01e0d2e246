"""见习岗位查询 in a real browser: city → county → 本科 → detail → 返回; 我有意向; the unit sees the person."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories as f
from playwright.sync_api import expect


@pytest.fixture
def positions_world(session_factory, catalogue, storage):
    s = session_factory()
    province = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    unit = f.unit_account(s, name="山西晋阳智能科技有限公司")
    f.approved_unit(s, catalogue, storage, unit, province)
    datong = f.unit_account(s, name="大同云冈文旅发展有限公司", mobile="13712345678")
    f.approved_unit(s, catalogue, storage, datong, province)
    wanted = f.published_position(s, catalogue, unit, province, position_name="软件开发见习生", education="本科")
    f.published_position(s, catalogue, unit, province, position_name="会计助理", education="大专", major="会计学")
    f.published_position(s, catalogue, unit, province, position_name="行政文员", education="本科",
                         work_county="140106", work_address="太原市迎泽区迎泽大街1号")
    f.published_position(s, catalogue, datong, province, position_name="导游见习岗", education="本科",
                         work_city="140200", work_county="140213", work_address="大同市平城区和阳街8号",
                         allowance=2300)
    person = f.individual_account(s, name="张晓明")
    s.commit()
    out = {"unit": unit, "person": person, "wanted": wanted}
    s.close()
    return out


def test_search_open_go_back_say_interested_and_the_unit_sees_it(page, live_server, shot, check, positions_world):
    w = positions_world
    # An anonymous visitor: 公共就业 → 见习岗位查询.
    page.goto(live_server + "/")
    page.locator("nav.top-nav").get_by_role("link", name="公共就业").click()
    assert page.locator("main h1").inner_text() == "见习岗位查询"
    assert page.locator("[data-testid=total] strong").inner_text() == "4"
    check("all-positions")

    # Clicking a city shows its counties; clicking a county narrows the list.
    page.locator("[data-testid=cities]").get_by_role("link", name="太原市").click()
    counties = page.locator("[data-testid=counties]")
    assert counties.get_by_role("link", name="小店区").is_visible()
    assert page.locator("[data-testid=total] strong").inner_text() == "3"
    shot("taiyuan-with-counties")
    counties.get_by_role("link", name="小店区").click()
    assert page.locator("[data-testid=total] strong").inner_text() == "2"
    assert page.locator("[data-testid=counties] a[aria-current]").inner_text() == "小店区"

    # Filter by 本科 with the form (the city and county stay).
    page.get_by_label("学历要求").select_option("本科")
    page.get_by_role("button", name="查询").click()
    assert page.locator("[data-testid=total] strong").inner_text() == "1"
    names = page.locator("li.position-card h3").all_inner_texts()
    assert names == ["软件开发见习生"]
    list_url = page.url
    assert parse_qs(urlsplit(list_url).query) == {"city": ["140100"], "county": ["140105"], "education": ["本科"]}
    shot("xiaodian-benke")

    # Open the position; the detail hides the full mobile; 返回 leads to the same list.
    page.get_by_role("link", name="软件开发见习生").click()
    assert page.locator("main h1").inner_text().startswith("软件开发见习生")
    facts = page.locator("[data-testid=unit-facts]").inner_text()
    assert "139****5678" in facts and "13912345678" not in page.content()
    check("detail-anonymous")
    page.get_by_test_id("back").click()
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(list_url).query)
    assert page.get_by_label("学历要求").input_value() == "本科"
    assert page.locator("li.position-card h3").all_inner_texts() == ["软件开发见习生"]
    shot("back-to-list")

    # 我有意向: log in as an individual and come back to the position.
    page.get_by_role("link", name="软件开发见习生").click()
    page.get_by_test_id("intent-login").click()
    assert page.locator("main h1").inner_text() == "用户登录"
    page.get_by_label("身份证号").fill(w["person"].login_name)
    page.locator("#f-password").fill(f.PASSWORD)
    shot("login-individual")
    page.get_by_role("button", name="登录").click()
    assert re.search(rf"/positions/{w['wanted'].id}\?back=", page.url)
    page.get_by_test_id("intent-button").click()
    assert "已登记意向" in page.locator(".notice-success").first.inner_text()
    assert page.get_by_test_id("intent-done").is_visible()
    check("intent-registered")
    page.locator("aside.side-nav").get_by_role("link", name="我的意向").click()
    assert "软件开发见习生" in page.locator("[data-testid=intents]").inner_text()
    shot("my-intents")

    # The unit logs in and sees the person under its position.
    page.get_by_role("button", name="退出").click()
    page.goto(live_server + "/login?tab=unit")
    page.get_by_label("统一社会信用代码").fill(w["unit"].login_name)
    page.locator("#f-password").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("aside.side-nav").get_by_role("link", name="就业见习岗位查询").click()
    row = page.locator(f"tr[data-position='{w['wanted'].id}']")
    assert row.get_by_test_id("intent-count").inner_text() == "1"
    shot("unit-positions")
    row.get_by_role("link", name="查看详情").click()
    people = page.locator("[data-testid=people] tbody tr")
    expect(people).to_have_count(1)
    cells = people.first.locator("td").all_inner_texts()
    id_number = w["person"].id_number
    assert cells[1] == "张晓明" and cells[2] == id_number[:4] + "*" * 10 + id_number[-4:]
    assert cells[4:7] == ["本科", "山西大学", "计算机科学与技术"]
    check("unit-position-people")
