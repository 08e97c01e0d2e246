"""A case in one line, as every list of an owner's cases and the JSON API show it."""
from datetime import datetime

from engine.cases.lifecycle import save_draft
from engine.cases.summary import case_summary
from tests import factories as f


def test_a_draft_in_one_line_with_beijing_times(dbsession, catalogue, clock_at):
    clock_at(datetime(2026, 11, 30, 23, 30))   # 07:30 on 1 December in Beijing
    draft = save_draft(dbsession, catalogue, catalogue.item("unit_application"), f.unit_account(dbsession), {})
    assert case_summary(catalogue, draft) == {
        "id": draft.id, "item": "unit_application", "item_title": "就业见习单位申请", "state": "draft",
        "state_label": "草稿", "reference": None, "submitted_month": None, "submitted_at": None,
        "created_at": "2026-12-01T07:30:00+08:00", "version": draft.version, "definition_version": 1,
        "row_count": None, "editable": True, "deadline": None}


def test_a_submitted_case_and_one_whose_item_is_gone(dbsession, catalogue, storage, clock_at):
    clock_at(datetime(2026, 11, 30, 23, 30))
    case = f.submitted_unit_application(dbsession, catalogue, storage, f.unit_account(dbsession))
    line = case_summary(catalogue, case)
    assert (line["state"], line["state_label"], line["editable"]) == ("submitted", "未审核", False)
    assert (line["submitted_month"], line["submitted_at"]) == ("2026-12", "2026-12-01T07:30:00+08:00")
    assert line["reference"] == case.reference and case.reference.endswith(f"-202612-{case.id:06d}")
    case.item_key = "retired_item"   # a definition removed from forms/: the key stands in for its title
    assert case_summary(catalogue, case)["item_title"] == "retired_item"
    dbsession.rollback()
