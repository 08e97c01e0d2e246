"""One case as its owner sees it: its page (history, files, the import it came from) and its JSON body."""
from engine.batch.store import store_batch
from engine.cases import detail
from engine.cases.lifecycle import save_draft
from engine.models import BatchImport
from tests import factories as f


def test_the_owners_page_of_an_approved_application(dbsession, catalogue, storage):
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000", name="省级审核员")
    case = f.approved_unit(dbsession, catalogue, storage, account, province)
    page = detail.case_page(dbsession, catalogue, case)
    assert (page["item"].key, page["state_label"], page["editable"], page["newer_definition"]) == (
        "unit_application", "审核通过", False, False)
    assert sorted(page["attachments"]) == ["application_form", "license", "management_plan"]
    assert page["source"] is None   # a form case has no import behind it
    assert [(e["action"], e["from"], e["to"], e["who"]) for e in page["timeline"]] == [
        ("提交", "草稿", "未审核", "单位"), ("审核通过", "未审核", "审核通过", "审核人员（省级审核员）")]


def test_a_draft_is_editable_and_its_page_says_so(dbsession, catalogue):
    account = f.unit_account(dbsession)
    draft = save_draft(dbsession, catalogue, catalogue.item("unit_application"), account, {"address": "草稿"})
    page = detail.case_page(dbsession, catalogue, draft)
    assert (page["editable"], page["timeline"], page["attachments"]) == (True, [], {})


def test_a_batch_case_shows_the_import_it_came_from(dbsession, catalogue):
    account = f.unit_account(dbsession)
    batch = store_batch(dbsession, catalogue, catalogue.item("match_report"), account, [(2, {
        "name": "王小丽", "id_number": f.new_id_number("20030517"), "start_date": "2026-09-01",
        "end_date": "2027-02-28"})], "m.xlsx")
    record = BatchImport(token="1" * 32, item_key="match_report", definition_version=batch.definition_version,
                         account_id=account.id, unit_id=account.unit_id, filename="m.xlsx", size=10, sha256="0" * 64,
                         storage_key="k", row_count=1, error_count=0, case_id=batch.id)
    dbsession.add(record)
    dbsession.flush()
    assert detail.source_import(dbsession, batch) is record
    page = detail.case_page(dbsession, catalogue, batch)
    assert (page["source"], page["editable"], page["state_label"]) == (record, False, "审核通过")


def test_the_json_body_leaves_typed_twice_copies_out_and_lists_what_may_be_done(dbsession, catalogue, storage):
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    case = f.submitted_unit_application(dbsession, catalogue, storage, account)
    mine = detail.case_document(dbsession, catalogue, case, account)
    assert mine["id"] == case.id and mine["state"] == "submitted"
    assert "bank_account" in mine["data"] and "bank_account_confirm" not in mine["data"]
    assert sorted(a["slot"] for a in mine["attachments"]) == ["application_form", "license", "management_plan"]
    assert all(a["uploaded_at"].endswith("+08:00") for a in mine["attachments"])
    assert [(e["trigger"], e["from"], e["to"]) for e in mine["events"]] == [("submit", "draft", "submitted")]
    assert mine["triggers"] == []   # nothing left for the unit while it waits
    theirs = detail.case_document(dbsession, catalogue, case, province)
    assert [t["trigger"] for t in theirs["triggers"]] == ["approve", "reject", "return_for_correction"]


def test_the_done_page_says_who_reviews_next_and_by_when(dbsession, catalogue, storage):
    from datetime import date

    from engine.deadlines import countdown
    account = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, account)
    board = countdown(dbsession, today=date(2026, 3, 9))
    page = detail.done_page(dbsession, catalogue, case, account, board)
    # The shipped one-level workflow: any reviewer covering the unit's place may act.
    assert page["next_step"] == "由太原市 小店区的就业见习审核人员审核"
    assert (page["state_label"], page["time_limit"], page["center_state"]) == ("未审核", 10, "submitted")
    assert page["deadline"] == board.of(case)


def test_a_two_level_workflow_names_the_level_that_reviews_first(tmp_path, dbsession, storage):
    from engine.attachments import attach
    from engine.cases.lifecycle import save_draft, submit, transition
    from tests.webapp.test_new_item import definitions
    catalogue = definitions(tmp_path, "two")
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    f.approved_unit(dbsession, catalogue, storage, account, province)
    item = catalogue.item("mentor_claim")
    data = {"claim_month": "2026-01", "trainees": 3, "amount": 9000, "contact_name": "李红",
            "contact_mobile": "13912345678"}
    case = save_draft(dbsession, catalogue, item, account, data)
    attach(dbsession, storage, catalogue, case, "claim_form", "申领表.pdf", f.PDF, account)
    submit(dbsession, catalogue, item, account, data, case=case)
    assert detail.next_step(catalogue.workflows["two_level_review"], case) == "由太原市 小店区（县级）审核人员审核"
    county = f.reviewer(dbsession, login="xiaodian", jurisdiction="140105")
    transition(dbsession, catalogue, case, "county_approve", county)
    assert detail.next_step(catalogue.workflows["two_level_review"], case) == "由太原市（市级）审核人员审核"
    transition(dbsession, catalogue, case, "approve", f.reviewer(dbsession, login="ty", jurisdiction="140100"))
    assert detail.next_step(catalogue.workflows["two_level_review"], case) is None   # decided: nobody acts
