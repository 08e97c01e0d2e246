"""engine.search as positions use it: keyword search over Chinese text, the same on SQLite and PostgreSQL."""
from __future__ import annotations




from engine import search
from tests.engine.positions.conftest import find


def test_search_text_is_one_case_and_half_width():
    assert search.search_text("ＪＡＶＡ开发", "山西　晋阳", None) == "java开发 山西 晋阳"


def test_tokens_are_bigrams_of_each_run_plus_its_last_character():
    assert search.search_tokens("会计助理 java") == "会计 计助 助理 理 ja av va a"


def test_a_query_term_is_the_phrase_of_its_bigrams_or_a_prefix_for_one_character():
    assert search.fts_query(search.terms("会计助理 ＪＡ 会")) == '"会计 计助 助理" AND "ja" AND "会"*'
    assert search.terms("  ， 、 ") == []


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
