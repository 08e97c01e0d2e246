"""见习岗位查询, position detail, 我有意向 and the unit's 就业见习岗位查询, driven over HTTP."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import text, update

from engine import clock
from engine.masking import mask_id
from engine.models import Position
from tests import factories as f
from tests.openapi import assert_matches_spec
from tests.webapp.pages import say_interest


def url(path: str) -> str:
    """The URL a browser would send: non-ASCII query values percent-encoded."""
    return quote(path, safe="/?=&%")


def _ids(page) -> list[int]:
    return [int(li["data-position"]) for li in page.html.select("li.position-card")]


def _total(page) -> int:
    return int(page.html.select_one("[data-testid=total] strong").text)


@pytest.fixture
def places(world, dbsession, catalogue, storage):
    """Positions in 小店区 (太原市, the world's), 迎泽区 (太原市) and 平城区 (大同市), from two units."""
    s = dbsession
    unit, province = world["unit"], world["province"]
    datong_unit = world["other"]
    f.approved_unit(s, catalogue, storage, datong_unit, province)
    xiaodian = world["position"]  # 软件开发见习生, 本科, 小店区, 2600
    yingze = f.published_position(s, catalogue, unit, province, position_name="会计助理", education="大专",
                                  major="会计学", work_county="140106", work_address="太原市迎泽区迎泽大街1号",
                                  allowance=3000, period_months=12)
    pingcheng = f.published_position(s, catalogue, datong_unit, province, position_name="导游见习岗",
                                     education="本科", major="旅游管理", work_city="140200", work_county="140213",
                                     work_address="大同市平城区和阳街8号", allowance=2300, period_months=6)
    s.commit()
    return {"xiaodian": xiaodian, "yingze": yingze, "pingcheng": pingcheng}


# ---------------------------------------------------------------------------
# Public search
# ---------------------------------------------------------------------------

def test_a_position_in_xiaodian_is_found_by_its_city_and_county_but_not_by_another_city(web, places):
    xiaodian, yingze, pingcheng = places["xiaodian"].id, places["yingze"].id, places["pingcheng"].id
    assert set(_ids(web.app.get("/positions"))) == {xiaodian, yingze, pingcheng}
    taiyuan = web.app.get("/positions?city=140100")
    assert set(_ids(taiyuan)) == {xiaodian, yingze} and _total(taiyuan) == 2
    assert _ids(web.app.get("/positions?city=140100&county=140105")) == [xiaodian]
    assert _ids(web.app.get("/positions?county=140105")) == [xiaodian]  # the county alone implies its city
    assert _ids(web.app.get("/positions?city=140200")) == [pingcheng]
    mismatch = web.app.get("/positions?city=140200&county=140105")  # 小店区 is not in 大同市: county dropped
    assert _ids(mismatch) == [pingcheng] and "所选县（市、区）不属于所选城市" in mismatch.text


def test_filters_combine(web, places):
    xiaodian, yingze, pingcheng = places["xiaodian"].id, places["yingze"].id, places["pingcheng"].id
    assert set(_ids(web.app.get(url("/positions?education=本科")))) == {xiaodian, pingcheng}
    assert _ids(web.app.get(url("/positions?city=140100&education=本科"))) == [xiaodian]
    assert _ids(web.app.get(url("/positions?city=140100&county=140106&education=本科"))) == []
    assert _ids(web.app.get("/positions?min_allowance=2500&city=140100&sort=allowance")) == [yingze, xiaodian]
    assert set(_ids(web.app.get("/positions?period=6"))) == {xiaodian, pingcheng}
    assert _ids(web.app.get("/positions?period=12")) == [yingze]
    assert _ids(web.app.get(url("/positions?industry=信息传输、软件和信息技术服务业&city=140200"))) == [pingcheng]
    # Keywords: position name, unit name, major; two Chinese characters; several terms must all match.
    assert _ids(web.app.get(url("/positions?q=会计"))) == [yingze]
    assert set(_ids(web.app.get(url("/positions?q=晋阳")))) == {xiaodian, yingze}
    assert _ids(web.app.get(url("/positions?q=旅游"))) == [pingcheng]
    assert _ids(web.app.get(url("/positions?q=晋阳 会计"))) == [yingze]
    assert _ids(web.app.get(url("/positions?q=晋阳&city=140200"))) == []
    assert _ids(web.app.get(url("/positions?q=会%25计"))) == []  # a LIKE wildcard is a character, not "anything"
    punctuation = web.app.get("/positions?q=%25%25")
    assert "关键词须包含汉字、字母或数字" in punctuation.text and _total(punctuation) == 3


def test_the_sort_by_allowance_puts_the_highest_first(web, places):
    ids = _ids(web.app.get("/positions?sort=allowance"))
    assert ids == [places["yingze"].id, places["xiaodian"].id, places["pingcheng"].id]


def test_clicking_a_city_shows_its_counties_as_links_that_keep_the_other_filters(web, places):
    page = web.app.get(url("/positions?education=本科"))
    assert page.html.select_one("[data-testid=counties]") is None
    page = page.click(linkid=None, href=r"city=140100")
    counties = page.html.select("[data-testid=counties] a[data-county]")
    assert [a.text for a in counties][:3] == ["小店区", "迎泽区", "杏花岭区"] and len(counties) == 10
    xiaodian = next(a for a in counties if a.text == "小店区")
    query = parse_qs(urlsplit(xiaodian["href"]).query)
    assert query == {"city": ["140100"], "county": ["140105"], "education": ["本科"]}
    page = web.app.get(xiaodian["href"])
    assert _ids(page) == [places["xiaodian"].id]
    current = page.html.select_one("[data-testid=counties] a[aria-current]")
    assert current.text == "小店区"
    # The filter form carries the chosen city and county, so submitting it keeps them.
    form = page.forms[0]
    assert form["city"].value == "140100" and form["county"].value == "140105"


def test_paging_twenty_a_page_with_the_total(web, world, dbsession, catalogue):
    for i in range(44):
        f.published_position(dbsession, catalogue, world["unit"], world["province"],
                             position_name=f"见习岗位{i:02d}", work_county="140107")
    dbsession.commit()
    first = web.app.get("/positions")
    assert _total(first) == 45 and len(_ids(first)) == 20
    assert "第 1/3 页" in first.text
    second = first.click(href=r"page=2", index=0)
    third = web.app.get("/positions?page=3")
    assert len(_ids(second)) == 20 and len(_ids(third)) == 5
    assert not set(_ids(first)) & set(_ids(second)) and len(set(_ids(first) + _ids(second) + _ids(third))) == 45
    # Newest first.
    assert _ids(first)[0] == max(_ids(first) + _ids(second) + _ids(third))
    filtered = web.app.get("/positions?county=140107&page=2")
    assert _total(filtered) == 44 and len(_ids(filtered)) == 20
    assert "county=140107" in filtered.html.select_one("nav.pager a[rel=next]")["href"]
    # A page past the end shows the last one.
    assert _ids(web.app.get("/positions?page=99")) == _ids(third)


def test_expired_and_full_positions_are_not_listed(web, places, dbsession):
    s = dbsession
    s.execute(update(Position).where(Position.id == places["yingze"].id)
              .values(deadline=clock.today() - timedelta(days=1)))
    s.execute(update(Position).where(Position.id == places["pingcheng"].id).values(matched=Position.openings))
    s.commit()
    page = web.app.get("/positions")
    assert _ids(page) == [places["xiaodian"].id] and _total(page) == 1
    # The deadline day itself is still open.
    s.execute(update(Position).where(Position.id == places["yingze"].id).values(deadline=clock.today()))
    s.commit()
    assert set(_ids(web.app.get("/positions"))) == {places["xiaodian"].id, places["yingze"].id}
    full = web.app.get(f"/positions/{places['pingcheng'].id}")
    assert "该岗位已招满" in full.text and full.html.select_one("[data-testid=intent-login]") is None


def test_a_change_made_behind_the_search_cache_shows_at_once(web, places, dbsession):
    """Batch imports raise Position.matched with a plain UPDATE; the cached result must not survive it."""
    assert _total(web.app.get("/positions?city=140100")) == 2
    dbsession.execute(text("UPDATE positions SET matched = openings WHERE id = :id"), {"id": places["yingze"].id})
    dbsession.commit()
    assert _ids(web.app.get("/positions?city=140100")) == [places["xiaodian"].id]


def test_bad_filter_values_get_a_message_next_to_the_field_and_keep_what_was_typed(web, places):
    page = web.app.get("/positions?min_allowance=abc&period=99&city=140100")
    field = page.html.select_one("#f-min_allowance")
    assert field["value"] == "abc" and field.find_parent(class_="has-error") is not None
    assert page.html.select_one("#err-min_allowance").text == "最低生活补助请填写整数"
    assert "见习期限须在3至12之间" in page.html.select_one("#err-period").text
    assert _total(page) == 2  # the rest of the search still applies
    # The same search without the bad values: no message left over from the page before (nor after).
    clean = web.app.get("/positions?city=140100")
    assert clean.html.select_one("[data-testid=error-summary]") is None and _total(clean) == 2
    again = web.app.get("/positions?min_allowance=abc&city=140100")
    assert again.html.select_one("#err-min_allowance") is not None


# ---------------------------------------------------------------------------
# Detail and 返回
# ---------------------------------------------------------------------------

def test_detail_shows_the_position_and_hides_bank_details_and_the_full_mobile(web, places):
    page = web.app.get(f"/positions/{places['xiaodian'].id}")
    body = page.text
    for shown in ("软件开发见习生", "山西晋阳智能科技有限公司", "信息传输、软件和信息技术服务业", "太原市 小店区",
                  "太原市小店区长治路123号", "2600", "6 个月", "本科", "参与软件开发", "139****5678"):
        assert shown in body, shown
    for hidden in ("13912345678", "050212345678901234", "中国工商银行", "102161000123", "0351-7654321"):
        assert hidden not in body, hidden


def test_back_goes_to_the_same_filtered_list(web, places):
    listing = web.app.get(url("/positions?city=140100&education=本科&sort=allowance"))
    link = listing.html.select_one(f"li[data-position='{places['xiaodian'].id}'] h3 a")["href"]
    detail = web.app.get(link)
    back = detail.html.select_one("[data-testid=back]")["href"]
    assert urlsplit(back).path == "/positions"
    assert parse_qs(urlsplit(back).query) == {"city": ["140100"], "education": ["本科"], "sort": ["allowance"]}
    assert _ids(web.app.get(back)) == _ids(listing)
    # Only the list's own parameters survive the trip; nothing else can be smuggled into the link.
    odd = web.app.get(f"/positions/{places['xiaodian'].id}?back=city%3D140100%26evil%3D1")
    assert odd.html.select_one("[data-testid=back]")["href"] == "/positions?city=140100"


def test_a_taken_down_position_is_gone_for_the_public(web, places, dbsession):
    dbsession.execute(update(Position).where(Position.id == places["yingze"].id).values(status="taken_down"))
    dbsession.commit()
    web.app.get(f"/positions/{places['yingze'].id}", status=404)
    web.app.get(f"/api/positions/{places['yingze'].id}", status=404)


# ---------------------------------------------------------------------------
# 我有意向
# ---------------------------------------------------------------------------

def test_an_anonymous_visitor_is_sent_to_login_and_back_to_the_position(web, world):
    pid = world["position"].id
    detail = web.app.get(f"/positions/{pid}?back=city%3D140100")
    login_link = detail.html.select_one("[data-testid=intent-login]")["href"]
    came_from = parse_qs(urlsplit(login_link).query)["came_from"][0]
    assert came_from == f"/positions/{pid}?back=city%3D140100"
    # A form posted by someone no longer logged in (logged out in another tab) goes the same way.
    token = web.app.get("/login").forms[0]["csrf_token"].value
    res = web.app.post(f"/positions/{pid}/intent", {"back": "city=140100", "csrf_token": token})
    assert res.status_int == 303 and "/login" in res.location and "came_from" in res.location
    form = web.app.get(login_link).forms[0]
    form["login"] = world["person"].login_name
    form["password"] = f.PASSWORD
    after = form.submit()
    assert after.location.endswith(came_from)
    page = after.follow()
    assert page.html.select_one("[data-testid=intent-button]") is not None
    assert page.html.select_one("[data-testid=back]")["href"] == "/positions?city=140100"


def test_an_intent_is_made_once_withdrawn_and_made_again(web, world):
    pid = world["position"].id
    web.login(world["person"].login_name, tab="individual")
    first = say_interest(web, pid).follow()
    assert "已登记意向" in first.text and first.html.select_one("[data-testid=intent-done]") is not None
    again = say_interest(web, pid).follow()
    assert "您已对该岗位登记过意向" in again.text
    mine = web.app.get("/me/intents")
    rows = mine.html.select("[data-testid=intents] tbody tr")
    assert len(rows) == 1 and "软件开发见习生" in rows[0].text and "招募中" in rows[0].text
    res = web.post(mine.html.select_one("[data-testid=intents] form")["action"]).follow()
    assert "已撤回意向" in res.text
    assert res.html.select_one("[data-testid=intents]") is None
    assert "软件开发见习生" in res.html.select_one("[data-testid=withdrawn]").text
    again = say_interest(web, pid).follow()
    assert "已登记意向" in again.text
    assert len(web.app.get("/me/intents").html.select("[data-testid=intents] tbody tr")) == 1


def test_my_intents_show_each_positions_current_status(web, world, dbsession):
    pid = world["position"].id
    web.login(world["person"].login_name, tab="individual")
    say_interest(web, pid)
    dbsession.execute(update(Position).where(Position.id == pid).values(matched=Position.openings))
    dbsession.commit()
    row = web.app.get("/me/intents").html.select_one("[data-testid=intents] tbody tr")
    assert "已招满" in row.text


def test_no_intent_on_a_closed_position_nor_by_a_unit(web, world, dbsession, make_web):
    pid = world["position"].id
    unit = make_web()
    unit.login(world["unit"].login_name)
    assert "仅个人用户可以登记意向" in unit.app.get(f"/positions/{pid}").text
    assert "只有个人用户" in say_interest(unit, pid).follow().text
    dbsession.execute(update(Position).where(Position.id == pid).values(deadline=clock.today() - timedelta(days=1)))
    dbsession.commit()
    web.login(world["person"].login_name, tab="individual")
    assert "已过招募截止日" in say_interest(web, pid).follow().text
    assert web.app.get("/me/intents").html.select_one("[data-testid=intents]") is None


def test_one_cannot_withdraw_another_persons_intent(web, world, dbsession, make_web):
    other = f.individual_account(dbsession, name="李四")
    dbsession.commit()
    web.login(world["person"].login_name, tab="individual")
    say_interest(web, world['position'].id)
    action = web.app.get("/me/intents").html.select_one("[data-testid=intents] form")["action"]
    intruder = make_web()
    intruder.login(other.login_name, tab="individual")
    intruder.post(action, status=403)
    assert web.app.get("/me/intents").html.select_one("[data-testid=intents]") is not None


# ---------------------------------------------------------------------------
# Unit side
# ---------------------------------------------------------------------------

@pytest.fixture
def interested(world, dbsession, make_web):
    """Two individuals who said 我有意向 for the world's position."""
    second = f.individual_account(dbsession, name="王小丽", id_no=f.new_id_number(birth="20020301"))
    second.profile = {"education": "大专", "school": "太原理工大学", "major": "会计学"}
    dbsession.commit()
    for account in (world["person"], second):
        w = make_web()
        w.login(account.login_name, tab="individual")
        say_interest(w, world['position'].id)
    return [world["person"], second]


def test_the_unit_lists_its_positions_with_openings_matched_and_intent_counts(web, world, interested):
    web.login(world["unit"].login_name)
    page = web.app.get("/unit/positions")
    row = page.html.select_one(f"tr[data-position='{world['position'].id}']")
    cells = [td.text.strip() for td in row.select("td")]
    assert cells[2:5] == ["5", "0", "2"] and "招募中" in cells[6]
    assert row.select_one("a")["href"] == f"/unit/positions/{world['position'].id}"
    assert web.app.get("/unit/positions?status=full").html.select_one("tr[data-position]") is None
    assert web.app.get(url("/unit/positions?status=open&q=软件")).html.select_one(
        f"tr[data-position='{world['position'].id}']") is not None


def test_the_unit_sees_who_is_interested_with_masked_id_numbers(web, world, interested):
    web.login(world["unit"].login_name)
    page = web.app.get(f"/unit/positions/{world['position'].id}")
    rows = page.html.select("[data-testid=people] tbody tr")
    assert [r.select("td")[1].text for r in rows] == ["张晓明", "王小丽"]
    person = interested[0]
    masked = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    first = [td.text for td in rows[0].select("td")]
    assert first[2] == masked and first[3] == "13812345678" and first[4:7] == ["本科", "山西大学", "计算机科学与技术"]
    assert person.id_number not in page.text
    only = web.app.get(url(f"/unit/positions/{world['position'].id}?education=大专"))
    assert [r.select("td")[1].text for r in only.html.select("[data-testid=people] tbody tr")] == ["王小丽"]
    by_school = web.app.get(url(f"/unit/positions/{world['position'].id}?q=理工"))
    assert len(by_school.html.select("[data-testid=people] tbody tr")) == 1


def test_the_intent_list_exports_to_xlsx_with_the_same_filter(web, world, interested):
    from openpyxl import load_workbook
    web.login(world["unit"].login_name)
    page = web.app.get(url(f"/unit/positions/{world['position'].id}?education=本科"))
    res = web.app.get(page.html.select_one("[data-testid=export]")["href"])
    assert res.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in res.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(res.body)).active
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    assert len(rows) == 1 and rows[0][1] == "张晓明" and rows[0][2] == mask_id(interested[0].id_number)


def test_another_unit_gets_403_for_the_intents_of_a_position_not_its_own(web, world, interested, make_web):
    pid = world["position"].id
    web.login(world["other"].login_name)
    for url in (f"/unit/positions/{pid}", f"/unit/positions/{pid}/intents.xlsx"):
        web.app.get(url, status=403)
    web.post(f"/unit/positions/{pid}/match-template.xlsx", {"intent": "1"}, status=403)
    web.post(f"/unit/positions/{pid}/takedown", {"reason": "x"}, status=403)
    res = web.api("GET", f"/api/positions/{pid}/intents", status=403)
    assert_matches_spec(res)
    # An individual is no better placed, and the unit's list only holds its own positions.
    person = make_web()
    person.login(world["person"].login_name, tab="individual")
    person.app.get(f"/unit/positions/{pid}", status=403)
    assert web.app.get("/unit/positions").html.select_one(f"tr[data-position='{pid}']") is None


def test_a_reviewer_outside_the_jurisdiction_is_told_the_position_does_not_exist(web, world, interested):
    web.login("datong", tab="staff")
    web.app.get(f"/unit/positions/{world['position'].id}", status=404)


def test_the_match_template_is_prefilled_with_the_selected_people(web, world, interested, catalogue):
    from engine.batch.reader import open_sheet
    web.login(world["unit"].login_name)
    page = web.app.get(f"/unit/positions/{world['position'].id}")
    second = page.html.select("[data-testid=people] tbody tr")[1]
    form = next(f for f in page.forms.values() if f.action.endswith("/match-template.xlsx"))
    for box in form.fields["intent"]:
        box.checked = box._value == second["data-intent"]
    res = form.submit()
    assert res.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = open_sheet(res.body, catalogue.item("match_report"), max_rows=100, max_bytes=10 * 1024 * 1024,
                       catalogue=catalogue)
    try:
        keys = [c.field.key if c.field else None for c in sheet.columns]
        rows = [dict(zip(keys, values)) for _, values in sheet.rows()]
    finally:
        sheet.close()
    person = interested[1]
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["id_number"], row["mobile"]) == ("王小丽", person.id_number, "13812345678")
    assert (row["education"], row["school"], row["major"]) == ("大专", "太原理工大学", "会计学")
    assert row["position"] == "软件开发见习生"
    assert str(row["allowance"]).startswith("2600")
    nothing = web.post(f"/unit/positions/{world['position'].id}/match-template.xlsx").follow()
    assert "请先勾选" in nothing.text


def test_the_unit_takes_a_position_down_with_history(web, world, interested, make_web):
    pid = world["position"].id
    web.login(world["unit"].login_name)
    page = web.post(f"/unit/positions/{pid}/takedown", {"reason": "已通过其他渠道招满"}).follow()
    assert "岗位已下架" in page.text
    timeline = page.html.select_one("ol.timeline").text
    assert "岗位下架" in timeline and "已通过其他渠道招满" in timeline
    assert "已下架" in web.app.get("/unit/positions").html.select_one(f"tr[data-position='{pid}']").text
    public = make_web()
    assert pid not in _ids(public.app.get("/positions"))
    public.app.get(f"/positions/{pid}", status=404)
    # The people who were interested stay visible to the unit, and see the new status themselves.
    assert len(page.html.select("[data-testid=people] tbody tr")) == 2
    person = make_web()
    person.login(world["person"].login_name, tab="individual")
    assert "已下架" in person.app.get("/me/intents").html.select_one("[data-testid=intents]").text


def test_a_reviewer_in_the_jurisdiction_takes_a_position_down_with_a_reason(web, world, make_web):
    pid = world["position"].id
    web.login("taiyuan", tab="staff")
    page = web.app.get(f"/positions/{pid}")
    assert page.html.select_one("form.takedown") is not None
    refused = web.post(f"/unit/positions/{pid}/takedown", {"next": f"/positions/{pid}"}).follow()
    assert "请填写下架原因" in refused.text
    done = web.post(f"/unit/positions/{pid}/takedown", {"reason": "岗位信息不实", "next": f"/positions/{pid}"}).follow()
    assert "岗位已下架" in done.text and "岗位信息不实" in done.text
    other = make_web()
    other.login("datong", tab="staff")
    other.post(f"/unit/positions/{pid}/takedown", {"reason": "x"}, status=404)


# ---------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------

def test_api_search_and_detail(web, places):
    res = web.app.get(url("/api/positions?city=140100&education=本科"))
    assert_matches_spec(res)
    assert res.json["total"] == 1 and res.json["items"][0]["id"] == places["xiaodian"].id
    assert res.json["items"][0]["region"] == "太原市 小店区" and res.json["pages"] == 1
    bad = web.app.get("/api/positions?min_allowance=abc", status=422)
    assert_matches_spec(bad)
    assert bad.json["errors"] == [{"field": "min_allowance", "message": "最低生活补助请填写整数"}]
    detail = web.app.get(f"/api/positions/{places['xiaodian'].id}")
    assert_matches_spec(detail)
    assert detail.json["contact_mobile"] == "139****5678" and "bank_account" not in str(detail.json)
    assert_matches_spec(web.app.get("/api/positions/99999", status=404))
    regions = web.app.get("/api/regions")
    assert_matches_spec(regions)
    cities = regions.json["cities"]
    assert len(cities) == 11 and sum(len(c["counties"]) for c in cities) == 117
    assert cities[0]["name"] == "太原市" and cities[0]["counties"][0] == {"code": "140105", "name": "小店区"}


def test_api_intents(web, world, make_web, dbsession):
    pid = world["position"].id
    stranger = f.individual_account(dbsession, name="赵六")
    dbsession.commit()
    token = web.app.get("/login").forms[0]["csrf_token"].value
    anonymous = web.app.post_json(f"/api/positions/{pid}/intents", {}, headers={"X-CSRF-Token": token}, status=401)
    assert_matches_spec(anonymous)
    person = make_web()
    login = person.app.post_json("/api/session", {"kind": "individual", "login": world["person"].login_name,
                                                  "password": f.PASSWORD})
    headers = {"X-CSRF-Token": login.json["csrf_token"]}
    detail = person.app.get(f"/api/positions/{pid}").json
    unasked = person.app.post_json(f"/api/positions/{pid}/intents", {}, headers=headers, status=422)
    assert_matches_spec(unasked)
    assert "请阅读关于提供个人信息的说明" in unasked.json["error"]
    stale = person.app.post_json(f"/api/positions/{pid}/intents", {"consent": "0"}, headers=headers, status=422)
    assert "已更新" in stale.json["error"]
    not_json = person.app.post(f"/api/positions/{pid}/intents", "[1]", headers={**headers, "Content-Type": "application/json"},
                               status=400)
    assert_matches_spec(not_json)
    consent = {"consent": detail["intent_consent"]["version"]}
    made = person.app.post_json(f"/api/positions/{pid}/intents", consent, headers=headers, status=201)
    assert_matches_spec(made)
    twice = person.app.post_json(f"/api/positions/{pid}/intents", consent, headers=headers, status=409)
    assert_matches_spec(twice)
    unit = make_web()
    unit.login(world["unit"].login_name)
    listed = unit.api("GET", f"/api/positions/{pid}/intents")
    assert_matches_spec(listed)
    assert listed.json["total"] == 1 and listed.json["intents"][0]["name"] == "张晓明"
    assert listed.json["intents"][0]["consented"] is True
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", listed.json["intents"][0]["id_number"])
    refused = unit.api("POST", f"/api/positions/{pid}/intents", json={}, status=403)
    assert_matches_spec(refused)
    someone = make_web()
    someone.login(stranger.login_name, tab="individual")
    gone = someone.api("DELETE", f"/api/intents/{made.json['id']}", status=403)
    assert_matches_spec(gone)
    withdrawn = person.app.delete(f"/api/intents/{made.json['id']}", headers=headers, status=204)
    assert_matches_spec(withdrawn)
    assert_matches_spec(person.app.delete(f"/api/intents/{made.json['id']}", headers=headers, status=409))
    assert unit.api("GET", f"/api/positions/{pid}/intents").json["total"] == 0

