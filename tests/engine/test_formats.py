"""Tests for engine.formats.

The check characters used below are computed with the algorithms written out
independently of the module (weights derived as powers, not copied tables).
"""

import ast
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from engine import formats as f

TODAY = date(2025, 6, 1)


# --- independent reference implementations ----------------------------------

def id_check_char(first17: str) -> str:
    # GB 11643: weight of position i (1-based, of 18) is 2**(18-i) mod 11 and the
    # full weighted sum including the check value (X = 10, weight 1) is ≡ 1 (mod 11).
    assert len(first17) == 17 and first17.isdigit()
    s = sum(int(c) * pow(2, 18 - i, 11) for i, c in enumerate(first17, start=1))
    value = (1 - s) % 11
    return "X" if value == 10 else str(value)


def make_id(area: str, birth: str, seq: str) -> str:
    first17 = area + birth + seq
    return first17 + id_check_char(first17)


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_check_char(first17: str) -> str:
    # GB 32100: weight of position i is 3**(i-1) mod 31; check value = -sum mod 31.
    s = sum(CREDIT_ALPHABET.index(c) * pow(3, i - 1, 31) for i, c in enumerate(first17, start=1))
    return CREDIT_ALPHABET[-s % 31]


def test_reference_implementations_match_published_values():
    assert credit_check_char("91110108551385082") == "Q"
    assert credit_check_char("91110000600037341") == "L"
    assert [pow(2, 18 - i, 11) for i in range(1, 18)] == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


# --- normalisers ---------------------------------------------------------------

def test_to_halfwidth():
    assert f.to_halfwidth("１２３ＡＢＣａｂｃ！～\u3000－") == "123ABCabc!~ -"
    assert f.to_halfwidth("中文，（）") == "中文,()"  # U+FF0C, U+FF08/09 are full-width ASCII
    assert f.to_halfwidth("中文。、【】") == "中文。、【】"  # CJK punctuation outside U+FF01..FF5E kept


def test_normalize_text():
    assert f.normalize_text("\u3000\u00a0\u200b ＡＢ Ｃ\ufeff\t\n") == "AB C"
    assert f.normalize_text("") == ""
    assert f.normalize_text(None) is None
    assert f.normalize_text(123) == 123


def test_normalize_code():
    assert f.normalize_code(" 9111 0108 5513 8508 2q ") == "91110108551385082Q"
    assert f.normalize_code("１４０１０５１９９００１０１１２３ｘ") == "14010519900101123X"
    assert f.normalize_code(None) is None


@pytest.mark.parametrize("raw", [
    "13812345678", "+8613812345678", "+86 138 1234 5678", "0086-138-1234-5678",
    "8613812345678", "＋８６\u3000１３８１２３４５６７８", " 138-1234-5678 ",
    "(+86)13812345678", "（＋８６）１３８ １２３４ ５６７８", "86-138-1234-5678", "+86 (138) 1234 5678",
    "138—1234—5678", "+86-0138-1234-5678", "013812345678", "\u200b13812345678\u200b",
])
def test_normalize_mobile(raw):
    assert f.normalize_mobile(raw) == "13812345678"


def test_normalize_mobile_keeps_other_numbers():
    assert f.normalize_mobile("86123") == "86123"
    assert f.normalize_mobile("0351-1234567") == "03511234567"  # a landline, not made a mobile
    assert f.normalize_mobile("+852 6123 4567") == "+85261234567"  # Hong Kong: +852, not +86
    assert f.normalize_mobile("+1 138 1234 5678") == "+113812345678"
    assert f.normalize_mobile("2600.5") == "2600.5"  # what the importer makes of a number cell
    assert f.normalize_mobile(None) is None


def test_normalize_mobile_never_reads_letters_as_digits():
    # phonenumbers would read a keypad word ("138ABCD5678" -> 13822235678); a typo must stay a typo.
    assert f.normalize_mobile("138ABCD5678") == "138ABCD5678"
    assert f.check_mobile(f.normalize_mobile("138ABCD5678")) == "应为11位手机号码，如13812345678"
    assert f.normalize_mobile("13812345678 ext. 5") != "13812345678"


@pytest.mark.parametrize("raw", [
    "0351-7654321", "03517654321", "(0351)7654321", "（０３５１）７６５４３２１", "0351 765 4321",
    "+86 351 7654321", "0086-351-7654321", "+86 (0)351 7654321", " ０３５１－７６５４３２１ ",
])
def test_normalize_landline(raw):
    assert f.normalize_landline(raw) == "0351-7654321"


def test_normalize_landline_area_codes_of_two_and_four_digits():
    assert f.normalize_landline("010 6234 5678") == "010-62345678"
    assert f.normalize_landline("(0755)86013388") == "0755-86013388"


def test_normalize_landline_leaves_what_is_no_landline_as_typed():
    assert f.normalize_landline(" 7654321 ") == "7654321"  # no area code
    assert f.normalize_landline("13812345678") == "13812345678"  # a mobile
    assert f.normalize_landline("0351-7654321转802") == "0351-7654321转802"
    assert f.normalize_landline(None) is None


def test_normalize_digits():
    assert f.normalize_digits(" 6222 0212 3456 7890\u00a0") == "6222021234567890"
    assert f.normalize_digits("６２２２０２１２３４") == "6222021234"


# --- 统一社会信用代码 ------------------------------------------------------------

@pytest.mark.parametrize("code", ["91110108551385082Q", "91110000600037341L"])
def test_credit_code_valid(code):
    assert f.check_credit_code(code) is None


# Real codes of known organisations (as published on their licences and in the national credit register),
# one of each kind: a registering authority's county (110108), city (330100, 440300), province (110000,
# 520000), national (100000) or development-zone (110302 北京经济技术开发区, not in GB/T 2260) code.
REAL_CREDIT_CODES = {
    "91110108551385082Q": "小米科技有限责任公司",
    "91110000802100433B": "北京百度网讯科技有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "9144030071526726XG": "腾讯科技（深圳）有限公司",
    "914403001922038216": "华为技术有限公司",
    "91110302562134916R": "北京京东世纪贸易有限公司",
    "91110000100010433L": "中国石油天然气集团有限公司",
    "91520000214434146R": "贵州茅台酒股份有限公司",
    "91140000110114391W": "太原钢铁（集团）有限公司",
    "91100000100003962T": "中国工商银行股份有限公司",
    "911000001000013428": "中国银行股份有限公司",
    "911100001000044477": "中国建设银行股份有限公司",
    "12100000400000624D": "清华大学",
    "12100000400002259P": "北京大学",
    "11100000000013127D": "a central government organ (机构编制: 机关)",
    "53100000500021676K": "a national foundation (民政: 基金会)",
    "31110000E00017891P": "北京市金杜律师事务所",
    "92361130MA386N427K": "an individual business of 婺源县 (工商: 个体工商户)",
}


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_valid(code):
    assert f.check_credit_code(code) is None, REAL_CREDIT_CODES[code]


def test_credit_code_letter_prefixed_valid():
    for first17 in ("Y1140105000000012", "A1140105MA0K2B3C4", "N2140100123456789", "N3140105MA0K2B3C4"):
        code = first17 + credit_check_char(first17)
        assert f.check_credit_code(code) is None, code


# GB 32100-2015 登记管理部门代码 -> 机构类别代码, written out here apart from engine/data.
CREDIT_KINDS = {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129",
                "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1"}


def with_check(first17: str) -> str:
    return first17 + credit_check_char(first17)


def test_the_credit_code_table_is_the_standards():
    shipped = {d: "".join(spec["categories"]) for d, spec in f.credit_categories().items()}
    assert shipped == CREDIT_KINDS
    assert f.credit_categories()["9"]["categories"]["2"] == "个体工商户"


@pytest.mark.parametrize("first", CREDIT_ALPHABET)
def test_credit_code_authority_and_category_pairs(first):
    for second in CREDIT_ALPHABET:
        problem = f.check_credit_code(with_check(first + second + "140105MA0K2B3C4"))
        if second in CREDIT_KINDS.get(first, ""):
            assert problem is None, first + second
        elif first not in CREDIT_KINDS:
            assert problem.startswith(f"第1位登记管理部门代码“{first}”不存在"), first + second
        else:
            assert problem.startswith(f"第2位机构类别代码“{second}”不存在"), first + second


def test_credit_code_category_message_names_the_authority_and_the_allowed_codes():
    assert f.check_credit_code(with_check("94140105MA0K2B3C4")) == \
        "第2位机构类别代码“4”不存在：第1位为9（工商）时，第2位应为1、2、3之一，请核对"
    assert f.check_credit_code(with_check("Y2140105MA0K2B3C4")) == \
        "第2位机构类别代码“2”不存在：第1位为Y（其他）时，第2位应为1，请核对"


@pytest.mark.parametrize("region", ["1401A5", "MA0K2B", "14010X"])
def test_credit_code_region_must_be_six_digits(region):
    assert f.check_credit_code(with_check(f"91{region}MA0K2B3C4")) == \
        f"第3-8位应为行政区划代码（6位数字），当前为“{region}”"


@pytest.mark.parametrize("region", ["000000", "160000", "990101", "720000", "100100"])
def test_credit_code_region_of_no_province(region):
    assert f.check_credit_code(with_check(f"91{region}MA0K2B3C4")) == \
        f"第3-8位“{region}”不是有效的行政区划代码（前2位“{region[:2]}”不是省级代码），请核对"


@pytest.mark.parametrize("region", ["100000", "140000", "140100", "140105", "110302", "320594", "141199"])
def test_credit_code_region_of_a_real_province_is_not_looked_up(region):
    # The registering authority's code, which may be a development zone's that GB/T 2260 lacks.
    assert f.check_credit_code(with_check(f"91{region}MA0K2B3C4")) is None


def test_credit_code_wrong_check_digit():
    assert f.check_credit_code("91110108551385082R") == "校验位错误，请核对第18位"
    first17 = "Y1140105000000012"
    good = credit_check_char(first17)
    bad = CREDIT_ALPHABET[(CREDIT_ALPHABET.index(good) + 1) % 31]
    assert f.check_credit_code(first17 + bad) == "校验位错误，请核对第18位"


@pytest.mark.parametrize("code,pos,ch", [
    ("91110108551385O82Q", 15, "O"),
    ("9I110108551385082Q", 2, "I"),
    ("91110108551385082Z", 18, "Z"),
    ("911101085513850-2Q", 16, "-"),
])
def test_credit_code_illegal_char(code, pos, ch):
    assert f.check_credit_code(code) == f"第{pos}位字符“{ch}”不合法（不使用I、O、Z、S、V）"


@pytest.mark.parametrize("code,n", [("9111010855138508", 16), ("91110108551385082QQ", 19), ("", 0), (None, 0)])
def test_credit_code_wrong_length(code, n):
    assert f.check_credit_code(code) == f"应为18位，当前为{n}位"


def test_credit_code_lower_case_normalised_then_valid():
    assert f.check_credit_code("91110108551385082q") is not None
    assert f.check_credit_code(f.normalize_code("９１１１０１０８５５１３８５０８２ｑ")) is None


# --- 身份证号 --------------------------------------------------------------------

VALID_IDS = [
    make_id("140105", "20030517", "123"),   # 太原小店区, born 2003-05-17
    make_id("140107", "19900101", "002"),
    make_id("110101", "19491001", "001"),
    make_id("140302", "20000229", "456"),   # leap day is fine in 2000
]


def id_ending_in_x() -> str:
    for seq in range(1000):
        candidate = make_id("140105", "20030517", f"{seq:03d}")
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no X check char found")


@pytest.mark.parametrize("idn", VALID_IDS)
def test_id_valid(idn):
    assert f.check_id_number(idn, today=TODAY) is None


def test_id_valid_ending_in_x_and_lower_x():
    idn = id_ending_in_x()
    assert f.check_id_number(idn, today=TODAY) is None
    lower = idn[:-1] + "x"
    assert f.check_id_number(lower, today=TODAY) is None  # accepted even before normalising
    assert f.normalize_code(" " + lower + " ") == idn
    assert f.check_id_number(f.normalize_code(lower), today=TODAY) is None


def test_id_fullwidth_normalised():
    idn = VALID_IDS[0]
    full = "".join(chr(ord(c) + 0xFEE0) for c in idn)
    assert f.check_id_number(full, today=TODAY) is not None
    assert f.check_id_number(f.normalize_code(full), today=TODAY) is None


def test_id_wrong_check_digit():
    idn = VALID_IDS[0]
    bad = idn[:17] + ("0" if idn[17] != "0" else "1")
    assert f.check_id_number(bad, today=TODAY) == "校验位错误，请核对第18位"


def test_id_wrong_length():
    assert f.check_id_number("14010520030517123", today=TODAY).startswith("应为18位")
    assert f.check_id_number("140105030517123", today=TODAY) == "应为18位，当前为15位"


def test_id_impossible_birth_date():
    idn = make_id("140105", "19900229", "123")  # 1990 is not a leap year
    msg = f.check_id_number(idn, today=TODAY)
    assert msg.startswith("出生日期“19900229”不是有效日期")


def test_id_future_birth_date():
    idn = make_id("140105", "20250602", "123")
    assert f.check_id_number(idn, today=TODAY).startswith("出生日期不能晚于今天")
    assert f.check_id_number(make_id("140105", "20250601", "123"), today=TODAY) is None
    assert f.check_id_number(make_id("140105", "20990101", "123")).startswith("出生日期不能晚于今天")


@pytest.mark.parametrize("area", ["000000", "100000", "160000", "720000", "840000"])
def test_id_region_of_no_province(area):
    assert f.check_id_number(make_id(area, "19900101", "123"), today=TODAY) == \
        f"前6位“{area}”不是有效的行政区划代码（前2位“{area[:2]}”不是省级代码），请核对"


@pytest.mark.parametrize("area", ["110199", "140199", "140130", "141200", "659099", "119999"])
def test_id_region_that_is_no_county(area):
    assert f.check_id_number(make_id(area, "19900101", "123"), today=TODAY) == \
        f"前6位“{area}”不是有效的行政区划代码，请核对"


@pytest.mark.parametrize("area,name", [
    ("110103", "崇文区, merged into 东城区 in 2010"),
    ("110104", "宣武区, merged into 西城区 in 2010"),
    ("130821", "承德县"),
    ("140102", "太原南城区, abolished 1997"),
    ("140202", "大同城区, renamed 平城区 in 2018"),
    ("110224", "通县, became 通州区 (110112) in 1997"),
    ("140105", "小店区"),
    ("140100", "太原市"),
    ("140000", "山西省"),
    ("659001", "石河子市 (新疆生产建设兵团)"),
])
def test_id_region_codes_of_today_and_of_the_past_are_valid(area, name):
    assert f.check_id_number(make_id(area, "19800101", "123"), today=TODAY) is None, name


def test_id_region_is_not_compared_with_the_birth_year():
    # 通州区 (110112) exists since 1997; a child born in 1990 and first given a number there later has it.
    assert f.check_id_number(make_id("110112", "19900101", "123"), today=TODAY) is None
    assert f.check_id_number(make_id("140105", "19600101", "123"), today=TODAY) is None  # 小店区 since 1997


@pytest.mark.parametrize("area", ["810000", "820000", "830000"])
def test_residence_permits_of_hong_kong_macao_taiwan_are_valid(area):
    assert f.check_id_number(make_id(area, "19950101", "123"), today=TODAY) is None


def test_foreigners_permanent_residence_card_numbers():
    # Since 2023-12: 9, the issuing province, a 3-digit nationality code, birth date, sequence, check digit.
    assert f.check_id_number(make_id("914840", "19900101", "123"), today=TODAY) is None  # 山西, 840 (USA)
    assert f.check_id_number(make_id("911392", "19900101", "123"), today=TODAY) is None  # 北京, 392 (Japan)
    assert f.check_id_number(make_id("999840", "19900101", "123"), today=TODAY) == \
        "前6位“999840”不是有效的行政区划代码（以9开头的外国人永久居留身份证号码，第2-3位应为省级代码），请核对"


def test_every_shanxi_county_of_the_region_table_is_a_valid_id_region():
    from engine.regions import load_regions
    table = load_regions()
    codes = [r.code for r in table.cities()] + [c.code for city in table.cities() for c in table.counties(city.code)]
    assert len(codes) == 11 + 117
    assert [c for c in codes if c not in f.region_codes()] == []


def test_id_illegal_chars():
    assert "前17位只能是数字" in f.check_id_number("1401052003051712X3", today=TODAY)
    assert "只能是数字或X" in f.check_id_number("14010520030517123Y", today=TODAY)


def test_id_birth_date_and_gender():
    idn = VALID_IDS[0]  # seq "123": 17th digit 3 -> male
    assert f.id_birth_date(idn) == date(2003, 5, 17)
    assert f.id_gender(idn) == "男"
    female = make_id("140105", "20030517", "124")
    assert f.id_gender(female) == "女"
    assert f.id_birth_date(id_ending_in_x().lower()) == date(2003, 5, 17)
    assert f.id_birth_date(make_id("140105", "19900229", "123")) is None
    assert f.id_birth_date("garbage") is None
    assert f.id_gender("garbage") is None
    assert f.id_birth_date(None) is None
    assert f.id_gender(None) is None
    # legacy 15-digit: YYMMDD at 7-12, gender from 15th digit
    assert f.id_birth_date("140105900101123") == date(1990, 1, 1)
    assert f.id_gender("140105900101123") == "男"


# --- phones, dates, bank ---------------------------------------------------------

def test_check_mobile():
    assert f.check_mobile("13812345678") is None
    assert f.check_mobile(f.normalize_mobile("+86 138 1234 5678")) is None
    for bad in ["1381234567", "138123456789", "+8613812345678", "03511234567", "23812345678", "", None]:
        assert f.check_mobile(bad) == "应为11位手机号码，如13812345678"


@pytest.mark.parametrize("prefix", ["130", "135", "139", "145", "147", "150", "159", "166", "170", "173",
                                    "177", "180", "189", "191", "198", "199", "1740"])
def test_mobile_allocated_prefixes(prefix):
    assert f.check_mobile((prefix + "0012345678")[:11]) is None


@pytest.mark.parametrize("number", ["15412345678", "19412345678", "14012345678", "14412345678", "12812345678",
                                    "11012345678", "10012345678", "16012345678", "17912345678", "17406012345"])
def test_mobile_unallocated_prefixes(number):
    assert f.check_mobile(number) == f"“{number}”不是有效的手机号码（号段未分配），请核对"


def test_check_landline():
    for ok in ["0351-1234567", "03511234567", "010-12345678", "01012345678", "0351-7654321", "0755-86013388",
               "0999-8123456"]:
        assert f.check_landline(ok) is None, ok
    for bad in ["351-1234567", "0351-123456", "0351-123456789", "0351 1234567", "13812345678", "000-12345678"]:
        assert "0351-1234567" in f.check_landline(bad), bad


def test_check_landline_area_code_and_length():
    # 0123 is no area code; 太原 (0351) numbers have 7 digits, 北京 (010) numbers 8.
    for bad in ["0123-1234567", "0351-12345678", "010-1234567"]:
        assert f.check_landline(bad) == f"“{bad}”不是有效的固定电话号码（区号不存在或号码位数不对），请核对"
    assert f.check_landline("035-17654321") == "区号后的“-”位置不对，应为“0351-7654321”"


def test_check_month():
    assert f.check_month("2025-03") is None
    assert f.check_month("2025-12") is None
    assert "01-12" in f.check_month("2025-13")
    assert "01-12" in f.check_month("2025-00")
    assert f.check_month("2025-3") == "应为“年-月”格式，如2025-03"
    assert f.check_month("2025/03") is not None


def test_check_date():
    assert f.check_date("2024-02-29") is None
    assert "不是有效日期" in f.check_date("2025-02-29")
    assert "不是有效日期" in f.check_date("2025-13-01")
    assert f.check_date("2025-3-1") == "应为“年-月-日”格式，如2025-03-01"


def test_check_bank_account():
    assert f.check_bank_account("622202") is None
    assert f.check_bank_account(f.normalize_digits("6222 0212 3456 7890 123")) is None
    assert f.check_bank_account("1" * 32) is None
    assert f.check_bank_account("12345") == "应为6-32位数字，当前为5位"
    assert f.check_bank_account("1" * 33) == "应为6-32位数字，当前为33位"
    assert "字母或符号" in f.check_bank_account("6222-0212")


def test_check_bank_code():
    assert f.check_bank_code("102161000017") is None
    assert f.check_bank_code("10216100001").startswith("应为12位数字，当前为11位")
    assert "字母或符号" in f.check_bank_code("10216100001A")


def test_format_tables():
    keys = {"credit-code", "id-number", "mobile", "landline", "month", "date", "bank-account", "bank-code"}
    assert set(f.FORMAT_CHECKS) == keys
    assert set(f.FORMAT_NORMALIZERS) == keys
    assert f.FORMAT_NORMALIZERS["credit-code"] is f.normalize_code
    assert f.FORMAT_NORMALIZERS["id-number"] is f.normalize_code
    assert f.FORMAT_NORMALIZERS["mobile"] is f.normalize_mobile
    assert f.FORMAT_NORMALIZERS["bank-account"] is f.normalize_digits
    assert f.FORMAT_NORMALIZERS["bank-code"] is f.normalize_digits
    assert f.FORMAT_NORMALIZERS["landline"] is f.normalize_landline
    for key in ("month", "date"):
        assert f.FORMAT_NORMALIZERS[key] is f.normalize_text
    # normaliser then check, as the engine does it
    pairs = {
        "credit-code": " ９１１１０１０８５５１３８５０８２ｑ ",
        "id-number": id_ending_in_x().lower(),
        "mobile": "+86 138-1234-5678",
        "landline": " ０３５１－１２３４５６７ ",
        "month": "２０２５－０３",
        "date": "\u3000２０２５－０３－０１",
        "bank-account": "6222 0212 3456 7890",
        "bank-code": "1021 6100 0017",
    }
    for key, raw in pairs.items():
        assert f.FORMAT_CHECKS[key](f.FORMAT_NORMALIZERS[key](raw)) is None, key


# --- parsing -----------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    date(2025, 3, 1), datetime(2025, 3, 1, 14, 30),
    "2025-03-01", "2025-3-1", "2025/3/1", "2025/03/01", "2025.3.1", "2025年3月1日", "2025年03月01日",
    "2025年3月1号", "2025年3月1", "20250301", "２０２５年３月１日", "２０２５－０３－０１",
    " 2025 年 3 月 1 日 ", "\u30002025/3/1\u3000", "2025-03-01 00:00:00", "2025-03-01T08:30",
    20250301, 20250301.0,
])
def test_parse_date_text_forms(raw):
    assert f.parse_date_text(raw) == date(2025, 3, 1)


def test_parse_date_text_returns_plain_date():
    assert type(f.parse_date_text(datetime(2025, 3, 1, 9))) is date


@pytest.mark.parametrize("raw", [
    "2025-02-29", "2025/2/30", "2025年13月1日", "20250230", "2025-3/1", "2025-03", "abc", "", None,
    "  ", 45717, 2025.5, True, "2025-03-01 25:00",
])
def test_parse_date_text_invalid(raw):
    assert f.parse_date_text(raw) is None


def test_parse_date_text_leap_day():
    assert f.parse_date_text("2024/2/29") == date(2024, 2, 29)


@pytest.mark.parametrize("raw", [
    "2025-03", "2025-3", "2025/3", "2025/03", "2025.3", "2025年3月", "2025年03月", "2025年3",
    "202503", "２０２５年３月", " 2025 - 03 ", date(2025, 3, 31), datetime(2025, 3, 1, 10),
    "2025-03-15", "2025年3月15日", 202503,
])
def test_parse_month_text_forms(raw):
    assert f.parse_month_text(raw) == "2025-03"


@pytest.mark.parametrize("raw", ["2025-13", "2025-0", "202513", "2025", "abc", "", None, "2025-02-30", True])
def test_parse_month_text_invalid(raw):
    assert f.parse_month_text(raw) is None


# --- date arithmetic ---------------------------------------------------------------

def test_add_months():
    assert f.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert f.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert f.add_months(date(2025, 1, 31), 2) == date(2025, 3, 31)
    assert f.add_months(date(2025, 3, 31), 1) == date(2025, 4, 30)
    assert f.add_months(date(2025, 11, 15), 2) == date(2026, 1, 15)
    assert f.add_months(date(2025, 12, 31), 12) == date(2026, 12, 31)
    assert f.add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert f.add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)
    assert f.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert f.add_months(date(2025, 5, 5), 0) == date(2025, 5, 5)


def test_months_between_whole_months():
    assert f.months_between(date(2025, 3, 1), date(2025, 8, 31)) == 6
    assert f.months_between(date(2025, 1, 1), date(2025, 12, 31)) == 12
    assert f.months_between(date(2025, 3, 15), date(2025, 9, 14)) == 6
    assert f.months_between(date(2025, 2, 1), date(2025, 2, 28)) == 1
    assert f.months_between(date(2025, 11, 1), date(2026, 4, 30)) == 6
    # month-end start: Jan 31 + 1 month is clamped to Feb 28
    assert f.months_between(date(2025, 1, 31), date(2025, 2, 27)) == 1
    assert f.months_between(date(2025, 1, 31), date(2025, 3, 30)) == 2


def test_months_between_partial_and_degenerate():
    assert f.months_between(date(2025, 3, 1), date(2025, 8, 30)) < 6
    assert f.months_between(date(2025, 3, 1), date(2025, 8, 30)) > 5.9
    assert f.months_between(date(2025, 3, 1), date(2025, 3, 15)) == pytest.approx(15 / 31)
    assert f.months_between(date(2025, 3, 1), date(2025, 3, 1)) == pytest.approx(1 / 31)
    assert f.months_between(date(2025, 3, 1), date(2025, 2, 28)) == 0
    assert f.months_between(date(2025, 3, 1), date(2025, 1, 31)) < 0
    assert f.months_between(datetime(2025, 3, 1, 9), datetime(2025, 8, 31, 18)) == 6


def test_age_on():
    birth = date(2003, 5, 17)
    assert f.age_on(birth, date(2025, 5, 16)) == 21
    assert f.age_on(birth, date(2025, 5, 17)) == 22
    assert f.age_on(date(2004, 2, 29), date(2022, 2, 28)) == 17
    assert f.age_on(date(2004, 2, 29), date(2022, 3, 1)) == 18
    assert f.age_on(f.id_birth_date(VALID_IDS[0]), TODAY) == 22


# --- format names: one home ----------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_every_format_a_definition_may_name_is_registered_once():
    assert f.FORMATS == set(f.FORMAT_CHECKS) | set(f.REGION_FORMATS)
    assert set(f.FORMAT_NORMALIZERS) <= f.FORMATS
    assert not set(f.FORMAT_CHECKS) & set(f.REGION_FORMATS)


def test_the_metaschema_and_the_docs_name_the_registered_formats():
    meta = json.loads((ROOT / "engine" / "metaschema" / "item.json").read_text("utf-8"))
    enum = meta["$defs"]["field"]["properties"]["format"].get("enum")
    # The metaschema leaves the list to engine.formats (`jianxi check` refuses others), or lists the same.
    assert enum is None or set(enum) == f.FORMATS
    docs = (ROOT / "docs" / "definitions.md").read_text("utf-8")
    row = next(line for line in docs.splitlines() if line.startswith("| `format` |"))
    assert {w for w in re.findall(r"`([^`]+)`", row) if re.fullmatch(r"[a-z][a-z-]*", w)} - {"format"} == f.FORMATS


def test_no_other_module_spells_a_format_name():
    """The hyphenated names cannot be field keys or widget names: anywhere else they are a copy."""
    names = {n for n in f.FORMATS if "-" in n}
    found = []
    for path in sorted([*(ROOT / "engine").rglob("*.py"), *(ROOT / "webapp").rglob("*.py")]):
        if path == ROOT / "engine" / "formats.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert found == []


@pytest.mark.parametrize("typed,kept", [
    (" Zhang.San@Example.CN ", "Zhang.San@example.cn"),      # the domain is case-blind, the mailbox is not
    ("zhang＠example．com", "zhang@example.com"),            # full-width, as a Chinese IME types it
])
def test_normalize_email(typed, kept):
    assert f.normalize_email(typed) == kept
    assert f.check_email(kept) is None


@pytest.mark.parametrize("typed", ["zhang@", "@example.com", "zhang@example", "张三@例子.中国", "a b@example.com",
                                   "x" * 250 + "@a.cn"])
def test_check_email_refuses_what_no_relay_would_deliver(typed):
    assert f.check_email(f.normalize_email(typed))
