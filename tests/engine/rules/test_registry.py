"""The rule registry is the one home of a rule: its parameters, what the docs say of it, what the template says."""
import copy
import io
from pathlib import Path

import openpyxl
import pytest

from engine.batch.template import GUIDE_SHEET, template_bytes
from engine.definitions.model import ItemDefinition
from engine.rules import BATCH_RULES, EFFECTS, GUARDS, ROW_RULES, Registry, column_notes, run_batch_rules
from engine.rules.docs import hooks_table, rules_table
from engine.rules.registry import RuleContext

DOCS = Path(__file__).resolve().parents[3] / "docs" / "definitions.md"


@pytest.mark.parametrize("table", [rules_table, hooks_table])
def test_the_docs_tables_are_the_registry(table, catalogue):
    # catalogue is loaded through engine.loader, so every effect has registered itself.
    text = DOCS.read_text("utf-8")
    expected = "\n".join(table())
    assert expected in text, "docs/definitions.md differs from the registry; paste `jianxi rule-tables`"


def test_every_registered_name_has_a_doc(catalogue):
    assert all(spec.doc for spec in [*ROW_RULES.values(), *BATCH_RULES.values()])
    assert all(GUARDS.docs[n] for n in GUARDS) and all(EFFECTS.docs[n] for n in EFFECTS)
    # administrators read a condition or an effect in Chinese, never its name (系统管理 → 事项目录)
    labels = [GUARDS.labels[n] for n in GUARDS] + [EFFECTS.labels[n] for n in EFFECTS]
    assert labels and all(label and not label.isascii() for label in labels)
    assert set(EFFECTS) == {"assign_reference", "publish", "unpublish", "deactivate_rows", "locate_unit",
                            "reserve_claim_lines", "release_claim_lines", "lock_claim_lines",
                            "start_publicity"}


def test_a_name_cannot_be_registered_twice():
    reg = Registry()
    reg.register("twice", fields=("field",), doc="x")(lambda *a: [])
    with pytest.raises(ValueError):
        reg.register("twice", fields=("field",), doc="y")(lambda *a: [])
    with pytest.raises(ValueError):
        GUARDS.register("attachments_complete")(lambda case, ctx: None)


@pytest.fixture
def odd_rule():
    """A batch rule added the way a maintainer would: one registration with its parameters and texts."""
    @BATCH_RULES.register("even_row_only", fields=("field",), doc="only even rows may fill the field",
                          text="只能在偶数行填写")
    def even_row_only(rows, spec, ctx):
        for i, data in rows:
            if i % 2 and data.get(spec["field"]):
                yield i, spec["field"], "奇数行不能填写此列"
    yield "even_row_only"
    del BATCH_RULES["even_row_only"]


def test_a_new_batch_rule_is_explained_in_the_template_and_checked(catalogue, odd_rule):
    raw = copy.deepcopy(catalogue.item("attendance_report").raw)
    field = next(k for k, v in raw["schema"]["properties"].items() if v.get("type") == "string")
    raw["batch"]["rules"].append({"rule": odd_rule, "field": field})
    item = ItemDefinition(raw, source="test")
    assert column_notes(item, field) == ["只能在偶数行填写"]
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes(item)))
    label = item.label(field)
    guide = {r[0]: r for r in ([c.value for c in row] for row in wb[GUIDE_SHEET].iter_rows()) if r and r[0]}
    assert any("只能在偶数行填写" in str(v) for v in guide[label] if v)
    comment = next(c.comment.text for c in wb.worksheets[0][1] if c.value.lstrip("*") == label)
    assert "只能在偶数行填写" in comment
    rows = [(2, {field: "x"}), (3, {field: "x"})]
    found = [(i, f, m) for i, f, m in run_batch_rules(item, rows, RuleContext()) if m == "奇数行不能填写此列"]
    assert found == [(3, field, "奇数行不能填写此列")]


def test_the_shipped_batch_texts_stand_on_their_columns(catalogue):
    match = catalogue.item("match_report")
    id_field = next(r["id_field"] for r in match.batch["rules"] if r["rule"] == "no_overlapping_agreement")
    assert "同一人员的见习协议期间不能与已有协议重叠" in column_notes(match, id_field)
    position = next(r["field"] for r in match.batch["rules"] if r["rule"] == "position_of_unit")
    assert column_notes(match, position) == [BATCH_RULES["position_of_unit"].text]
