"""The dry run: every error of every kind at its row and column, nothing written; then a clean import."""
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.batch import importer
from engine.batch.importer import ImportRefused, import_workbook, load_errors
from engine.batch.template import filled_workbook
from engine.definitions.model import ItemDefinition
from engine.models import BatchImport, BatchRow, Case, Position
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs

TODAY = date(2026, 11, 28)


@pytest.fixture
def unit(dbsession, catalogue, storage):
    """An approved unit with three positions, and another unit that already has an agreement with someone."""
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, account, province)
    f.published_position(dbsession, catalogue, account, province, position_name="软件开发见习生", openings=50)
    f.published_position(dbsession, catalogue, account, province, position_name="会计见习生", period_months=3)
    f.published_position(dbsession, catalogue, account, province, position_name="限额岗位", openings=1)
    other = f.unit_account(dbsession, name="另一家公司")
    f.approved_unit(dbsession, catalogue, storage, other, province)
    f.published_position(dbsession, catalogue, other, province, position_name="文旅见习生")
    dbsession.commit()
    taken = batch_rows.match_rows(1, ["文旅见习生"], seed=9, first=5000)
    result = run(dbsession, catalogue, storage, other, "match_report", taken)
    assert result.ok, result.errors
    dbsession.commit()
    return {"account": account, "other": other, "taken": taken[0]}


def run(dbsession, catalogue, storage, account, key, rows, data=None):
    item = catalogue.item(key)
    data = data or filled_workbook(item, rows)
    return import_workbook(dbsession, catalogue, item, account, data, "上报.xlsx", storage=storage, today=TODAY)


def counts(dbsession):
    return (dbsession.scalar(select(func.count()).select_from(Case).where(Case.workflow_key == "batch")),
            dbsession.scalar(select(func.count()).select_from(BatchRow)))


def _rows(n=1, position="软件开发见习生", first=0):
    return batch_rows.match_rows(n, [position], first=first)


def match_with_every_mistake(taken):
    good = _rows(1)[0]

    def row(i, **change):
        return {**_rows(1, first=100 + i)[0], **change}

    young_id = batch_rows.id_number("140105", date(2001, 1, 1), 7)   # 25 at the start of the agreement
    return [
        good,                                                                   # 2 fine
        row(3, id_number=good["id_number"]),                                    # 3 duplicate in file
        row(4, id_number=good["id_number"][:17] + ("1" if good["id_number"][17] != "1" else "2")),
        row(5, mobile="12345"),                                                 # 5
        row(6, education="研究生"),                                              # 6
        row(7, school=None),                                                    # 7
        row(8, end_date=date(2026, 1, 1)),                                      # 8 before the start
        row(9, end_date=date(2027, 10, 31)),                                    # 9 14 months
        row(10, position="不存在的岗位"),                                        # 10
        row(11, position="会计见习生"),                                          # 11 6 months > 3
        row(12, allowance=2000),                                                # 12 below 2150
        row(13, id_number=taken["id_number"], start_date=date(2026, 10, 1),
            end_date=date(2027, 3, 31)),                                        # 13 overlaps the other unit's
        row(14, category="16-24岁失业青年", id_number=young_id),                  # 14 age 25
        row(15, graduated_on=date(2023, 6, 30)),                                # 15 more than 2 years
        row(16, graduated_on=date(2026, 12, 1)),                                # 16 after the start
        row(17, position="限额岗位"),                                             # 17 takes the only opening
        row(18, position="限额岗位"),                                             # 18 none left
        row(19, id_number=1.4010520030517002e17),                               # 19 stored as a number
        row(20, allowance="abc"),                                               # 20
        row(21, insurance_no=None, name="名" * 31),                              # 21 two mistakes
        row(22, mobile="+86 154 1234 5678"),                                    # 22 unallocated prefix
        row(23, id_number=batch_rows.id_number("110199", date(2003, 5, 17), 1)), # 23 no such county
        row(24, mobile="(+86)139-1234-5678",                                    # 24 fine: both written
            id_number=batch_rows.id_number("110103", date(2003, 5, 17), 1)),    #    as people write them
    ]


EXPECTED = [
    (3, "身份证号", "身份证号与第2行重复"),
    (4, "身份证号", "身份证号校验位错误，请核对第18位"),
    (5, "手机号", "手机号应为11位手机号码，如13812345678"),
    (6, "学历", "学历请从列表中选择"),
    (7, "毕业院校", "请填写毕业院校"),
    (8, "协议结束日期", "协议结束日期不能早于协议开始日期"),
    (9, "协议结束日期", "协议期限须为3至12个月，当前约14.0个月，请调整协议结束日期"),
    (10, "见习岗位", "“不存在的岗位”不是本单位审核通过的见习岗位，请从下拉列表中选择"),
    (11, "协议结束日期", "协议期限超过岗位“会计见习生”的见习期限（3个月）"),
    (12, "基本生活补助(元/月)", "基本生活补助(元/月)不能低于太原市 小店区最低工资标准2150元/月"),
    (13, "协议开始日期", "该人员已有2026-08-01至2027-01-31的见习协议，协议期间不能重叠"),
    (14, "人员类别", "人员类别为“16-24岁失业青年”时，协议开始日年龄须在16至24岁之间（当前25岁）"),
    (15, "毕业时间", "人员类别为“离校2年内未就业高校毕业生”时，须在毕业2年内开始见习"),
    (16, "毕业时间", "毕业时间不能晚于协议开始日期"),
    (18, "见习岗位", "岗位“限额岗位”招募人数1人，已匹配0人，名额不足"),
    (19, "身份证号", "身份证号被Excel存成了数字（1.40105e+17），末尾几位已经丢失。请把该列设为“文本”格式后重新输入完整号码"),
    (20, "基本生活补助(元/月)", "基本生活补助(元/月)须为整数，请只填写数字"),
    (21, "姓名", "姓名不能超过30个字（当前31个字），请删减"),
    (21, "意外伤害保险单号", "请填写意外伤害保险单号"),
    (22, "手机号", "手机号“15412345678”不是有效的手机号码（号段未分配），请核对"),
    (23, "身份证号", "身份证号前6位“110199”不是有效的行政区划代码，请核对"),
]


def test_every_mistake_is_reported_at_its_row_and_column_and_nothing_is_written(dbsession, catalogue, storage, unit):
    before = counts(dbsession)
    rows = match_with_every_mistake(unit["taken"])
    result = run(dbsession, catalogue, storage, unit["account"], "match_report", rows)
    dbsession.commit()
    assert not result.ok
    assert [(e.row, e.column, e.message) for e in result.errors] == EXPECTED
    assert counts(dbsession) == before
    assert dbsession.scalar(select(Position.matched).where(Position.name == "限额岗位")) == 0
    record = dbsession.scalar(select(BatchImport).where(BatchImport.token == result.record.token))
    assert record.case_id is None and record.error_count == len(EXPECTED) and record.row_count == len(rows)
    assert load_errors(storage, record) == result.errors
    by_row = {e.row: e for e in result.errors}
    assert by_row[6].value == "研究生" and by_row[20].value == "abc" and by_row[13].value == "2026-10-01"


def test_the_short_paths_find_exactly_what_the_full_validation_finds(dbsession, catalogue, storage, unit, monkeypatch):
    """Column checks (the default), whole-row compiled checks (schemas whose fields depend on one another)
    and the full validation of every row must report the same errors."""
    rows = match_with_every_mistake(unit["taken"]) + _rows(30, first=300)
    by_column = run(dbsession, catalogue, storage, unit["account"], "match_report", rows)

    monkeypatch.setattr(importer, "field_checks", lambda item, ctx: None)
    by_row = run(dbsession, catalogue, storage, unit["account"], "match_report", rows)

    def always_fails(item, ctx):
        def check(data):
            raise importer.fastjsonschema.JsonSchemaValueException("forced")
        return check
    monkeypatch.setattr(importer, "fast_validator", always_fails)
    full = run(dbsession, catalogue, storage, unit["account"], "match_report", rows)
    assert by_column.errors == by_row.errors == full.errors
    assert by_column.row_count == by_row.row_count == full.row_count == len(rows)


def test_a_schema_with_fields_that_depend_on_one_another_is_checked_row_by_row(catalogue):
    from engine.batch.columns import column_checks
    from engine.rules import RuleContext
    item = catalogue.item("match_report")
    assert column_checks(item, importer.fast_formats(RuleContext(today=TODAY))) is not None
    linked = ItemDefinition({**item.raw, "schema": {**item.schema, "dependentRequired": {"mobile": ["name"]}}})
    assert column_checks(linked, importer.fast_formats(RuleContext(today=TODAY))) is None


def test_a_clean_file_becomes_one_approved_case_with_its_rows(dbsession, catalogue, storage, unit):
    rows = _rows(5)
    # A position may be given by its number too (as the template lists two positions with one name).
    rows[4]["position"] = str(dbsession.scalar(select(Position.id).where(Position.name == "软件开发见习生")))
    result = run(dbsession, catalogue, storage, unit["account"], "match_report", rows)
    dbsession.commit()
    assert result.ok and result.errors == [] and result.row_count == 5 and result.replaced == 0
    case = result.case
    assert case.state == "approved" and case.row_count == 5 and case.reference.startswith("JXPP-")
    assert case.data["filename"] == "上报.xlsx"
    stored = dbsession.scalars(select(BatchRow).where(BatchRow.case_id == case.id).order_by(BatchRow.row_number)).all()
    assert [r.row_number for r in stored] == [2, 3, 4, 5, 6]
    assert stored[0].data["start_date"] == rows[0]["start_date"].isoformat()
    assert stored[0].data["allowance"] == rows[0]["allowance"] and stored[0].position_id is not None
    assert dbsession.scalar(select(Position.matched).where(Position.name == "软件开发见习生")) == 5
    assert storage.read(result.record.storage_key)[:2] == b"PK"  # the file is kept


def test_a_roster_of_attendance_and_onduty_mistakes(dbsession, catalogue, storage, unit):
    people = _rows(4)
    assert run(dbsession, catalogue, storage, unit["account"], "match_report", people).ok
    dbsession.commit()
    p = batch_rows.attendance_rows(people, "2026-10")
    stranger = batch_rows.attendance_rows(_rows(1, first=900), "2026-10")[0]
    rows = [
        p[0],
        {**p[0]},                                             # 3 same person and month again
        {**p[1], "name": "改了名"},                            # 4
        {**p[2], "month": "2026-07"},                          # 5 before the agreement
        {**p[3], "month": "2026-12"},                          # 6 next month
        {**stranger},                                          # 7 not on the roster
        {**p[1], "month": "2026-09", "attended_days": 10},     # 8 days do not add up
        {**p[2], "month": "2026-11", "required_days": 31, "attended_days": 31, "leave_days": 0},  # 9 November
    ]
    before = counts(dbsession)
    result = run(dbsession, catalogue, storage, unit["account"], "attendance_report", rows)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "身份证号", "身份证号、考勤月份与第2行重复"),
        (4, "姓名", "姓名与见习匹配名单中的姓名不一致"),
        (5, "考勤月份", "考勤月份不在该人员的见习协议期内（2026-10-01至2027-03-31）"),
        (6, "考勤月份", "考勤月份不能晚于本月"),
        (7, "身份证号", "该人员不在本单位已上报的见习匹配名单中，请先上报见习匹配结果"),
        (8, "实际出勤天数", "实际出勤天数+请假天数+旷工天数须等于应出勤天数（21天）"),
        (9, "应出勤天数", "应出勤天数不能超过2026-11的天数（30天）"),
    ]
    duty = batch_rows.onduty_rows(people, "2026-10")
    rows = [
        duty[0],
        {**duty[1], "status": "离岗(中止见习)"},                                  # 3 no change date
        {**duty[2], "status": "提前留用", "change_date": date(2026, 9, 30)},     # 4 outside the month
        {**duty[1], "month": "2026-09", "days": 31},                            # 5 September has 30 days
        {**duty[0], "month": "2026-09", "allowance_paid": -1},                  # 6
    ]
    result = run(dbsession, catalogue, storage, unit["account"], "onduty_report", rows)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "变动日期", "在岗状态为“离岗(中止见习)”时须填写变动日期"),
        (4, "变动日期", "变动日期须在月份（2026-10）之内"),
        (5, "本月见习天数", "本月见习天数不能超过2026-09的天数（30天）"),
        (6, "生活补助实发额(元)", "生活补助实发额(元)不能小于0"),
    ]
    assert counts(dbsession) == before


def test_rows_of_spaces_are_skipped(dbsession, catalogue, storage, unit):
    item = catalogue.item("match_report")
    good = _rows(1)[0]
    values = [good[fl.key] for fl in item.fields]
    data = wbs.raw_workbook(wbs.headers(item), [values, [" "] * len(values), ["\u3000", None, "  "]])
    result = run(dbsession, catalogue, storage, unit["account"], "match_report", None, data=data)
    assert result.ok and result.row_count == 1
    before = counts(dbsession)
    data = wbs.raw_workbook(wbs.headers(item), [[" "] * len(values), ["\u3000"]])
    with pytest.raises(ImportRefused) as e:
        run(dbsession, catalogue, storage, unit["account"], "match_report", None, data=data)
    assert e.value.message.startswith("模板中只有表头，没有数据") and counts(dbsession) == before


def test_who_may_import(dbsession, catalogue, storage):
    fresh = f.unit_account(dbsession)
    person = f.individual_account(dbsession)
    dbsession.commit()
    with pytest.raises(ImportRefused) as e:
        run(dbsession, catalogue, storage, fresh, "match_report", _rows(1))
    assert e.value.kind == "forbidden" and "尚未通过就业见习单位申请" in e.value.message
    with pytest.raises(ImportRefused) as e:
        run(dbsession, catalogue, storage, person, "attendance_report", [])
    assert e.value.kind == "forbidden"
    assert counts(dbsession) == (0, 0)
    assert dbsession.scalar(select(func.count()).select_from(BatchImport)) == 0


def test_an_items_own_row_limit_lowers_the_sites(dbsession, catalogue, storage, unit):
    """batch.max_rows: fewer rows than the site allows, for this item only; the bounds and the message follow it."""
    from engine.definitions.model import ItemDefinition
    base = catalogue.item("match_report")
    item = ItemDefinition({**base.raw, "batch": {**base.batch, "max_rows": 2}})
    data = filled_workbook(item, _rows(3))
    with pytest.raises(ImportRefused) as e:
        import_workbook(dbsession, catalogue, item, unit["account"], data, "上报.xlsx", storage=storage, today=TODAY)
    assert e.value.kind == "too_large" and "超过每次最多导入2行的限制" in e.value.message
    assert run(dbsession, catalogue, storage, unit["account"], "match_report", _rows(3)).ok   # the item as defined
