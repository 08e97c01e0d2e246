"""A unit's imports read back: recent imports, the case shown back, the error workbook (its importer's
alone, made once) and a batch case's rows a page at a time."""
import io
from datetime import date

import openpyxl

from engine.batch import records
from engine.batch.importer import import_workbook
from engine.batch.template import filled_workbook
from tests import factories as f
from tests.data import batch_rows

TODAY = date(2026, 11, 28)


def rows(n, first=0):
    return batch_rows.match_rows(n, ["软件开发见习生"], first=first)


def run(dbsession, catalogue, storage, account, data):
    item = catalogue.item("match_report")
    result = import_workbook(dbsession, catalogue, item, account, filled_workbook(item, data), "上报.xlsx",
                             storage=storage, today=TODAY)
    dbsession.commit()
    return result


def refused(dbsession, catalogue, storage, account):
    return run(dbsession, catalogue, storage, account, [{**rows(1, first=50)[0], "id_number": "123"}])


def test_recent_imports_are_the_importers_own_newest_first(dbsession, catalogue, storage, reporting_unit):
    account, colleague = reporting_unit
    good = run(dbsession, catalogue, storage, account, rows(2))
    bad = refused(dbsession, catalogue, storage, account)
    item = catalogue.item("match_report")
    recent = records.recent_imports(dbsession, catalogue, item, account)
    assert [(r.record.id, r.case, r.state_label) for r in recent] == [
        (bad.record.id, None, None), (good.record.id, good.case, "审核通过")]
    assert records.recent_imports(dbsession, catalogue, item, colleague) == []
    assert records.recent_imports(dbsession, catalogue, catalogue.item("attendance_report"), account) == []
    assert len(records.recent_imports(dbsession, catalogue, item, account, limit=1)) == 1


def test_the_imported_case_is_shown_back_to_its_importer_only(dbsession, catalogue, storage, reporting_unit):
    account, colleague = reporting_unit
    good = run(dbsession, catalogue, storage, account, rows(1))
    item = catalogue.item("match_report")
    assert records.imported_case(dbsession, item, account, str(good.case.id)) is good.case
    assert records.imported_case(dbsession, item, colleague, str(good.case.id)) is None
    assert records.imported_case(dbsession, catalogue.item("attendance_report"), account, str(good.case.id)) is None
    # Whatever the address says, never a database error: an id no row can have is nobody's case.
    for nothing in ("99999999999", "abc", "-1", "0", "", None):
        assert records.imported_case(dbsession, item, account, nothing) is None


def test_the_error_workbook_is_its_importers_and_made_once(dbsession, catalogue, storage, reporting_unit):
    account, colleague = reporting_unit
    bad = refused(dbsession, catalogue, storage, account)
    token = bad.record.token
    assert records.error_workbook(dbsession, catalogue, storage, colleague, token) is None
    assert records.error_workbook(dbsession, catalogue, storage, account, "0" * 32) is None
    first = records.error_workbook(dbsession, catalogue, storage, account, token)
    assert first.record.id == bad.record.id and first.saved_key == bad.record.errorbook_key
    assert storage.read(first.saved_key) == first.body
    assert openpyxl.load_workbook(io.BytesIO(first.body)).worksheets[0].max_row >= 2
    again = records.error_workbook(dbsession, catalogue, storage, account, token)
    assert (again.body, again.saved_key) == (first.body, None)
    # A clean import has no error workbook.
    good = run(dbsession, catalogue, storage, account, rows(1))
    assert records.error_record(dbsession, account, good.record.token) is None


def test_rows_are_read_a_page_at_a_time_with_their_source(dbsession, catalogue, storage, reporting_unit, monkeypatch):
    account, _ = reporting_unit
    good = run(dbsession, catalogue, storage, account, rows(3))
    monkeypatch.setattr(records, "ROWS_PER_PAGE", 2)
    first = records.rows_page(dbsession, catalogue, good.case, None)
    assert (first.page.number, first.page.pages, first.page.total, len(first.rows)) == (1, 2, 3, 2)
    assert first.masked == {"id_number": "id", "mobile": "mobile"}
    assert (first.source.id, first.state_label, first.item.key) == (good.record.id, "审核通过", "match_report")
    last = records.rows_page(dbsession, catalogue, good.case, "2")
    assert [r.row_number for r in first.rows + last.rows] == [2, 3, 4]
    assert records.rows_page(dbsession, catalogue, good.case, "9").page.number == 2   # past the end: the last
    form_case = f.submitted_unit_application(dbsession, catalogue, storage, f.unit_account(dbsession, name="另一家公司"))
    assert records.rows_page(dbsession, catalogue, form_case, None) is None


def test_a_batch_case_in_figures_rows_people_months_and_replaced_rows(dbsession, catalogue):
    from engine.batch.store import store_batch
    account = f.unit_account(dbsession)
    item = catalogue.item("attendance_report")
    a, b = f.new_id_number("20020202"), f.new_id_number("20030303")

    def row(person, month):
        return batch_rows.attendance_rows([{"name": "张三", "id_number": person}], month)[0]
    first = store_batch(dbsession, catalogue, item, account,
                        [(2, row(a, "2026-09")), (3, row(a, "2026-10")), (4, row(b, "2026-10"))], "九十月.xlsx")
    assert records.batch_summary(dbsession, first) == records.BatchSummary(3, 2, ["2026-09", "2026-10"], None, None,
                                                                           0, 3)
    # October again for one person: that row is replaced, and the first report now counts two rows.
    again = store_batch(dbsession, catalogue, item, account, [(2, row(b, "2026-10"))], "十月更正.xlsx")
    assert records.batch_summary(dbsession, again) == records.BatchSummary(1, 1, ["2026-10"], None, None, 1, 1)
    assert records.batch_summary(dbsession, first).active == 2


def test_agreements_in_figures_give_the_period_they_cover(dbsession, catalogue, storage, reporting_unit):
    account, _ = reporting_unit
    done = run(dbsession, catalogue, storage, account, rows(3))
    summary = records.batch_summary(dbsession, done.case)
    assert (summary.rows, summary.people, summary.months, summary.replaced) == (3, 3, [], 0)
    starts = sorted(r["start_date"] for r in rows(3))
    assert summary.first_day == starts[0] and summary.last_day > summary.first_day
