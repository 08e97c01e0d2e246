"""The unit's workbooks of interested people: the 意向人员 list, and the 见习匹配结果 template filled in for
the people it chose (the item playing `agreements`, its fields as its role declares them)."""
from __future__ import annotations

import io

from engine import clock, declarations
from engine.models import Position
from engine.positions.status import PositionError
from engine.positions.unit import IntentPerson, position_intents
from engine.spreadsheet import neutralise


def intents_workbook(position: Position, people: list[IntentPerson]) -> bytes:
    """The 意向人员 list as xlsx; ID numbers masked as on the page."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "意向人员"
    ws.append([neutralise(f"岗位：{position.name}（编号{position.id}）")])
    headers = ["序号", "姓名", "身份证号", "手机号", "学历", "毕业院校", "专业", "登记意向时间"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, p in enumerate(people, start=1):
        ws.append([i, neutralise(p.name), p.id_masked, neutralise(p.mobile), neutralise(p.education),
                   neutralise(p.school), neutralise(p.major), clock.format_beijing(p.created_at)])
    for row in ws.iter_rows(min_row=3, min_col=3, max_col=4):
        for cell in row:
            cell.number_format = "@"
    for col, width in zip("ABCDEFGH", (6, 12, 22, 16, 8, 24, 24, 18)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def intents_xlsx(session, position: Position, education: str | None = None, q: str | None = None) -> bytes:
    return intents_workbook(position, position_intents(session, position, education=education, q=q))


def match_rows(item, position: Position, people: list[IntentPerson], position_names: list[str]) -> list[dict]:
    """Rows of the agreements item (field key -> value) for the chosen people; the unit completes the
    agreement columns. The full ID number is written only for a person who consented to it when saying
    我有意向 (engine.positions.intents.CONSENT_TEXT); otherwise the cell is left for the unit to fill in.

    The position is written as the template's dropdown shows it (engine.batch.template.open_position_names:
    the name, or "编号 名称" when two open positions share a name)."""
    fields = declarations.role_fields(item)
    id_field = declarations.index_fields(item).get("id_number")
    education_choices = declarations.field_enum(item, fields.get("education"))
    label = next((n for n in position_names if n in (position.name, f"{position.id} {position.name}")),
                 f"{position.id} {position.name}")
    rows = []
    for p in people:
        education = p.education if not education_choices or p.education in education_choices else None
        values = {"name": p.name, "mobile": p.mobile, "education": education, "school": p.school or None,
                  "major": p.major or None, "position": label, "allowance": position.allowance}
        row = {fields[slot]: value for slot, value in values.items() if slot in fields}
        if id_field and p.consented:
            row[id_field] = p.id_number
        rows.append(row)
    return rows


def match_template(session, catalogue, position: Position, intent_ids: list[int]) -> bytes | None:
    """The agreements item's template (engine/batch/template.py) with the chosen people filled in; None when
    none of the ids is an active intent for the position, PositionError (not_found) when no item plays
    `agreements`."""
    from engine.batch.template import filled_workbook, open_position_names
    item = declarations.role_item(catalogue, "agreements")
    if item is None:
        raise PositionError("没有上报见习匹配结果的事项", "not_found")
    people = position_intents(session, position, ids=intent_ids) if intent_ids else []
    if not people:
        return None
    names = open_position_names(session, position.unit_id)
    return filled_workbook(item, match_rows(item, position, people, names), names)
