import copy
import json
from importlib import resources

import pytest

from engine.regions import Region, RegionTable, load_regions

CITY_COUNTS = {
    "140100": ("太原市", 10),
    "140200": ("大同市", 10),
    "140300": ("阳泉市", 5),
    "140400": ("长治市", 12),
    "140500": ("晋城市", 6),
    "140600": ("朔州市", 6),
    "140700": ("晋中市", 11),
    "140800": ("运城市", 13),
    "140900": ("忻州市", 14),
    "141000": ("临汾市", 17),
    "141100": ("吕梁市", 13),
}


@pytest.fixture(scope="module")
def table():
    return load_regions()


def _raw(filename):
    with (resources.files("engine") / "data" / filename).open("r", encoding="utf-8") as fh:
        return json.load(fh)


# -- data shape -------------------------------------------------------------


def test_load_is_cached(table):
    assert load_regions() is table


def test_province(table):
    assert table.province == Region("140000", "山西省", "province", None, None)
    assert table.get("140000") is table.province


def test_eleven_cities_in_code_order(table):
    cities = table.cities()
    assert [c.code for c in cities] == sorted(CITY_COUNTS)
    assert {c.code: c.name for c in cities} == {code: name for code, (name, _) in CITY_COUNTS.items()}
    for c in cities:
        assert c.level == "city"
        assert c.parent == "140000"
        assert c.wage_class is None


def test_county_counts(table):
    assert len(table.all_counties()) == 117
    for code, (_, count) in CITY_COUNTS.items():
        assert len(table.counties(code)) == count, code


def test_every_county_belongs_to_a_real_city(table):
    city_codes = {c.code for c in table.cities()}
    for k in table.all_counties():
        assert k.level == "county"
        assert k.parent in city_codes
        assert k.code[:4] == k.parent[:4]
        assert len(k.code) == 6 and k.code.isdigit()


def test_codes_unique_and_no_placeholders(table):
    codes = [table.province.code] + [c.code for c in table.cities()] + [k.code for k in table.all_counties()]
    assert len(codes) == len(set(codes))
    for k in table.all_counties():
        assert not k.code.endswith("01"), k  # 市辖区
        assert not 71 <= int(k.code[4:]) <= 79, k  # NBS development zones
        assert k.name != "市辖区"


def test_counties_in_code_order(table):
    codes = [k.code for k in table.all_counties()]
    assert codes == sorted(codes)
    raw = _raw("shanxi_regions.json")
    assert [c["code"] for c in raw["cities"]] == sorted(c["code"] for c in raw["cities"])
    for c in raw["cities"]:
        assert [k["code"] for k in c["counties"]] == sorted(k["code"] for k in c["counties"])


def test_county_kinds_match_code_ranges(table):
    # GB/T 2260: 02-20 districts (区), 21-70 counties (县), 81-99 county-level cities (市)
    kinds = {"区": 0, "县": 0, "市": 0}
    for k in table.all_counties():
        n = int(k.code[4:])
        suffix = k.name[-1]
        kinds[suffix] += 1
        if suffix == "区":
            assert 2 <= n <= 20, k
        elif suffix == "县":
            assert 21 <= n <= 70, k
        else:
            assert 81 <= n <= 99, k
    assert kinds == {"区": 26, "县": 80, "市": 11}


@pytest.mark.parametrize(
    "code,name,city",
    [
        ("140105", "小店区", "140100"),
        ("140181", "古交市", "140100"),
        ("140213", "平城区", "140200"),
        ("140214", "云冈区", "140200"),
        ("140215", "云州区", "140200"),
        ("140403", "潞州区", "140400"),
        ("140404", "上党区", "140400"),
        ("140405", "屯留区", "140400"),
        ("140406", "潞城区", "140400"),
        ("140681", "怀仁市", "140600"),
        ("140703", "太谷区", "140700"),
        ("141182", "汾阳市", "141100"),
    ],
)
def test_spot_checks(table, code, name, city):
    region = table.get(code)
    assert region is not None
    assert (region.name, region.level, region.parent) == (name, "county", city)
    assert table.county_in_city(code, city)
    assert table.city_of(code) == table.get(city)


@pytest.mark.parametrize(
    "code",
    [
        "140202",  # 大同 城区
        "140203",  # 大同 矿区
        "140211",  # 大同 南郊区
        "140227",  # 大同县
        "140402",  # 长治 城区
        "140411",  # 长治 郊区
        "140421",  # 长治县
        "140424",  # 屯留县
        "140481",  # 潞城市
        "140624",  # 怀仁县
        "140726",  # 太谷县
    ],
)
def test_abolished_codes_absent(table, code):
    assert table.get(code) is None


# -- queries ----------------------------------------------------------------


def test_get_and_level_checks(table):
    assert table.get("999999") is None
    assert table.get("") is None
    assert table.get(None) is None
    assert table.is_city("140100")
    assert not table.is_city("140105")
    assert not table.is_city("140000")
    assert not table.is_city("140101")
    assert table.is_county("140105")
    assert not table.is_county("140100")
    assert not table.is_county("140000")
    assert not table.is_county("140101")
    assert not table.is_county(None)
    assert not table.is_county(140105)


def test_counties_of_unknown_city(table):
    assert table.counties("149900") == []
    assert table.counties("140105") == []
    assert table.counties("140000") == []


def test_returned_lists_are_copies(table):
    table.cities().clear()
    table.counties("140100").clear()
    table.all_counties().clear()
    assert len(table.cities()) == 11
    assert len(table.counties("140100")) == 10
    assert len(table.all_counties()) == 117


def test_county_in_city(table):
    assert table.county_in_city("140105", "140100")
    assert not table.county_in_city("140105", "140200")
    assert not table.county_in_city("140100", "140100")
    assert not table.county_in_city("999999", "140100")


def test_city_of(table):
    assert table.city_of("140213").name == "大同市"
    assert table.city_of("140100") is None
    assert table.city_of("140000") is None
    assert table.city_of("999999") is None


def test_contains_province(table):
    assert all(table.contains("140000", k.code) for k in table.all_counties())


def test_contains_city(table):
    assert table.contains("140100", "140105")
    assert table.contains("140200", "140213")
    assert table.contains("141100", "141182")
    for city in table.cities():
        own = {k.code for k in table.counties(city.code)}
        for k in table.all_counties():
            assert table.contains(city.code, k.code) == (k.code in own)


def test_contains_false_across_cities(table):
    assert not table.contains("140100", "140213")
    assert not table.contains("140200", "140105")
    assert not table.contains("140300", "140502")  # 阳泉 does not contain 晋城 城区


def test_contains_county(table):
    assert table.contains("140105", "140105")
    assert not table.contains("140105", "140106")
    assert not table.contains("140302", "140502")  # same name 城区, different county


def test_contains_unknown_or_non_county(table):
    assert not table.contains("999999", "140105")
    assert not table.contains("140000", "999999")
    assert not table.contains("140000", "140100")  # a city is not a county
    assert not table.contains("140000", "140000")
    assert not table.contains(None, "140105")
    assert not table.contains("140100", None)


def test_minimum_wage_for_every_county(table):
    for k in table.all_counties():
        assert table.minimum_wage(k.code) in (2150, 2050, 1950), k
        assert k.wage_class in (1, 2, 3)


def test_minimum_wage_values(table):
    assert table.minimum_wage("140105") == 2150  # 太原 district
    assert table.minimum_wage("140181") == 2050  # county-level city
    assert table.minimum_wage("140213") == 2050  # district outside 太原
    assert table.minimum_wage("140121") == 1950  # county
    assert table.minimum_wage("140100") is None
    assert table.minimum_wage("140000") is None
    assert table.minimum_wage("999999") is None


def test_wage_file_matches_spec():
    wages = _raw("minimum_wage.json")
    assert wages["effective"] == "2025-01-01"
    assert wages["classes"] == {"1": 2150, "2": 2050, "3": 1950}
    assert wages["source"]


def test_label(table):
    assert table.label("140105") == "太原市 小店区"
    assert table.label("141182") == "吕梁市 汾阳市"
    assert table.label("140100") == "太原市"
    assert table.label("140000") == "山西省"
    assert table.label("999999") == ""
    assert table.label("") == ""
    assert table.label(None) == ""


def test_find_by_name(table):
    assert table.find_by_name("小店区").code == "140105"
    assert table.find_by_name(" 小店区 ").code == "140105"
    assert table.find_by_name("小店区", "140100").code == "140105"
    assert table.find_by_name("小店区", "140200") is None
    assert table.find_by_name("小店区", "149900") is None
    assert table.find_by_name("汾阳市").code == "141182"
    assert table.find_by_name("太原市").code == "140100"
    assert table.find_by_name("山西省").code == "140000"
    assert table.find_by_name("小店") is None  # exact match only
    assert table.find_by_name("") is None
    assert table.find_by_name(None) is None


def test_find_by_name_ambiguous(table):
    # 城区 exists in both 阳泉市 and 晋城市
    assert table.find_by_name("城区") is None
    assert table.find_by_name("城区", "140300").code == "140302"
    assert table.find_by_name("城区", "140500").code == "140502"


def test_find_by_name_round_trips_every_county(table):
    for k in table.all_counties():
        assert table.find_by_name(k.name, k.parent) == k


def test_region_is_frozen(table):
    with pytest.raises(AttributeError):
        table.province.name = "x"


# -- validation of hand-made data -------------------------------------------


@pytest.fixture
def raw_data():
    return copy.deepcopy(_raw("shanxi_regions.json")), copy.deepcopy(_raw("minimum_wage.json"))


def test_table_from_raw_data(raw_data):
    regions, wages = raw_data
    assert len(RegionTable(regions, wages).all_counties()) == 117


def test_rejects_duplicate_code(raw_data):
    regions, wages = raw_data
    regions["cities"][0]["counties"].append(dict(regions["cities"][0]["counties"][0]))
    with pytest.raises(ValueError, match="duplicate"):
        RegionTable(regions, wages)


def test_rejects_county_in_wrong_city(raw_data):
    regions, wages = raw_data
    regions["cities"][0]["counties"].append({"code": "140299", "name": "x县", "wage_class": 3})
    with pytest.raises(ValueError, match="does not belong"):
        RegionTable(regions, wages)


def test_rejects_placeholder(raw_data):
    regions, wages = raw_data
    regions["cities"][0]["counties"].append({"code": "140101", "name": "市辖区", "wage_class": 1})
    with pytest.raises(ValueError, match="placeholder"):
        RegionTable(regions, wages)


def test_rejects_unknown_wage_class(raw_data):
    regions, wages = raw_data
    regions["cities"][0]["counties"][0]["wage_class"] = 4
    with pytest.raises(ValueError, match="wage_class"):
        RegionTable(regions, wages)
