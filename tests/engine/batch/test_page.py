"""Everything a batch item's page shows, in one call: the rules with the unit's positions, whether it may
import yet, the case an import just made and its recent imports."""
from engine.batch import page
from tests import factories as f
from tests.engine.batch.test_records import rows, run


def test_the_item_page_of_an_approved_unit(dbsession, catalogue, storage, reporting_unit):
    account, colleague = reporting_unit
    item = catalogue.item("match_report")
    good = run(dbsession, catalogue, storage, account, rows(1))
    shown = page.item_page(dbsession, catalogue, item, account, imported=str(good.case.id))
    assert shown["blocked"] is None and shown["positions"] == ["软件开发见习生"]
    assert shown["position_fields"] == ["position"]
    assert [f.key for f, _ in shown["rules"]] == [f.key for f in item.fields]
    assert shown["imported"] is good.case and [r.record.id for r in shown["recent"]] == [good.record.id]
    assert shown["row_key"] == ["身份证号", "协议开始日期"]
    # The same unit's other account sees the rules and positions, not this account's imports.
    theirs = page.item_page(dbsession, catalogue, item, colleague, imported=str(good.case.id))
    assert (theirs["imported"], theirs["recent"], theirs["positions"]) == (None, [], ["软件开发见习生"])


def test_a_unit_not_yet_approved_is_told_why_it_cannot_import(dbsession, catalogue):
    account = f.unit_account(dbsession)
    shown = page.item_page(dbsession, catalogue, catalogue.item("match_report"), account)
    assert "尚未通过就业见习单位申请" in shown["blocked"]
    assert (shown["positions"], shown["imported"], shown["recent"]) == ([], None, [])
