"""engine.positions and engine.search: listing rules, keyword search over Chinese text, intents, cache."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from engine import clock, positions as P
from engine import search
from engine.loader import default_dirs, load_catalogue
from engine.models import Intent, Position, PositionEvent
from tests import factories as f

TODAY = clock.today()  # the Beijing date, as the search uses
CATALOGUE = load_catalogue(*default_dirs())


@pytest.fixture
def unit(dbsession, catalogue, storage):
    s = dbsession
    approver = f.reviewer(s, login="sheng", jurisdiction="140000", name="省级审核员")
    account = f.unit_account(s, name="山西晋阳智能科技有限公司")
    f.approved_unit(s, catalogue, storage, account, approver)
    s.commit()
    return account, approver


def publish(dbsession, catalogue, unit, **over) -> Position:
    account, approver = unit
    position = f.published_position(dbsession, catalogue, account, approver, **over)
    dbsession.commit()
    return position


def find(dbsession, **params) -> list[str]:
    filters, errors = P.parse_filters(params, P.search_choices(CATALOGUE))
    assert errors == []
    return [p.name for p in P.search_positions(dbsession, filters).items]


# ---------------------------------------------------------------------------
# Text: normalisation and tokens
# ---------------------------------------------------------------------------

def test_search_text_is_one_case_and_half_width():
    assert search.search_text("ＪＡＶＡ开发", "山西　晋阳", None) == "java开发 山西 晋阳"


def test_tokens_are_bigrams_of_each_run_plus_its_last_character():
    assert search.search_tokens("会计助理 java") == "会计 计助 助理 理 ja av va a"


def test_a_query_term_is_the_phrase_of_its_bigrams_or_a_prefix_for_one_character():
    assert search.fts_query(search.terms("会计助理 ＪＡ 会")) == '"会计 计助 助理" AND "ja" AND "会"*'
    assert search.terms("  ， 、 ") == []


# ---------------------------------------------------------------------------
# Keyword search on the database
# ---------------------------------------------------------------------------

@pytest.fixture
def texts(dbsession, catalogue, unit):
    publish(dbsession, catalogue, unit, position_name="财务会计助理", major="会计学")
    publish(dbsession, catalogue, unit, position_name="Java开发见习生", major="计算机类")
    publish(dbsession, catalogue, unit, position_name="C++工程师助理", major="软件工程")
    publish(dbsession, catalogue, unit, position_name="护理见习岗", major="护理学")


def test_two_character_chinese_words_are_found_anywhere_in_the_text(dbsession, texts):
    assert find(dbsession, q="会计") == ["财务会计助理"]
    assert find(dbsession, q="计助") == ["财务会计助理"]  # spans two words, still a substring
    assert sorted(find(dbsession, q="助理")) == ["C++工程师助理", "财务会计助理"]
    assert sorted(find(dbsession, q="护理")) == ["护理见习岗"]


def test_one_character_and_longer_phrases(dbsession, texts):
    assert sorted(find(dbsession, q="岗")) == ["护理见习岗"]
    assert find(dbsession, q="财务会计助理") == ["财务会计助理"]
    assert find(dbsession, q="会计财务") == []  # the words, but not in this order


def test_latin_text_ignores_case_and_width(dbsession, texts):
    assert find(dbsession, q="JAVA") == ["Java开发见习生"]
    assert find(dbsession, q="ｊａｖａ开发") == ["Java开发见习生"]
    assert find(dbsession, q="c++") == ["C++工程师助理"]
    assert find(dbsession, q="c+") == ["C++工程师助理"]
    assert find(dbsession, q="c#") == []


def test_unit_name_and_major_are_searched_and_all_terms_must_match(dbsession, texts):
    assert len(find(dbsession, q="晋阳")) == 4
    assert find(dbsession, q="晋阳 会计学") == ["财务会计助理"]
    assert find(dbsession, q="晋阳 大同") == []


def test_like_wildcards_in_a_keyword_are_plain_characters(dbsession, texts):
    assert find(dbsession, q="会_计") == []
    assert find(dbsession, q="会%计") == []


# ---------------------------------------------------------------------------
# What is listed
# ---------------------------------------------------------------------------

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
    P.take_down(s, down, unit[0], None)
    s.commit()
    assert sorted(find(s)) == ["今天截止", "长期招募"]
    result = P.search_positions(s, P.PositionFilters())
    assert result.total == 2
    statuses = {p.name: P.position_status(p, TODAY) for p in s.scalars(select(Position))}
    assert statuses == {"今天截止": "open", "昨天截止": "expired", "已招满": "full", "已下架": "taken_down",
                        "长期招募": "open"}
    tomorrow = P.search_positions(s, P.PositionFilters(), today=TODAY + timedelta(days=1))
    assert [p.name for p in tomorrow.items] == ["长期招募"]


def test_paging_keeps_the_total_and_clamps_past_the_end(dbsession, catalogue, unit):
    for i in range(23):
        publish(dbsession, catalogue, unit, position_name=f"岗位{i:02d}")
    first = P.search_positions(dbsession, P.PositionFilters())
    last = P.search_positions(dbsession, P.PositionFilters(page=9))
    assert (first.total, first.pages, len(first.items)) == (23, 2, 20)
    assert (last.page, len(last.items)) == (2, 3)
    assert first.items[0].name == "岗位22"
    keyword = P.search_positions(dbsession, P.PositionFilters(q="岗位", page=5))
    assert (keyword.total, keyword.page, len(keyword.items)) == (23, 2, 3)


def test_filters_from_the_url(dbsession, catalogue):
    choices = P.search_choices(catalogue)
    assert choices.educations == ("不限", "中专", "大专", "本科", "硕士", "博士")  # post_application's enum
    assert len(choices.industries) == 20 and choices.industries[0] == "农、林、牧、渔业"
    filters, errors = P.parse_filters({"county": "140105", "education": "本科", "period": "６",
                                       "min_allowance": "2,500", "sort": "allowance", "page": "3"}, choices)
    assert errors == []
    assert filters == P.PositionFilters(city="140100", county="140105", education="本科", period=6,
                                        min_allowance=2500, sort="allowance", page=3)
    assert filters.params(page=1) == {"city": "140100", "county": "140105", "education": "本科", "period": "6",
                                      "min_allowance": "2500", "sort": "allowance"}
    filters, errors = P.parse_filters({"city": "140200", "county": "140105", "education": "小学", "period": "2",
                                       "min_allowance": "-1", "sort": "x", "page": "abc", "industry": "航天"}, choices)
    assert filters == P.PositionFilters(city="140200")
    assert {e.field: e.message for e in errors} == {
        "county": "所选县（市、区）不属于所选城市", "education": "学历要求的选项无效", "industry": "行业的选项无效",
        "period": "见习期限须在3至12之间", "min_allowance": "最低生活补助请填写整数"}


# ---------------------------------------------------------------------------
# The result cache and its counter
# ---------------------------------------------------------------------------

def test_every_change_to_positions_raises_the_search_counter(dbsession, catalogue, unit):
    s = dbsession
    start = P.search_version(s)
    position = publish(s, catalogue, unit)
    after_insert = P.search_version(s)
    s.execute(update(Position).where(Position.id == position.id).values(matched=1))
    s.commit()
    after_update = P.search_version(s)
    assert start < after_insert < after_update


def test_a_cached_result_is_reused_until_the_data_changes(dbsession, catalogue, unit):
    s = dbsession
    publish(s, catalogue, unit, position_name="甲")
    filters = P.PositionFilters()
    first = P.search_positions(s, filters)
    assert P.search_positions(s, filters) is first
    assert P.search_positions(s, filters, cache=False) is not first
    publish(s, catalogue, unit, position_name="乙")
    second = P.search_positions(s, filters)
    assert second is not first and [p.name for p in second.items] == ["乙", "甲"]


# ---------------------------------------------------------------------------
# Detail, take-down, intents
# ---------------------------------------------------------------------------

def test_the_public_detail_has_no_bank_details_and_a_masked_mobile(dbsession, catalogue, unit):
    detail = P.position_detail(dbsession, catalogue, publish(dbsession, catalogue, unit))
    flat = repr(detail)
    assert detail["contact_mobile"] == "139****5678" and "13912345678" not in flat
    assert set(detail["unit"]) == {"name", "industry", "unit_type", "address", "intro"}
    for secret in ("050212345678901234", "中国工商银行", "bank", "0351-7654321", "赵建国"):
        assert secret not in flat


def test_taking_down_needs_a_reason_from_a_reviewer_and_is_recorded(dbsession, catalogue, unit):
    s = dbsession
    account, reviewer = unit
    position = publish(s, catalogue, unit)
    with pytest.raises(P.PositionError, match="请填写下架原因"):
        P.take_down(s, position, reviewer, "  ")
    P.take_down(s, position, reviewer, "信息不实")
    with pytest.raises(P.PositionError) as e:
        P.take_down(s, position, account, None)
    assert e.value.kind == "conflict"
    events = s.scalars(select(PositionEvent)).all()
    assert [(ev.action, ev.actor_id, ev.comment) for ev in events] == [("takedown", reviewer.id, "信息不实")]


def test_an_intent_is_registered_once_and_again_after_withdrawing(dbsession, catalogue, unit):
    s = dbsession
    position = publish(s, catalogue, unit)
    person = f.individual_account(s)
    first = P.register_intent(s, position, person)
    with pytest.raises(P.PositionError) as e:
        P.register_intent(s, position, person)
    assert e.value.kind == "conflict"
    P.withdraw_intent(s, first, person)
    second = P.register_intent(s, position, person)
    s.commit()
    assert second.id != first.id
    assert [i.id for i in P.intents_of_account(s, person.id)] == [second.id, first.id]
    assert [p.intent_id for p in P.position_intents(s, position)] == [second.id]
    with pytest.raises(P.PositionError) as e:
        P.register_intent(s, position, unit[0])
    assert e.value.kind == "forbidden"


def test_the_database_allows_one_active_intent_per_person_and_position(dbsession, catalogue, unit):
    s = dbsession
    position = publish(s, catalogue, unit)
    person = f.individual_account(s)
    s.commit()
    row = {"position_id": position.id, "account_id": person.id, "created_at": TODAY}
    s.execute(insert(Intent), [{**row, "withdrawn_at": TODAY}, {**row, "withdrawn_at": TODAY}, row])
    s.commit()
    with pytest.raises(IntegrityError):
        s.execute(insert(Intent), [row])
        s.flush()
    s.rollback()


def test_match_rows_name_the_position_as_the_template_dropdown_does(dbsession, catalogue, unit):
    s = dbsession
    a = publish(s, catalogue, unit, position_name="文员")
    b = publish(s, catalogue, unit, position_name="文员")
    c = publish(s, catalogue, unit, position_name="出纳")
    person = f.individual_account(s)
    P.register_intent(s, c, person)
    s.commit()
    from engine.batch.template import open_position_names
    names = open_position_names(s, unit[0].unit_id)
    people = P.position_intents(s, c)
    item = catalogue.item("match_report")
    assert P.match_rows(item, c, people, names)[0]["position"] == "出纳"
    assert P.match_rows(item, b, people, names)[0]["position"] == f"{b.id} 文员"
    row = P.match_rows(item, a, people, names)[0]
    assert (row["name"], row["id_number"], row["education"], row["allowance"]) == (
        "张晓明", person.id_number, "本科", a.allowance)
    # A value the report's 学历 does not offer is left for the unit to choose.
    person.profile = {**person.profile, "education": "小学"}
    assert P.match_rows(item, a, P.position_intents(s, c), names)[0]["education"] is None
