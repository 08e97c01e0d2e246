"""Property tests: the code checks agree with their algorithms, and the Excel reader never crashes."""
import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from engine import formats
from engine.batch.reader import BadFile, open_sheet
from engine.batch.template import template_bytes
from engine.loader import default_dirs, load_catalogue
from engine.errors import KINDS
from engine.rules import RuleContext

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CATALOGUE = load_catalogue(*default_dirs())


def credit_check(first17):
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


# GB 32100 positions 1-2 (authority, category) and 3-8 (a region of a province, or 100000 for the nation).
CREDIT_KINDS = [d + c for d, cats in {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
                                      "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1"}.items()
                for c in cats]
PROVINCES = {code[:2] for code in formats.region_codes() if code.endswith("0000")}
REGION = st.one_of(st.sampled_from(sorted(formats.region_codes())), st.just("100000"),
                   st.sampled_from(["11", "14", "65", "82"]).flatmap(
                       lambda p: st.text(alphabet="0123456789", min_size=4, max_size=4).map(lambda r: p + r)))


@given(st.sampled_from(CREDIT_KINDS), REGION, st.text(alphabet=CREDIT_ALPHABET, min_size=9, max_size=9))
def test_every_credit_code_with_its_check_char_is_valid_and_any_other_is_not(kind, region, body):
    first17 = kind + region + body
    good = first17 + credit_check(first17)
    assert formats.check_credit_code(good) is None
    for other in CREDIT_ALPHABET:
        if other != good[-1]:
            assert formats.check_credit_code(first17 + other) == "校验位错误，请核对第18位"


@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17))
def test_a_credit_code_outside_the_tables_is_refused_whatever_its_check_char(first17):
    good = first17 + credit_check(first17)
    region = first17[2:8]
    in_tables = first17[:2] in CREDIT_KINDS and region.isdigit() and (region == "100000" or region[:2] in PROVINCES)
    assert (formats.check_credit_code(good) is None) == in_tables


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)), st.integers(0, 999),
       st.sampled_from(sorted(formats.region_codes())))
def test_id_numbers_valid_with_their_check_digit_and_lowercase_x(birth, seq, area):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]
    number = first17 + check
    assert formats.check_id_number(formats.normalize_code(number.lower()), today=date(2026, 11, 28)) is None
    assert formats.id_birth_date(number) == birth
    wrong = "0" if check != "0" else "1"
    assert formats.check_id_number(first17 + wrong, today=date(2026, 11, 28)) == "校验位错误，请核对第18位"


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)), st.integers(0, 999),
       st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_an_id_number_of_no_region_code_is_refused_whatever_its_check_digit(birth, seq, area):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    number = first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]
    known = area in formats.region_codes() or area == "830000" or (area[0] == "9" and area[1:3] in PROVINCES)
    problem = formats.check_id_number(number, today=date(2026, 11, 28))
    assert (problem is None) == known
    if not known:
        assert problem.startswith(f"前6位“{area}”不是有效的行政区划代码")


@given(st.text(max_size=40))
def test_checks_never_raise_on_any_text(s):
    for check in formats.FORMAT_CHECKS.values():
        assert check(s) is None or isinstance(check(s), str)
    for key, normalize in formats.FORMAT_NORMALIZERS.items():
        assert isinstance(normalize(s), str)
        assert formats.FORMAT_CHECKS[key](normalize(s)) is None or isinstance(formats.FORMAT_CHECKS[key](normalize(s)), str)
    assert formats.parse_date_text(s) is None or isinstance(formats.parse_date_text(s), date)


# Text a spreadsheet can hold (openpyxl itself refuses control characters).
cell = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30), st.integers(-10**20, 10**20),
                 st.floats(allow_nan=True, allow_infinity=False), st.dates(), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=0, max_size=10), min_size=0, max_size=8), st.booleans())
def test_any_filled_template_gives_rows_or_a_clear_error(rows, keep_header):
    item = CATALOGUE.item("attendance_report")
    wb = load_workbook(io.BytesIO(template_bytes(item)))
    ws = wb.worksheets[0]
    if not keep_header:
        ws.delete_rows(1)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    try:
        sheet = open_sheet(out.getvalue(), item, max_rows=1000, max_bytes=5 * 1024 * 1024, catalogue=CATALOGUE)
    except BadFile as e:
        assert e.kind in KINDS and any("\u4e00" <= ch <= "\u9fff" for ch in e.message)
        return
    try:
        for number, values in sheet.rows():
            assert isinstance(number, int) and number >= 2
    finally:
        sheet.close()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_give_a_clear_error_not_an_exception(data):
    item = CATALOGUE.item("attendance_report")
    try:
        sheet = open_sheet(data, item, max_rows=1000, max_bytes=5 * 1024 * 1024, catalogue=CATALOGUE)
    except BadFile as e:
        assert e.kind in KINDS
    else:  # random bytes are never a template
        sheet.close()
        raise AssertionError("random bytes accepted as a workbook")


# Values of the types each field's schema lets through (rules only ever see those), in every combination.
DAYS = st.one_of(st.integers(0, 35), st.sampled_from([20.0, 21.0, 31.0]))
ROW_FIELDS = {
    "month": st.sampled_from(["2026-02", "2026-10", "2026-11", "2030-01"]),
    "required_days": DAYS, "attended_days": DAYS, "leave_days": DAYS, "absent_days": DAYS, "days": DAYS,
    "status": st.sampled_from(["在岗", "离岗", "中止见习"]),
    "change_date": st.sampled_from(["2026-02-28", "2026-10-15", "2026-11-01"]),
    "start_date": st.sampled_from(["2026-08-01", "2026-10-01", "2027-09-01"]),
    "end_date": st.sampled_from(["2026-07-31", "2027-01-31", "2027-03-31", "2028-01-31"]),
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["attendance_report", "onduty_report", "match_report"]),
       st.lists(st.fixed_dictionaries({}, optional=ROW_FIELDS), max_size=12))
def test_batch_row_rules_give_each_row_the_answer_it_would_get_alone(key, rows):
    """The import shares row-rule verdicts between rows with the same values; no row may get another's answer."""
    from engine.rules import row_rules_checker, run_row_rules
    item = CATALOGUE.item(key)
    ctx = RuleContext(today=date(2026, 11, 28))
    ctx.labels = {k: v["title"] for k, v in item.schema["properties"].items()}
    shared = row_rules_checker(item, ctx)
    for data in rows:
        assert shared(data) == run_row_rules(item, data, ctx)


def _schema_says(prop, value, formats) -> bool:
    import fastjsonschema
    try:
        fastjsonschema.compile(prop, formats=formats)(value)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


CELL_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200_000), st.floats(allow_nan=False, min_value=-10, max_value=1e6),
    st.sampled_from([2.0, 2600.0, 1e15, "", " ", "2026-10-01", "2026-02-30", "2026-10", "本科", "在岗", "男",
                     "13812345678", "1381234567", "140105200305170017", "14010520030517001X", "张三"]),
    st.integers(1, 1600).map(lambda n: "岗" * n),
    st.text(max_size=60))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["match_report", "attendance_report", "onduty_report", "unit_application", "post_application"]),
       st.data())
def test_column_checks_fail_exactly_the_values_the_field_schema_fails(key, data):
    """The per-column short path of the import agrees with the field's JSON Schema on every value."""
    from engine.batch.columns import column_checks
    from engine.batch.importer import fast_formats
    item = CATALOGUE.item(key)
    formats_ = fast_formats(RuleContext(today=date(2026, 11, 28)))
    checks = column_checks(item, formats_)
    name = data.draw(st.sampled_from(sorted(item.schema["properties"])))
    values = data.draw(st.lists(CELL_VALUE, max_size=8))
    prop = item.schema["properties"][name]
    distinct = {v for v in values if v is not None}
    bad = checks[name](set(distinct)) if checks is not None else set()
    if checks is None:
        return
    for v in distinct:
        assert (v not in bad) == _schema_says(prop, v, formats_), (name, v)
