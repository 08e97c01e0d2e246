"""engine.review.display: what changed between two rounds of a case."""
from __future__ import annotations




from engine import review
from engine.attachments import attach
from engine.cases.lifecycle import save_draft, submit, transition
from tests import factories as f


def test_round_diff_names_the_changed_fields_and_files(dbsession, catalogue, storage, people):
    unit = f.unit_account(dbsession, name="太原改稿有限公司", mobile="13612345608")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    item = catalogue.item("unit_application")
    assert review.display.round_diff(case, item) is None
    transition(dbsession, catalogue, case, "return_for_correction", people["taiyuan"], comment="请补充")
    data = f.unit_application_data(unit.unit.name, planned_posts=12, intro="软件企业，新增带教老师")
    save_draft(dbsession, catalogue, item, unit, data, case=case)
    attach(dbsession, storage, catalogue, case, "license", "新执照.png", f.PNG, unit)
    # The same bytes again are not a change.
    attach(dbsession, storage, catalogue, case, "management_plan", "management_plan.pdf", f.PDF, unit)
    submit(dbsession, catalogue, item, unit, data, case=case)
    diff = review.display.round_diff(case, item)
    assert [(c.label, c.before, c.after) for c in diff.fields] == [
        ("拟提供岗位数", "10", "12"), ("单位简介", "软件企业", "软件企业，新增带教老师")]
    assert [(x.slot, x.before.filename, x.after.filename) for x in diff.files] == [
        ("license", "license.pdf", "新执照.png")]
