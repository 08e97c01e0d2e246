"""A form case's answers before submission: section statuses from the item's own checks, the check-answers
rows and problems, and one section saved over the rest of the draft."""
from __future__ import annotations

from engine.attachments import attach
from engine.cases import answers
from engine.cases.answers import COMPLETE, INCOMPLETE, INVALID, NOT_STARTED, read_answers
from engine.cases.lifecycle import save_draft, start_change, transition
from engine.definitions.model import ItemDefinition
from tests import factories as f
from tests.webapp.test_new_item import definitions

APP = "unit_application"


def complete_draft(dbsession, catalogue, storage, account):
    """A draft of the application with every answer and every file."""
    item = catalogue.item(APP)
    case = save_draft(dbsession, catalogue, item, account, f.unit_application_data(account.unit.name))
    for spec in item.attachments:
        attach(dbsession, storage, catalogue, case, spec["slot"], f"{spec['slot']}.pdf", f.PDF, account)
    return case


def statuses(found) -> list[str]:
    return [s.status for s in found.sections]


def test_a_new_application_has_only_its_prefilled_section_done(dbsession, catalogue):
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    item = catalogue.item(APP)
    found = read_answers(dbsession, catalogue, item, account)
    assert statuses(found) == [COMPLETE, NOT_STARTED, NOT_STARTED, NOT_STARTED]
    assert [s.status_label for s in found.sections] == ["已完成", "未开始", "未开始", "未开始"]
    assert found.section(1).rows[0].shown == "山西晋阳智能科技有限公司" and found.section(1).rows[0].readonly
    assert not found.ready and found.refusal is None
    # Every missing answer and file is a problem, placed in its section, in the order of the form.
    assert found.problems[0].section == 2 and found.problems[0].field == "unit_type"
    assert [(p.section, p.slot, p.anchor) for p in found.problems if p.slot] == [
        (4, "license", "slot-license"), (4, "application_form", "slot-application_form"),
        (4, "management_plan", "slot-management_plan")]


def test_a_section_is_incomplete_until_every_required_answer_is_given_and_wrong_when_one_is_wrong(
        dbsession, catalogue, storage):
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    item = catalogue.item(APP)
    data = f.unit_application_data("山西晋阳智能科技有限公司")
    partial = {k: data[k] for k in ("unit_type", "industry")}
    case = save_draft(dbsession, catalogue, item, account, {**partial, "bank_name": data["bank_name"]})
    assert statuses(read_answers(dbsession, catalogue, item, account, case)) == [
        COMPLETE, INCOMPLETE, INCOMPLETE, NOT_STARTED]

    # A wrong answer (not a missing one) makes its section 有错误, with the validator's own message.
    save_draft(dbsession, catalogue, item, account, {**data, "contact_mobile": "123"}, case=case)
    attach(dbsession, storage, catalogue, case, "license", "license.pdf", f.PDF, account)
    found = read_answers(dbsession, catalogue, item, account, case)
    assert statuses(found) == [COMPLETE, INVALID, COMPLETE, INCOMPLETE]
    assert list(found.section(2).errors()) == ["contact_mobile"]
    assert found.section(2).errors()["contact_mobile"][0].startswith("联系电话应为11位手机号码")
    # A rule across sections (开户名称 = 单位名称) is the field's own section's error.
    save_draft(dbsession, catalogue, item, account, {**data, "account_name": "别的名字"}, case=case)
    found = read_answers(dbsession, catalogue, item, account, case)
    assert statuses(found)[1:3] == [COMPLETE, INVALID]
    assert found.section(3).errors() == {"account_name": ["开户名称须与单位名称完全一致，请核对"]}


def test_a_complete_draft_is_ready_and_its_rows_leave_the_typed_twice_copy_out(dbsession, catalogue, storage):
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    item = catalogue.item(APP)
    case = complete_draft(dbsession, catalogue, storage, account)
    found = read_answers(dbsession, catalogue, item, account, case)
    assert statuses(found) == [COMPLETE] * 4 and found.ready and found.done == 4
    rows = {a.key: a.shown for s in found.sections for a in s.rows}
    assert "bank_account_confirm" not in rows and rows["bank_account"] == "050212345678901234"
    assert (rows["city"], rows["county"], rows["staff_count"]) == ("太原市", "小店区", "120")
    files = found.section(4).files
    assert [(x.slot, x.stored.filename, x.missing) for x in files][0] == ("license", "license.pdf", False)
    body = found.as_dict()
    assert body["ready"] and [s["status_label"] for s in body["sections"]] == ["已完成"] * 4
    assert body["sections"][3]["attachments"][0]["file"]["size"] == len(f.PDF)


def test_conditionally_required_fields_count_only_while_their_condition_holds(tmp_path, dbsession):
    from tests.webapp.test_conditional_required import CONDITIONAL
    three = {**CONDITIONAL, "ui": {"sections": [
        {"title": "申领类型", "fields": ["claim_kind", "previous_reference"]},
        {"title": "说明", "fields": ["note"]},
        {"title": "联系方式", "fields": ["contact_mobile"]}]}}
    catalogue = definitions(tmp_path, "three", item=three, workflow=None)
    item = catalogue.item("claim_change")
    account = f.unit_account(dbsession)
    first = {"claim_kind": "首次申领", "contact_mobile": "13912345678"}
    # 首次申领: the `else` applies, 申领说明 is required and its section not started.
    assert statuses(read_answers(dbsession, catalogue, item, account, values=first)) == [
        COMPLETE, NOT_STARTED, COMPLETE]
    # 补充申领: the `then` applies instead; 申领说明 is optional, 原申领编号 is missing from section 1.
    found = read_answers(dbsession, catalogue, item, account, values={**first, "claim_kind": "补充申领"})
    assert statuses(found) == [INCOMPLETE, COMPLETE, COMPLETE]
    assert [(p.field, p.message) for p in found.problems] == [("previous_reference", "补充申领须填写原申领编号")]
    assert answers.has_task_list(item) and not answers.has_task_list(ItemDefinition(CONDITIONAL))


def test_one_section_is_saved_over_the_rest_of_the_draft(dbsession, catalogue):
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    item = catalogue.item(APP)
    case = save_draft(dbsession, catalogue, item, account, {"address": "太原市小店区长治路123号", "bank_name": "工行"})
    posted = {"unit_type": "企业", "address": "", "bank_name": "别的银行", "unit_name": "冒名"}
    merged = answers.section_values(item, case, posted, 2)
    # Section 2's fields as posted (an emptied one emptied), section 3 as stored, the prefilled one untouched.
    assert (merged["unit_type"], merged["address"], merged["bank_name"]) == ("企业", "", "工行")
    assert merged["unit_name"] == "山西晋阳智能科技有限公司"   # as stored from the account, never as posted
    save_draft(dbsession, catalogue, item, account, merged, case=case)
    assert case.data["unit_type"] == "企业" and "address" not in case.data
    assert case.data["unit_name"] == "山西晋阳智能科技有限公司"


def test_section_numbers_are_those_of_the_item_only(catalogue):
    item = catalogue.item(APP)
    assert [answers.section_number(item, raw) for raw in ("1", "4", "0", "5", "x", "", None, "٣", "0001")] == [
        1, 4, None, None, None, None, None, None, None]
    assert answers.section_fields(item, 1) == []   # filled from the account: nothing to type


def test_a_submitted_case_gets_its_typed_twice_copy_back_a_draft_does_not(dbsession, catalogue, storage):
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    item = catalogue.item(APP)
    draft = save_draft(dbsession, catalogue, item, account, {"bank_account": "6222020200112233445"})
    assert "bank_account_confirm" not in answers.restored_values(item, draft)
    case = f.submitted_unit_application(dbsession, catalogue, storage, f.unit_account(dbsession, name="乙公司"))
    assert "bank_account_confirm" not in case.data
    assert answers.restored_values(item, case)["bank_account_confirm"] == case.data["bank_account"]
    # A change starts from the approved case with the copy in place.
    approved = f.approved_unit(dbsession, catalogue, storage, account, province)
    change = start_change(dbsession, catalogue, item, account)
    assert change.data["bank_account_confirm"] == approved.data["bank_account"]
    transition(dbsession, catalogue, case, "return_for_correction", province, comment="请补充")
    assert read_answers(dbsession, catalogue, item, case.account, case).section(3).status == COMPLETE


def test_an_item_held_once_says_why_a_complete_case_cannot_be_submitted(dbsession, catalogue, storage):
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    item = catalogue.item(APP)
    second = complete_draft(dbsession, catalogue, storage, account)
    f.submitted_unit_application(dbsession, catalogue, storage, account)   # in another tab, say
    found = read_answers(dbsession, catalogue, item, account, second)
    assert not found.problems and not found.ready
    assert "正在办理" in found.refusal
