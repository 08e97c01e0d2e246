"""Each of the five items from a data dict through validation, submission and (for review items) approval;
and where a unit is located (业务办理归属地), which only a reviewer's approval changes."""
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.batch.store import store_batch
from engine.cases.lifecycle import save_draft, submit, transition
from engine.models import BatchRow, Case, DefinitionSnapshot, Position, Region
from engine.rules import RuleContext, run_batch_rules
from engine.validation import ValidationFailed, validate
from engine.workflow import TransitionNotAllowed
from tests import factories as f


def test_regions_are_in_the_database(dbsession):
    counts = dict(dbsession.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    assert counts == {"province": 1, "city": 11, "county": 117}
    xiaodian = dbsession.get(Region, "140105")
    assert xiaodian.name == "小店区" and xiaodian.parent_code == "140100"


@pytest.fixture
def approved(dbsession, catalogue, storage):
    account = f.unit_account(dbsession)
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    case = f.approved_unit(dbsession, catalogue, storage, account, province)
    dbsession.commit()
    return account, province, case


def test_unit_application_submission_and_approval(dbsession, catalogue, approved):
    account, province, case = approved
    assert case.state == "approved"
    assert case.definition_version == 1
    assert dbsession.get(DefinitionSnapshot, ("unit_application", 1)).body["title"] == "就业见习单位申请"
    assert [e.to_state for e in case.events] == ["submitted", "approved"]


def test_invalid_submission_writes_nothing_and_lists_every_error(dbsession, catalogue):
    account = f.unit_account(dbsession)
    item = catalogue.item("unit_application")
    bad = f.unit_application_data("别的名称", staff_count=5, insured_count=9)
    with pytest.raises(ValidationFailed) as e:
        submit(dbsession, catalogue, item, account, bad)
    assert {err.field for err in e.value.errors} == {"account_name", "insured_count"}
    assert dbsession.scalar(select(func.count()).select_from(Case)) == 0


def test_draft_keeps_unvalidated_input(dbsession, catalogue):
    account = f.unit_account(dbsession)
    item = catalogue.item("unit_application")
    case = save_draft(dbsession, catalogue, item, account, {"address": " 半截地址 ", "staff_count": "abc"})
    assert case.state == "draft"
    assert case.data["address"] == "半截地址" and case.data["staff_count"] == "abc"
    assert case.data["unit_name"] == account.unit.name  # prefilled from the account, never typed


def test_post_application_needs_an_approved_unit(dbsession, catalogue):
    account = f.unit_account(dbsession)
    with pytest.raises(TransitionNotAllowed) as e:
        submit(dbsession, catalogue, catalogue.item("post_application"), account, f.post_data())
    assert "尚未通过就业见习单位申请" in e.value.message


def test_post_application_approved_is_published(dbsession, catalogue, approved):
    account, province, _ = approved
    position = f.published_position(dbsession, catalogue, account, province)
    assert position.status == "open" and position.openings == 5 and position.county_code == "140105"
    assert position.industry == "信息传输、软件和信息技术服务业"
    assert account.unit.name in position.search_text


def _match_rows(position_name, n=2):
    rows = []
    for i in range(n):
        rows.append((i + 2, {
            "name": f"见习生{i}", "id_number": f.new_id_number("20030517"), "mobile": "13812345678",
            "education": "本科", "school": "山西大学", "major": "会计学", "graduated_on": "2026-07-01",
            "category": "离校2年内未就业高校毕业生", "position": position_name, "start_date": "2026-09-01",
            "end_date": "2027-02-28", "allowance": 2600, "insurance_no": f"PICC-{i}"}))
    return rows


def _check_batch(dbsession, catalogue, key, account, rows):
    item = catalogue.item(key)
    ctx = RuleContext(today=date(2026, 11, 28), session=dbsession, unit_id=account.unit_id, catalogue=catalogue)
    clean_rows, errors = [], []
    for n, data in rows:
        clean, errs = validate(item, data, ctx)
        errors += [(n, e.field, e.message) for e in errs]
        clean_rows.append((n, clean))
    errors += list(run_batch_rules(item, clean_rows, ctx))
    return clean_rows, errors


def test_batch_items_through_checks_and_storage(dbsession, catalogue, approved):
    account, province, _ = approved
    position = f.published_position(dbsession, catalogue, account, province)
    dbsession.commit()
    rows, errors = _check_batch(dbsession, catalogue, "match_report", account, _match_rows(position.name))
    assert errors == []
    case = store_batch(dbsession, catalogue, catalogue.item("match_report"), account, rows, "match.xlsx")
    dbsession.commit()
    assert case.state == "approved" and case.row_count == 2
    assert dbsession.get(Position, position.id).matched == 2
    people = [d for _, d in rows]

    att = [(i + 2, {"name": p["name"], "id_number": p["id_number"], "month": "2026-10", "required_days": 22,
                    "attended_days": 20, "leave_days": 2, "absent_days": 0}) for i, p in enumerate(people)]
    att_rows, errors = _check_batch(dbsession, catalogue, "attendance_report", account, att)
    assert errors == []
    store_batch(dbsession, catalogue, catalogue.item("attendance_report"), account, att_rows)

    duty = [(i + 2, {"name": p["name"], "id_number": p["id_number"], "month": "2026-10", "status": "在岗",
                     "days": 31, "allowance_paid": 2600}) for i, p in enumerate(people)]
    duty_rows, errors = _check_batch(dbsession, catalogue, "onduty_report", account, duty)
    assert errors == []
    store_batch(dbsession, catalogue, catalogue.item("onduty_report"), account, duty_rows)
    dbsession.commit()
    counts = dict(dbsession.execute(select(BatchRow.item_key, func.count()).where(BatchRow.active.is_(True))
                                    .group_by(BatchRow.item_key)).all())
    assert counts == {"match_report": 2, "attendance_report": 2, "onduty_report": 2}

    # The same person and month again replaces the earlier row and says so in the history.
    again = [(2, {**att[0][1], "attended_days": 22, "leave_days": 0})]
    again_rows, errors = _check_batch(dbsession, catalogue, "attendance_report", account, again)
    assert errors == []
    case2 = store_batch(dbsession, catalogue, catalogue.item("attendance_report"), account, again_rows)
    dbsession.commit()
    assert "1行替换了此前上报" in case2.events[-1].comment
    active = dbsession.scalars(select(BatchRow).where(
        BatchRow.item_key == "attendance_report", BatchRow.active.is_(True),
        BatchRow.id_number == people[0]["id_number"])).all()
    assert [r.data["attended_days"] for r in active] == [22]


def test_cross_record_rules(dbsession, catalogue, approved):
    account, province, _ = approved
    position = f.published_position(dbsession, catalogue, account, province, openings=1)
    other = f.unit_account(dbsession, name="另一家公司")
    dbsession.commit()
    rows = _match_rows(position.name, n=2)
    rows[1][1]["id_number"] = rows[0][1]["id_number"]
    rows.append((4, {**_match_rows("不存在的岗位", 1)[0][1]}))
    young = _match_rows(position.name, 1)[0][1]
    young.update(category="16-24岁失业青年", id_number=f.new_id_number("19950101"))
    rows.append((5, young))
    late = _match_rows(position.name, 1)[0][1]
    late.update(graduated_on="2023-06-30")
    rows.append((6, late))
    _, errors = _check_batch(dbsession, catalogue, "match_report", account, rows)
    found = {(n, field): msg for n, field, msg in errors}
    assert found[(3, "id_number")] == "身份证号与第2行重复"
    assert found[(4, "position")].startswith("“不存在的岗位”不是本单位审核通过的见习岗位")
    assert "名额不足" in found[(3, "position")]
    assert "年龄须在16至24岁之间" in found[(5, "category")]
    assert "须在毕业2年内开始见习" in found[(6, "graduated_on")]

    # Attendance for someone not on this unit's roster.
    att = [(2, {"name": "路人", "id_number": f.new_id_number(), "month": "2026-10", "required_days": 1,
                "attended_days": 1, "leave_days": 0, "absent_days": 0})]
    _, errors = _check_batch(dbsession, catalogue, "attendance_report", other, att)
    assert errors == [(2, "id_number", "该人员不在本单位已上报的见习匹配名单中，请先上报见习匹配结果")]


def test_overlapping_agreement_and_month_outside_agreement(dbsession, catalogue, approved):
    account, province, _ = approved
    position = f.published_position(dbsession, catalogue, account, province)
    dbsession.commit()
    rows, errors = _check_batch(dbsession, catalogue, "match_report", account, _match_rows(position.name, 1))
    store_batch(dbsession, catalogue, catalogue.item("match_report"), account, rows)
    dbsession.commit()
    person = rows[0][1]
    overlap = [(2, {**_match_rows(position.name, 1)[0][1], "id_number": person["id_number"],
                    "start_date": "2026-10-01", "end_date": "2027-01-31"})]
    _, errors = _check_batch(dbsession, catalogue, "match_report", account, overlap)
    assert errors and "协议期间不能重叠" in errors[0][2]
    att = [(2, {"name": person["name"], "id_number": person["id_number"], "month": "2026-08", "required_days": 1,
                "attended_days": 1, "leave_days": 0, "absent_days": 0})]
    _, errors = _check_batch(dbsession, catalogue, "attendance_report", account, att)
    assert errors == [(2, "month", "考勤月份不在该人员的见习协议期内（2026-09-01至2027-02-28）")]


# ---- where a unit is located: it moves only with a reviewer's approval ------------------------------

TAIYUAN, XIAODIAN, DATONG, PINGCHENG = "140100", "140105", "140200", "140213"


def _relocating_change(dbsession, catalogue, account, **over):
    """A change of the unit's approved application naming 大同市 平城区, submitted."""
    from engine.cases.lifecycle import start_change
    item = catalogue.item("unit_application")
    change = start_change(dbsession, catalogue, item, account)
    data = {**change.data, "city": DATONG, "county": PINGCHENG, "address": "大同市平城区御河西路1号", **over}
    return submit(dbsession, catalogue, item, account, data, case=change)


def test_a_relocation_takes_effect_when_the_current_city_approves_it(dbsession, catalogue, approved):
    from engine.cases.lifecycle import Relocation, relocation
    from engine.models import AuditEntry
    account, _, first = approved
    taiyuan = f.reviewer(dbsession, login="taiyuan", jurisdiction=TAIYUAN)
    change = _relocating_change(dbsession, catalogue, account)
    unit = account.unit
    # Submitted: nothing moved. The change waits in the unit's current city, with the move it asks for.
    assert (unit.city_code, unit.county_code) == (TAIYUAN, XIAODIAN)
    assert (change.city_code, change.county_code) == (TAIYUAN, XIAODIAN)
    assert relocation(dbsession, catalogue, change) == Relocation(TAIYUAN, XIAODIAN, DATONG, PINGCHENG)
    pending_post = submit(dbsession, catalogue, catalogue.item("post_application"), account, f.post_data())
    assert pending_post.county_code == XIAODIAN   # cases made meanwhile stay with 太原 too

    transition(dbsession, catalogue, change, "approve", taiyuan)
    assert (unit.city_code, unit.county_code) == (DATONG, PINGCHENG)
    # The cases it had, this one included, stay with the jurisdiction that had them; later ones go to 大同.
    assert [c.county_code for c in (first, change, pending_post)] == [XIAODIAN] * 3
    later = submit(dbsession, catalogue, catalogue.item("post_application"), account,
                   f.post_data(position_name="大同见习岗位"))
    assert (later.city_code, later.county_code) == (DATONG, PINGCHENG)
    assert relocation(dbsession, catalogue, change) is None   # decided
    logged = dbsession.scalar(select(AuditEntry).where(AuditEntry.action == "unit_relocate"))
    assert logged.actor_id == taiyuan.id and logged.target == change.reference
    assert (logged.detail["from"], logged.detail["to"]) == (XIAODIAN, PINGCHENG)


def test_a_rejected_relocation_leaves_the_unit_where_it_was(dbsession, catalogue, approved):
    account, province, _ = approved
    change = _relocating_change(dbsession, catalogue, account)
    transition(dbsession, catalogue, change, "reject", province, comment="不符合见习单位条件")
    assert (account.unit.city_code, account.unit.county_code) == (TAIYUAN, XIAODIAN)


def test_a_unit_with_no_location_is_located_by_its_first_submission(dbsession, catalogue, storage):
    account = f.unit_account(dbsession)
    assert account.unit.county_code is None
    case = f.submitted_unit_application(dbsession, catalogue, storage, account, city=DATONG, county=PINGCHENG,
                                        address="大同市平城区御河西路1号")
    # Otherwise only the province would see its first application.
    assert (account.unit.city_code, account.unit.county_code) == (DATONG, PINGCHENG)
    assert (case.city_code, case.county_code) == (DATONG, PINGCHENG)


def test_a_returned_first_application_naming_another_city_stays_with_its_reviewer(dbsession, catalogue, storage):
    account = f.unit_account(dbsession)
    taiyuan = f.reviewer(dbsession, login="taiyuan", jurisdiction=TAIYUAN)
    case = f.submitted_unit_application(dbsession, catalogue, storage, account)
    transition(dbsession, catalogue, case, "return_for_correction", taiyuan, comment="信息填写有误")
    data = f.unit_application_data(account.unit.name, city=DATONG, county=PINGCHENG, address="大同市平城区某路")
    submit(dbsession, catalogue, catalogue.item("unit_application"), account, data, case=case)
    # Located already: the resubmission moves neither the unit nor the case; approval does.
    assert (account.unit.county_code, case.county_code) == (XIAODIAN, XIAODIAN)
    transition(dbsession, catalogue, case, "approve", taiyuan)
    assert account.unit.county_code == PINGCHENG and case.county_code == XIAODIAN


def test_a_draft_made_before_a_move_goes_where_the_unit_is_when_submitted(dbsession, catalogue, approved):
    account, province, _ = approved
    draft = save_draft(dbsession, catalogue, catalogue.item("post_application"), account, f.post_data())
    assert draft.county_code == XIAODIAN
    transition(dbsession, catalogue, _relocating_change(dbsession, catalogue, account), "approve", province)
    submit(dbsession, catalogue, catalogue.item("post_application"), account, f.post_data(), case=draft)
    assert draft.county_code == PINGCHENG   # never seen by 太原: it was a draft
