"""A case's file by its id: the case's own (current or replaced), never another case's."""
from engine.attachments import attach, case_attachment
from engine.cases.lifecycle import save_draft
from tests import factories as f


def test_a_file_is_found_only_through_its_own_case(dbsession, catalogue, storage):
    item = catalogue.item("unit_application")
    account = f.unit_account(dbsession)
    case = save_draft(dbsession, catalogue, item, account, {})
    other = save_draft(dbsession, catalogue, item, f.unit_account(dbsession, name="别家公司"), {})
    old = attach(dbsession, storage, catalogue, case, "license", "old.pdf", f.PDF, account)
    new = attach(dbsession, storage, catalogue, case, "license", "new.pdf", f.PDF, account)
    assert not old.current and new.current
    assert case_attachment(dbsession, case, old.id) is old and case_attachment(dbsession, case, new.id) is new
    assert case_attachment(dbsession, other, new.id) is None
    assert case_attachment(dbsession, case, None) is None and case_attachment(dbsession, case, new.id + 99) is None
