"""engine.positions.search and cache: what is listed, paging, filters, and a cache that is never stale."""
from __future__ import annotations


from datetime import timedelta

from sqlalchemy import select, update

from engine import positions as P
from engine.models import Position
from tests.engine.positions.conftest import TODAY, publish, find


def test_only_open_unexpired_unfilled_positions_are_listed(dbsession, catalogue, unit):
    s = dbsession
    today_deadline = publish(s, catalogue, unit, position_name="今天截止")
    expired = publish(s, catalogue, unit, position_name="昨天截止")
    full = publish(s, catalogue, unit, position_name="已招满", openings=2)
    down = publish(s, catalogue, unit, position_name="已下架")
    publish(s, catalogue, unit, position_name="长期招募", deadline=None)
    s.execute(update(Position).where(Position.id == today_deadline.id).values(deadline=TODAY))
    s.execute(update(Position).where(Position.id == expired.id).values(deadline=TODAY - timedelta(days=1)))
    s.execute(update(Position).where(Position.id == full.id).values(matched=2))
    P.takedown.take_down(s, down, unit[0], None)
    s.commit()
    assert sorted(find(s)) == ["今天截止", "长期招募"]
    result = P.search.search_positions(s, P.search.PositionFilters())
    assert result.total == 2
    statuses = {p.name: P.status.position_status(p, TODAY) for p in s.scalars(select(Position))}
    assert statuses == {"今天截止": "open", "昨天截止": "expired", "已招满": "full", "已下架": "taken_down",
                        "长期招募": "open"}
    tomorrow = P.search.search_positions(s, P.search.PositionFilters(), today=TODAY + timedelta(days=1))
    assert [p.name for p in tomorrow.items] == ["长期招募"]


def test_paging_keeps_the_total_and_clamps_past_the_end(dbsession, catalogue, unit):
    for i in range(23):
        publish(dbsession, catalogue, unit, position_name=f"岗位{i:02d}")
    first = P.search.search_positions(dbsession, P.search.PositionFilters())
    last = P.search.search_positions(dbsession, P.search.PositionFilters(page=9))
    assert (first.total, first.pages, len(first.items)) == (23, 2, 20)
    assert (last.page, len(last.items)) == (2, 3)
    assert first.items[0].name == "岗位22"
    keyword = P.search.search_positions(dbsession, P.search.PositionFilters(q="岗位", page=5))
    assert (keyword.total, keyword.page, len(keyword.items)) == (23, 2, 3)


def test_filters_from_the_url(dbsession, catalogue):
    choices = P.search.search_choices(catalogue)
    assert choices.educations == ("不限", "中专", "大专", "本科", "硕士", "博士")  # post_application's enum
    assert len(choices.industries) == 20 and choices.industries[0] == "农、林、牧、渔业"
    filters, errors = P.search.parse_filters({"county": "140105", "education": "本科", "period": "６",
                                       "min_allowance": "2,500", "sort": "allowance", "page": "3"}, choices)
    assert errors == []
    assert filters == P.search.PositionFilters(city="140100", county="140105", education="本科", period=6,
                                        min_allowance=2500, sort="allowance", page=3)
    assert filters.params(page=1) == {"city": "140100", "county": "140105", "education": "本科", "period": "6",
                                      "min_allowance": "2500", "sort": "allowance"}
    filters, errors = P.search.parse_filters({"city": "140200", "county": "140105", "education": "小学", "period": "2",
                                       "min_allowance": "-1", "sort": "x", "page": "abc", "industry": "航天"}, choices)
    assert filters == P.search.PositionFilters(city="140200")
    assert {e.field: e.message for e in errors} == {
        "county": "所选县（市、区）不属于所选城市", "education": "学历要求的选项无效", "industry": "行业的选项无效",
        "period": "见习期限须在3至12之间", "min_allowance": "最低生活补助请填写整数"}


def test_every_change_to_positions_raises_the_search_counter(dbsession, catalogue, unit):
    s = dbsession
    start = P.cache.search_version(s)
    position = publish(s, catalogue, unit)
    after_insert = P.cache.search_version(s)
    s.execute(update(Position).where(Position.id == position.id).values(matched=1))
    s.commit()
    after_update = P.cache.search_version(s)
    assert start < after_insert < after_update


def test_a_cached_result_is_reused_until_the_data_changes(dbsession, catalogue, unit):
    s = dbsession
    publish(s, catalogue, unit, position_name="甲")
    filters = P.search.PositionFilters()
    first = P.search.search_positions(s, filters)
    assert P.search.search_positions(s, filters) is first
    assert P.search.search_positions(s, filters, cache=False) is not first
    publish(s, catalogue, unit, position_name="乙")
    second = P.search.search_positions(s, filters)
    assert second is not first and [p.name for p in second.items] == ["乙", "甲"]
