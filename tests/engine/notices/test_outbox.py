"""Every event's notices: who gets one, on which channels, with what text; written with the event or not at all."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.batch.importer import import_workbook
from engine.batch.template import filled_workbook
from engine.cases.lifecycle import transition
from engine.errors import CommentRequired
from engine.models import Delivery, Notice
from engine.positions.takedown import take_down
from tests import factories as f
from tests.data import batch_rows


def notices(session, **where):
    q = select(Notice).order_by(Notice.id)
    for key, value in where.items():
        q = q.where(getattr(Notice, key) == value)
    return list(session.scalars(q))


def by_person(session, event):
    """login -> (kind, channels) of the notices of one event."""
    out = {}
    for n in notices(session, event=event):
        channels = (["inapp"] if n.inapp else []) + [d.channel for d in n.deliveries]
        out[n.recipient.login_name] = (n.kind, channels)
    return out


def test_submitting_tells_the_reviewers_who_act_next_and_gives_the_unit_a_receipt(dbsession, catalogue, storage,
                                                                                   people):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    got = by_person(dbsession, "submit")
    unit = people["unit"].login_name
    assert got == {unit: ("case_receipt", ["inapp"]), "JINYANG02": ("case_receipt", ["inapp"]),
                   "sheng": ("case_waiting", ["inapp", "email"]), "taiyuan": ("case_waiting", ["inapp", "email"]),
                   "xiaodian": ("case_waiting", ["inapp", "email"])}   # no 迎泽区, no 大同市, no other unit
    waiting = notices(dbsession, kind="case_waiting")[0]
    assert waiting.title == f"待审核：就业见习单位申请 {case.reference}"
    assert "山西晋阳智能科技有限公司的“就业见习单位申请”" in waiting.body and "等待您审核" in waiting.body
    assert waiting.link == f"/review/cases/{case.id}"
    assert notices(dbsession, kind="case_receipt")[0].link == f"/cases/{case.id}"


@pytest.mark.parametrize("trigger,comment,result", [
    ("approve", None, "审核通过"), ("reject", "重复申报", "审核不通过"),
    ("return_for_correction", "申请表未加盖公章", "退回修改")])
def test_a_decision_reaches_every_agent_of_the_unit_on_every_channel(dbsession, catalogue, storage, people, trigger,
                                                                      comment, result):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    transition(dbsession, catalogue, case, trigger, people["taiyuan"], comment=comment)
    got = by_person(dbsession, trigger)
    assert got == {people["unit"].login_name: ("case_result", ["inapp", "email", "sms"]),
                   "JINYANG02": ("case_result", ["inapp", "email", "sms"])}
    n = notices(dbsession, event=trigger)[0]
    assert n.title == f"就业见习单位申请{result}：{case.reference}"
    assert "已由审核人员" in n.body and f"当前状态：{result}" in n.body
    if comment:
        assert f"审核人员意见：{comment}" in n.body
    else:
        assert "意见" not in n.body   # the line with an empty reason is left out
    addresses = {d.channel: d.address for d in n.deliveries}
    assert addresses == {"email": "li.hong@jinyang.example", "sms": "13912345678"}
    assert all(d.state == "pending" for d in n.deliveries)


def test_an_agent_without_an_email_address_has_that_delivery_skipped(dbsession, catalogue, storage, people):
    people["colleague"].email = None
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    transition(dbsession, catalogue, case, "approve", people["taiyuan"])
    n = notices(dbsession, event="approve", recipient_id=people["colleague"].id)[0]
    assert {(d.channel, d.state, d.last_error) for d in n.deliveries} == {
        ("email", "skipped", "账号未填写邮箱"), ("sms", "pending", None)}


def test_a_refused_transition_writes_no_notice(dbsession, catalogue, storage, people):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    before = dbsession.scalar(select(func.count()).select_from(Notice))
    with pytest.raises(CommentRequired):
        transition(dbsession, catalogue, case, "return_for_correction", people["taiyuan"], comment="")
    assert dbsession.scalar(select(func.count()).select_from(Notice)) == before


def test_notices_live_and_die_with_their_transaction(dbsession, session_factory, catalogue, storage, people):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    dbsession.commit()
    count = lambda s: (s.scalar(select(func.count()).select_from(Notice)),  # noqa: E731
                       s.scalar(select(func.count()).select_from(Delivery)))
    before = count(dbsession)
    transition(dbsession, catalogue, case, "approve", people["taiyuan"])
    assert count(dbsession) > before
    dbsession.rollback()   # the decision is not committed: neither are its notices and deliveries
    with session_factory() as other:
        assert count(other) == before


TODAY = date(2026, 11, 28)


@pytest.fixture
def reporting(dbsession, catalogue, storage, people):
    unit = people["unit"]
    f.approved_unit(dbsession, catalogue, storage, unit, people["province"])
    position = f.published_position(dbsession, catalogue, unit, people["province"], position_name="软件开发见习生")
    return unit, position


def test_an_import_is_a_receipt_for_the_unit_and_its_revocation_a_result(dbsession, catalogue, storage, people,
                                                                          reporting):
    unit, _ = reporting
    item = catalogue.item("match_report")
    result = import_workbook(dbsession, catalogue, item, unit,
                             filled_workbook(item, batch_rows.match_rows(3, ["软件开发见习生"])), "匹配.xlsx",
                             storage=storage, today=TODAY)
    assert result.ok
    got = by_person(dbsession, "accept")
    assert got == {unit.login_name: ("case_receipt", ["inapp"]), "JINYANG02": ("case_receipt", ["inapp"])}
    receipt = notices(dbsession, event="accept")[0]
    assert receipt.title == f"见习匹配结果批量上报已导入：{result.case.reference}"
    assert "说明：导入3行" in receipt.body
    transition(dbsession, catalogue, result.case, "revoke", people["taiyuan"], comment="人员信息有误")
    assert by_person(dbsession, "revoke")[unit.login_name] == ("case_result", ["inapp", "email", "sms"])
    assert "审核人员意见：人员信息有误" in notices(dbsession, event="revoke")[0].body


def test_a_failed_import_tells_the_uploader_alone(dbsession, catalogue, storage, people, reporting):
    unit, _ = reporting
    item = catalogue.item("match_report")
    rows = batch_rows.match_rows(2, ["软件开发见习生"])
    rows[1]["id_number"] = "140105200305170000"
    result = import_workbook(dbsession, catalogue, item, unit, filled_workbook(item, rows), "有错.xlsx",
                             storage=storage, today=TODAY)
    assert not result.ok
    (n,) = notices(dbsession, event="import_failed")
    assert n.recipient_id == unit.id and n.inapp and n.deliveries == []
    assert n.title.startswith("见习匹配结果批量上报导入未通过：") and "《有错.xlsx》共2行" in n.body
    assert n.link == f"/imports/{result.record.token}/errors.xlsx"


def test_a_position_taken_down_by_a_reviewer_tells_the_unit_with_the_reason(dbsession, catalogue, people, reporting):
    unit, position = reporting
    take_down(dbsession, position, people["taiyuan"], "岗位信息与实际不符", catalogue=catalogue)
    got = by_person(dbsession, "position_taken_down")
    assert got == {unit.login_name: ("position_taken_down", ["inapp", "email", "sms"]),
                   "JINYANG02": ("position_taken_down", ["inapp", "email", "sms"])}
    n = notices(dbsession, event="position_taken_down")[0]
    assert n.title == "岗位已下架：软件开发见习生" and "下架原因：岗位信息与实际不符" in n.body
    assert "已由审核人员下架" in n.body and n.link == f"/unit/positions/{position.id}"


def test_a_unit_taking_its_own_position_down_only_leaves_a_note_in_the_message_centre(dbsession, catalogue, people,
                                                                                      reporting):
    unit, position = reporting
    take_down(dbsession, position, people["colleague"], None, catalogue=catalogue)
    got = by_person(dbsession, "position_taken_down")
    assert got == {unit.login_name: ("position_taken_down", ["inapp"]),
                   "JINYANG02": ("position_taken_down", ["inapp"])}
    assert "下架原因" not in notices(dbsession, event="position_taken_down")[0].body
