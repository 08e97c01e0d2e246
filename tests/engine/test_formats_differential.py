"""Our code checks against independent implementations: python-stdnum (stdnum.cn.ric, stdnum.cn.uscc) and
phonenumbers' own parsing.

Where the standards agree, the verdicts must agree on every input. Where we deliberately differ, the
difference is named (ID_DIFFERENCES, CREDIT_DIFFERENCES), each kind has a test showing both verdicts,
and every disagreement of the random runs must be one of them:

身份证号
- stdnum refuses a county code in use only after (or only before) the holder's birth year. We do not
  compare years: a number carries the code of the county that issued it, which may be years after the
  birth (110112 通州区 exists since 1997; a child born in 1990 there was given 110112 later).
- stdnum accepts a birth date after today; we refuse it.
- stdnum knows only GB/T 2260 codes; we also accept the 台湾居民居住证 (830000) and the foreigners'
  permanent residence card of 2023 (9, a province, a nationality code).
- stdnum 2.2 raises KeyError (instead of answering False) on a known province with an unknown county
  (110199...); counted here as its "invalid", which is also our verdict.

统一社会信用代码
- stdnum requires digits in positions 1-8, so it refuses the letter authorities of GB 32100 (A 军队, N 农业,
  Y 其他); we accept them.
- stdnum checks neither the authority/category pair (positions 1-2) nor the region's province
  (positions 3-8); we refuse a pair outside the standard's table and a region of no province.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import phonenumbers
import pytest
from stdnum import numdb
from stdnum.cn import ric, uscc

from engine import formats as f

TODAY = date(2026, 11, 28)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODES = sorted(f.region_codes())
PROVINCES = {code[:2] for code in CODES if code.endswith("0000")}


def id_with_check(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17)) % 11]


def credit_with_check(first17: str) -> str:
    return first17 + ALPHABET[-sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17)) % 31]


def stdnum_ric(v: str) -> bool:
    try:
        return ric.is_valid(v)
    except KeyError:  # stdnum 2.2 on a known province with an unknown county
        return False


def ours_id(v: str) -> bool:
    return f.check_id_number(v, today=TODAY) is None


# --- 身份证号 ------------------------------------------------------------------------

def id_difference(v: str) -> str | None:
    """Which documented difference, if any, applies to a well-formed number v."""
    region, birth = v[:6], f.id_birth_date(v)
    if region == "830000" or region[0] == "9":
        return "not a GB/T 2260 code"
    if birth is not None and birth > TODAY:
        return "birth after today"
    parts = dict(numdb.get("cn/loc").info(region))
    if parts.get(region[2:], {}).get("county", "").startswith("["):
        try:
            ric.get_birth_place(v)
        except Exception:
            return "county years"
    return None


def random_ids(rnd: random.Random, n: int):
    start = date(1900, 1, 1)
    for _ in range(n):
        kind = rnd.random()
        region = (rnd.choice(CODES) if kind < 0.6 else
                  f"{rnd.randrange(10**6):06d}" if kind < 0.8 else
                  rnd.choice(CODES)[:4] + f"{rnd.randrange(100):02d}")
        if rnd.random() < 0.9:
            birth = (start + timedelta(days=rnd.randrange(50000))).strftime("%Y%m%d")
        else:
            birth = f"{rnd.randrange(1850, 2100)}{rnd.randrange(0, 14):02d}{rnd.randrange(0, 33):02d}"
        first17 = region + birth + f"{rnd.randrange(1000):03d}"
        yield id_with_check(first17) if rnd.random() < 0.85 else first17 + rnd.choice("0123456789X")


ID_EDGES = ["", "1", "11010119900101123", "1101011990010112377", "11010119900101123x", "11010119900229123X",
            "110101000001011234", "11010119901301123X", "A10101199001011234", "110101199001011 34",
            id_with_check("11010120000229123"), id_with_check("11010119000229123"), id_with_check("11010100010101123"),
            id_with_check("11010199991231123"), id_with_check("00000019900101123"),
            id_with_check("11019919900101123"), id_with_check("11000019900101123"),
            id_with_check("71000019900101123"), id_with_check("81000019900101123")]


def test_id_numbers_agree_with_stdnum_where_the_standards_agree():
    rnd = random.Random(2260)
    counts = {"agree valid": 0, "agree invalid": 0}
    for v in [*ID_EDGES, *random_ids(rnd, 30000)]:
        v = f.normalize_code(v)
        mine, theirs = ours_id(v), stdnum_ric(v)
        if mine == theirs:
            counts["agree " + ("valid" if mine else "invalid")] += 1
            continue
        why = id_difference(v)
        assert why is not None, (v, "ours" if mine else "stdnum", "accepts an undocumented case")
        counts[why] = counts.get(why, 0) + 1
    # The runs reach both verdicts and each documented difference, so they test something.
    assert counts["agree valid"] > 5000 and counts["agree invalid"] > 5000, counts
    assert counts.get("county years", 0) > 100 and counts.get("birth after today", 0) > 10, counts


ID_DIFFERENCES = [
    # (number, ours, stdnum, why)
    (id_with_check("11011219900101123"), True, False, "通州区 (1997-) on a number of someone born in 1990"),
    (id_with_check("11010320150101123"), True, False, "崇文区 (-2010) on a number of someone born in 2015"),
    (id_with_check("81000019900101123"), True, False, "Hong Kong permit (810000, 1997-), born 1990"),
    (id_with_check("11010120300101123"), False, True, "born after today"),
    (id_with_check("83000019900101123"), True, False, "台湾居民居住证"),
    (id_with_check("91484019900101123"), True, False, "外国人永久居留身份证 (2023)"),
]


@pytest.mark.parametrize("number,mine,theirs,why", ID_DIFFERENCES)
def test_id_numbers_documented_differences_from_stdnum(number, mine, theirs, why):
    assert (ours_id(number), stdnum_ric(number)) == (mine, theirs), why


def test_stdnum_raises_on_an_unknown_county_of_a_known_province():
    # If this starts to fail, stdnum fixed it: drop the KeyError note from this module's docstring.
    with pytest.raises(KeyError):
        ric.is_valid(id_with_check("11019919900101123"))
    assert not ours_id(id_with_check("11019919900101123"))


# --- 统一社会信用代码 ---------------------------------------------------------------------

def credit_difference(v: str) -> str | None:
    kinds = f.credit_categories()
    if v[0] not in kinds or v[1] not in kinds[v[0]]["categories"]:
        return "authority/category not in the table"
    region = v[2:8]
    if region.isdigit() and region[:2] not in PROVINCES and region != "100000":
        return "region of no province"
    if not v[0].isdigit():
        return "letter authority"
    return None


def random_credit_codes(rnd: random.Random, n: int):
    kinds = [(d, c) for d, spec in f.credit_categories().items() for c in spec["categories"]]
    for _ in range(n):
        kind = rnd.random()
        head = "".join(rnd.choice(kinds)) if kind < 0.7 else rnd.choice(ALPHABET) + rnd.choice(ALPHABET)
        r = rnd.random()
        region = (rnd.choice(CODES) if r < 0.6 else "100000" if r < 0.65 else
                  f"{rnd.randrange(10**6):06d}" if r < 0.9 else "".join(rnd.choice(ALPHABET) for _ in range(6)))
        first17 = head + region + "".join(rnd.choice(ALPHABET) for _ in range(9))
        yield credit_with_check(first17) if rnd.random() < 0.85 else first17 + rnd.choice(ALPHABET)


CREDIT_EDGES = ["", "9111010855138508", "91110108551385082QQ", "91110108551385082q", "91110108551385O82Q",
                "91110108551385082Q", "91110000600037341L", "911101085513850 2Q", "9111010855138508IQ"]


def test_credit_codes_agree_with_stdnum_where_the_standards_agree():
    rnd = random.Random(32100)
    counts = {"agree valid": 0, "agree invalid": 0}
    for v in [*CREDIT_EDGES, *random_credit_codes(rnd, 30000)]:
        v = f.normalize_code(v)
        mine, theirs = f.check_credit_code(v) is None, uscc.is_valid(v)
        if mine == theirs:
            counts["agree " + ("valid" if mine else "invalid")] += 1
            continue
        why = credit_difference(v)
        assert why is not None, (v, "ours" if mine else "stdnum", "accepts an undocumented case")
        # Each difference goes one way: we accept letter authorities, we refuse what is outside the table.
        assert mine == (why == "letter authority"), (v, why)
        counts[why] = counts.get(why, 0) + 1
    assert counts["agree valid"] > 5000 and counts["agree invalid"] > 5000, counts
    assert min(counts.get(k, 0) for k in ("authority/category not in the table", "region of no province",
                                          "letter authority")) > 50, counts


CREDIT_DIFFERENCES = [
    (credit_with_check("Y1140105000000012"), True, False, "Y 其他 (letter authority)"),
    (credit_with_check("N2140100123456789"), True, False, "N 农业: 村级集体经济组织"),
    (credit_with_check("A1110000MA0K2B3C4"), True, False, "A 军队事业单位"),
    (credit_with_check("94140105MA0K2B3C4"), False, True, "9 工商 has no category 4"),
    (credit_with_check("01140105MA0K2B3C4"), False, True, "no authority 0"),
    (credit_with_check("91990105MA0K2B3C4"), False, True, "no province 99"),
]


@pytest.mark.parametrize("code,mine,theirs,why", CREDIT_DIFFERENCES)
def test_credit_codes_documented_differences_from_stdnum(code, mine, theirs, why):
    assert (f.check_credit_code(code) is None, uscc.is_valid(code)) == (mine, theirs), why


# --- 手机号: our shortcut (no parsing) against phonenumbers' full parse -------------------

def phonenumbers_says_mobile(v: str) -> bool:
    try:
        number = phonenumbers.parse(v, "CN")
    except phonenumbers.NumberParseException:  # e.g. 10000000000: a carrier prefix, then too short
        return False
    return phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def test_mobile_check_agrees_with_phonenumbers_on_every_prefix():
    rnd = random.Random(86)
    verdicts = set()
    for prefix in range(1000, 2000):  # every 4-digit prefix of an 11-digit number starting with 1
        for _ in range(3):
            v = f"{prefix}{rnd.randrange(10**7):07d}"
            mine = f.check_mobile(v) is None
            assert mine == phonenumbers_says_mobile(v), v
            verdicts.add(mine)
    assert verdicts == {True, False}


@pytest.mark.parametrize("written", ["+86 {0} {1} {2}", "(+86){0}{1}{2}", "86-{0}-{1}-{2}", "0086{0}{1}{2}",
                                     "{0} {1} {2}", "{0}-{1}-{2}"])
def test_mobile_normalised_as_phonenumbers_reads_it(written):
    rnd = random.Random(written)
    for _ in range(200):
        v = f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}"
        text = written.format(v[:3], v[3:7], v[7:])
        national = str(phonenumbers.parse(text, "CN").national_number)
        assert f.normalize_mobile(text) == national == v
