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
