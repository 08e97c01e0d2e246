"""Templates generated from each batch item's schema, read back the way Excel users and our reader see them."""
import io

import openpyxl
import pytest

from engine.batch.template import (
    GUIDE_SHEET, LISTS_SHEET, META_SHEET, display_width, open_position_names, template_bytes, unit_template,
)
from engine.spreadsheet import neutralise
from tests import factories as f

BATCH_ITEMS = ["match_report", "attendance_report", "onduty_report"]


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _validations(ws):
    """{column letter: (type, formula1)} of the data sheet."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = (dv.type, dv.formula1, str(rng.coord))
    return out


def _list_values(wb, formula):
    sheet, cells = formula.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[first:last] for c in row]


@pytest.mark.parametrize("key", BATCH_ITEMS)
def test_template_layout(catalogue, key):
    item = catalogue.item(key)
    wb = _book(template_bytes(item, ["软件开发见习生"]))
    ws = wb.worksheets[0]
    assert wb.sheetnames == [item.title, LISTS_SHEET, GUIDE_SHEET, META_SHEET]
    assert [wb[n].sheet_state for n in wb.sheetnames] == ["visible", "hidden", "visible", "veryHidden"]
    assert [c.value for c in ws[1]] == [("*" if fl.required else "") + fl.label for fl in item.fields]
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1  # no data rows: the reader must see a header-only sheet as empty
    meta = {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows()}
    assert meta["item"] == key and meta["version"] == str(item.version)
    validations = _validations(ws)
    for i, fl in enumerate(item.fields):
        letter = openpyxl.utils.get_column_letter(i + 1)
        dim = ws.column_dimensions[letter]
        assert dim.width >= display_width(fl.label) + 2, fl.label
        if fl.format in ("id-number", "mobile", "month") or fl.text:
            assert dim.number_format == "@", fl.label
        if fl.format == "date":
            assert dim.number_format == "yyyy-mm-dd", fl.label
        if fl.enum:
            kind, formula, coord = validations[letter]
            assert kind == "list" and _list_values(wb, formula) == list(fl.enum)
            assert coord == f"{letter}2:{letter}100001"
        assert ws.cell(row=1, column=i + 1).comment.text.startswith("必填" if fl.required else "选填")
    guide = [[c.value for c in r] for r in wb[GUIDE_SHEET].iter_rows()]
    listed = {r[0]: r for r in guide if r and r[0] and r[1] in ("必填", "选填")}
    assert set(listed) == {fl.label for fl in item.fields}


def test_match_template_offers_the_units_own_open_positions(dbsession, catalogue, storage):
    unit = f.unit_account(dbsession)
    other = f.unit_account(dbsession, name="别家公司")
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    for account in (unit, other):
        f.approved_unit(dbsession, catalogue, storage, account, province)
    f.published_position(dbsession, catalogue, unit, province, position_name="软件开发见习生")
    f.published_position(dbsession, catalogue, unit, province, position_name="会计见习生")
    closed = f.published_position(dbsession, catalogue, unit, province, position_name="已下架岗位")
    closed.status = "closed"
    f.published_position(dbsession, catalogue, other, province, position_name="别家的岗位")
    dbsession.commit()
    names = open_position_names(dbsession, unit.unit_id)
    assert names == ["软件开发见习生", "会计见习生"]
    item = catalogue.item("match_report")
    wb = _book(template_bytes(item, names))
    column = openpyxl.utils.get_column_letter([fl.key for fl in item.fields].index("position") + 1)
    kind, formula, _ = _validations(wb.worksheets[0])[column]
    assert _list_values(wb, formula) == names
    # What the unit downloads: the same list, looked up for the unit.
    offered = _book(unit_template(dbsession, item, unit.unit_id, max_rows=100_000, max_mb=20))
    kind, formula, _ = _validations(offered.worksheets[0])[column]
    assert _list_values(offered, formula) == names


def test_two_positions_with_one_name_are_told_apart_by_number(dbsession, catalogue, storage):
    unit = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, unit, province)
    a = f.published_position(dbsession, catalogue, unit, province, position_name="文员")
    b = f.published_position(dbsession, catalogue, unit, province, position_name="文员")
    assert open_position_names(dbsession, unit.unit_id) == [f"{a.id} 文员", f"{b.id} 文员"]


@pytest.mark.parametrize("text, safe", [
    ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
    ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("软件开发", "软件开发"),
    ("a=b", "a=b"), ("", ""),
])
def test_formula_like_text_is_neutralised(text, safe):
    assert neutralise(text) == safe


def test_formula_like_position_names_reach_the_template_as_text(catalogue):
    item = catalogue.item("match_report")
    wb = _book(template_bytes(item, ["=cmd|'/c calc'!A1", "会计,出纳"]))
    values = [c.value for row in wb[LISTS_SHEET].iter_rows() for c in row if c.value]
    assert "'=cmd|'/c calc'!A1" in values and "会计,出纳" in values
    assert all(c.data_type == "s" for row in wb[LISTS_SHEET].iter_rows() for c in row if c.value)
