"""Nobody waits in the dark, over HTTP: every transition's notice reaches the right people on each channel (the
消息中心 page, mail read back from a real SMTP server, SMS from a fake gateway), nobody else; reading them;
and the administrator's failed deliveries with 重新发送."""
from __future__ import annotations

import re

import pytest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from engine.accounts.passwords import hash_password
from engine.admin.audit import AuditFilter, audit_log
from engine.models import Account, Case, Delivery, Notice
from engine.notices.outbox import LINKS
from tests import factories as f
from tests.data import batch_rows
from tests.data import workbooks as wbs
from tests.mailboxes import SmtpServer
from tests.openapi import assert_matches_spec
from tests.webapp.pages import confirm, form_to, fresh, soup


@pytest.fixture
def town(world, dbsession):
    """The shared world, with emails, a second agent of the unit, and county reviewers in and out of its county."""
    s = dbsession
    unit = world["unit"]
    unit.email = "li.hong@jinyang.example"
    colleague = Account(login_name="JINYANG02", role="unit", name="王晓明", mobile="13712345678",
                        email="wang@jinyang.example", password_hash=hash_password(f.PASSWORD), unit=unit.unit)
    s.add(colleague)
    xiaodian = f.reviewer(s, "xiaodian", "140105", "小店区审核员")
    yingze = f.reviewer(s, "yingze", "140106", "迎泽区审核员")
    for account, address in ((world["taiyuan"], "taiyuan@renshe.example"), (world["province"], "sheng@renshe.example"),
                             (world["datong"], "datong@renshe.example"), (xiaodian, "xiaodian@renshe.example"),
                             (yingze, "yingze@renshe.example")):
        account.email = address
    # What the world's own story (an approved application, a published position) already sent is not this test's.
    s.flush()
    s.query(Notice).update({"read_at": Notice.created_at})
    s.query(Delivery).update({"state": "sent"})
    s.commit()
    return {**world, "colleague": colleague, "xiaodian": xiaodian, "yingze": yingze}


def signed_in(make_web, login, tab="unit"):
    web = make_web()
    assert web.login(login, tab=tab).status_int == 303
    return web


def inbox(web):
    """The 消息中心 as its page shows it: (kind, title, body, unread) of each notice, newest first."""
    page = soup(web.app.get("/me/notices"))
    return [(li["data-kind"], li.select_one(".inbox-title").get_text(strip=True),
             li.select_one(".inbox-body").get_text(), "unread" in li["class"]) for li in page.select(".inbox-item")]


def header_unread(web, path="/") -> int:
    return int(soup(web.app.get(path)).select_one("[data-testid=header-unread]").get_text())


def submit_post(web, name="数据分析见习生") -> dict:
    res = web.api("POST", "/api/items/post_application/cases", {"data": f.post_data(position_name=name), "submit": True},
                  status=201)
    return res.json


def test_a_returned_application_reaches_every_agent_of_the_unit_on_every_channel_with_the_reason(
        town, make_web, deliver, smtp_server, sms_gateway, dbsession):
    unit = signed_in(make_web, town["unit"].login_name)
    case = submit_post(unit)
    reviewer = signed_in(make_web, "taiyuan", "staff")
    confirm(reviewer, case["id"], "return_for_correction", reason="信息填写有误", comment="岗位描述与专业要求不一致")
    reference = case["reference"]

    colleague = signed_in(make_web, "JINYANG02")
    assert header_unread(colleague) == 2   # the receipt of the submission and the return
    kind, title, body, unread = inbox(colleague)[0]
    assert (kind, title, unread) == ("case_result", f"就业见习岗位申请退回修改：{reference}", True)
    assert "已由审核人员退回修改，当前状态：退回修改" in body
    assert "审核人员意见：信息填写有误：岗位描述与专业要求不一致" in body
    assert inbox(unit)[0][:2] == ("case_result", f"就业见习岗位申请退回修改：{reference}")

    deliver()
    for address in ("li.hong@jinyang.example", "wang@jinyang.example"):
        (mail,) = smtp_server.to(address)   # the receipt is 消息中心 only: one email, the result
        assert mail["Subject"] == f"就业见习岗位申请退回修改：{reference}"
        text = SmtpServer.body(mail)
        assert "审核人员意见：信息填写有误：岗位描述与专业要求不一致" in text
        assert f"查看详情：http://jianxi.test/cases/{case['id']}" in text
    assert [m["template_id"] for m in sms_gateway.to("13712345678")] == ["TPL_CASE_RESULT"]
    (sms,) = sms_gateway.to("13912345678")
    assert sms["params"] == {"name": "李*", "item_title": "就业见习岗位申请", "reference": reference, "result": "退回修改"}

    # A reviewer of another jurisdiction, or of another county of the same city, hears nothing of it.
    for login in ("datong", "yingze"):
        assert header_unread(signed_in(make_web, login, "staff"), "/review") == 0
        assert smtp_server.to(f"{login}@renshe.example") == []


def test_a_submission_reaches_the_reviewers_who_act_on_it_and_nobody_else(town, make_web, deliver, smtp_server):
    case = submit_post(signed_in(make_web, town["unit"].login_name))
    deliver()
    for login in ("taiyuan", "sheng", "xiaodian"):   # 小店区 is in 太原市: all three may act on it
        web = signed_in(make_web, login, "staff")
        kind, title, body, unread = inbox(web)[0]
        assert (kind, title, unread) == ("case_waiting", f"待审核：就业见习岗位申请 {case['reference']}", True)
        assert "山西晋阳智能科技有限公司的“就业见习岗位申请”" in body
        (mail,) = smtp_server.to(f"{login}@renshe.example")
        assert f"查看并审核：http://jianxi.test/review/cases/{case['id']}" in SmtpServer.body(mail)
        # 查看 opens the case in the review workbench and marks the notice read.
        page = web.app.get("/me/notices")
        opened = form_to(page, "/read", has="next").submit("open", value="1")
        assert opened.status_int == 303 and opened.location.endswith(f"/review/cases/{case['id']}")
        assert opened.follow().status_int == 200
        assert inbox(web)[0][3] is False
    for login in ("datong", "yingze"):
        assert inbox(signed_in(make_web, login, "staff")) == []
        assert smtp_server.to(f"{login}@renshe.example") == []


@pytest.mark.parametrize("trigger,body,result", [
    ("approve", {}, "审核通过"), ("reject", {"comment": "重复申报"}, "审核不通过"),
    ("return_for_correction", {"comment": "申请表未加盖公章"}, "退回修改")])
def test_each_decision_reaches_the_owner_on_each_channel(town, make_web, deliver, smtp_server, sms_gateway, trigger,
                                                         body, result):
    unit = signed_in(make_web, town["unit"].login_name)
    case = submit_post(unit)
    reviewer = signed_in(make_web, "sheng", "staff")
    reviewer.api("POST", f"/api/cases/{case['id']}/transitions/{trigger}", body, status=200)
    res = unit.api("GET", "/api/notices?unread=1")
    assert_matches_spec(res)
    newest = res.json["items"][0]
    assert (newest["kind"], newest["event"], newest["case_id"], newest["read"]) == ("case_result", trigger, case["id"],
                                                                                    False)
    assert newest["title"] == f"就业见习岗位申请{result}：{case['reference']}"
    assert newest["link"] == f"/cases/{case['id']}"
    if body:
        assert f"审核人员意见：{body['comment']}" in newest["body"]
    deliver()
    (mail,) = smtp_server.to("li.hong@jinyang.example")
    assert mail["Subject"] == newest["title"]
    assert [m["params"]["result"] for m in sms_gateway.to("13912345678")] == [result]


def test_two_level_review_tells_one_level_at_a_time(town, apps, two_level, dbsession, storage, deliver, smtp_server):
    from engine.attachments import attach
    from engine.cases.lifecycle import save_draft
    clients = apps(two_level)
    item = two_level.item("mentor_claim")
    draft = save_draft(dbsession, two_level, item, town["unit"], {
        "claim_month": "2026-10", "trainees": 3, "amount": 9000, "contact_name": "李红",
        "contact_mobile": "13912345678"})
    attach(dbsession, storage, two_level, draft, "claim_form", "申领表.pdf", f.PDF, town["unit"])
    dbsession.commit()

    def person(login, tab="staff"):
        web = clients()
        assert web.login(login, tab=tab).status_int == 303
        return web

    unit = person(town["unit"].login_name, "unit")
    unit.api("POST", f"/api/cases/{draft.id}/transitions/submit", {}, status=200)
    waiting = lambda login: [n for n in inbox(person(login))  # noqa: E731
                             if n[0] == "case_waiting" and "带教经费申领" in n[1]]
    assert [t for _, t, _, _ in waiting("xiaodian")] == [f"待审核：带教经费申领 {reference(dbsession, draft.id)}"]
    assert waiting("taiyuan") == [] and waiting("sheng") == []   # the city acts only after the county
    person("xiaodian").api("POST", f"/api/cases/{draft.id}/transitions/county_approve", {}, status=200)
    assert len(waiting("taiyuan")) == 1 and "待市级审核" in waiting("taiyuan")[0][2]
    assert len(waiting("xiaodian")) == 1 and waiting("yingze") == []
    deliver()
    assert len(smtp_server.to("xiaodian@renshe.example")) == len(smtp_server.to("taiyuan@renshe.example")) == 1
    assert smtp_server.to("sheng@renshe.example") == []


def reference(session, case_id):
    fresh(session)
    return session.get(Case, case_id).reference


@pytest.fixture
def two_level(tmp_path_factory):
    """The shipped definitions plus the docs' worked example: 带教经费申领, county then city review."""
    from tests.webapp.test_new_item import definitions
    return definitions(tmp_path_factory.mktemp("two-level-web"), "definitions")


def test_an_import_result_reaches_the_unit_and_a_failed_one_its_uploader(town, make_web, catalogue, deliver,
                                                                        smtp_server):
    unit = signed_in(make_web, town["unit"].login_name)
    item = catalogue.item("match_report")
    bad = batch_rows.match_rows(2, [town["position"].name])
    bad[1]["id_number"] = "140105200305170000"
    unit.post("/items/match_report/import", upload_files=[("file", "有错.xlsx", wbs.workbook(item, bad))], status=422)
    kind, title, body, _ = inbox(unit)[0]
    assert kind == "import_failed" and title.startswith("见习匹配结果批量上报导入未通过：")
    assert "《有错.xlsx》共2行" in body and "未写入任何数据" in body
    opened = form_to(unit.app.get("/me/notices"), "/read", has="next").submit("open", value="1")
    assert re.search(r"/imports/[0-9a-f]{32}/errors\.xlsx$", opened.location)
    assert opened.follow().content_type.startswith("application/vnd.openxmlformats")
    colleague = signed_in(make_web, "JINYANG02")
    assert [k for k, *_ in inbox(colleague)] == []   # the error workbook is the uploader's alone

    good = batch_rows.match_rows(2, [town["position"].name], first=50)
    unit.post("/items/match_report/import", upload_files=[("file", "匹配.xlsx", wbs.workbook(item, good))], status=303)
    for web in (unit, colleague):
        kind, title, body, _ = inbox(web)[0]
        assert kind == "case_receipt" and title.startswith("见习匹配结果批量上报已导入：")
        assert "说明：导入2行" in body
    deliver()
    assert smtp_server.messages == []   # results of the unit's own action: the 消息中心 only, by default


def test_a_position_taken_down_by_a_reviewer_reaches_the_unit_with_the_reason(town, make_web, deliver, smtp_server,
                                                                             sms_gateway):
    reviewer = signed_in(make_web, "taiyuan", "staff")
    position = town["position"]
    reviewer.post(f"/unit/positions/{position.id}/takedown", {"reason": "岗位信息与实际不符"}, status=303)
    colleague = signed_in(make_web, "JINYANG02")
    kind, title, body, _ = inbox(colleague)[0]
    assert (kind, title) == ("position_taken_down", f"岗位已下架：{position.name}")
    assert "已由审核人员下架" in body and "下架原因：岗位信息与实际不符" in body
    deliver()
    (mail,) = smtp_server.to("wang@jinyang.example")
    assert f"查看岗位：http://jianxi.test/unit/positions/{position.id}" in SmtpServer.body(mail)
    assert sms_gateway.to("13712345678")[0]["params"] == {"name": "王*明", "position_name": position.name}


def test_reading_one_and_all_through_the_page_and_the_api(town, make_web, catalogue):
    unit = signed_in(make_web, town["unit"].login_name)
    for name in ("甲岗位", "乙岗位", "丙岗位"):
        submit_post(unit, name)
    assert header_unread(unit) == 3
    page = unit.app.get("/me/notices")
    form_to(page, "/read", has="next").submit().follow()   # 标为已读 on the newest
    assert header_unread(unit) == 2 and [n[3] for n in inbox(unit)][:4] == [False, True, True, False]
    first = unit.api("GET", "/api/notices?per_page=1").json
    assert first["total"] >= 3 and first["pages"] == first["total"] and first["unread"] == 2
    target = unit.api("GET", "/api/notices?unread=1").json["items"][0]["id"]
    res = unit.api("POST", f"/api/notices/{target}/read", {})
    assert_matches_spec(res)
    assert res.json["read"] is True and res.json["unread"] == 1
    # Somebody else's notice does not exist for this account, nor for an administrator.
    other = signed_in(make_web, town["other"].login_name)
    assert_matches_spec(other.api("POST", f"/api/notices/{target}/read", {}, status=404))
    other.post(f"/me/notices/{target}/read", status=404)
    res = unit.api("POST", "/api/notices/read-all", {})
    assert_matches_spec(res)
    assert res.json == {"marked": 1, "unread": 0}
    unit.post("/me/notices/read-all").follow()
    assert header_unread(unit) == 0
    assert_matches_spec(make_web().api("GET", "/api/notices", status=401))
    assert_matches_spec(unit.api("GET", "/api/notices?page=0", status=422))


def test_the_administrator_sees_failed_deliveries_and_sends_them_again(town, make_web, deliver, smtp_server,
                                                                       notice_settings, dbsession, catalogue):
    from dataclasses import replace
    smtp_server.refused.add("wang@jinyang.example")
    unit = signed_in(make_web, town["unit"].login_name)
    case = submit_post(unit)
    signed_in(make_web, "sheng", "staff").api("POST", f"/api/cases/{case['id']}/transitions/approve", {}, status=200)
    deliver(replace(notice_settings, max_attempts=2))
    admin = signed_in(make_web, "admin", "staff")
    assert soup(admin.app.get("/admin")).select_one("[data-testid=failed-deliveries] strong").get_text() == "1"
    page = soup(admin.app.get("/admin/deliveries"))
    rows = page.select("[data-testid=deliveries] tbody tr")
    assert [r["data-state"] for r in rows] == ["failed"]
    text = rows[0].get_text(" ", strip=True)
    assert "王晓明" in text and "wang@jinyang.example" in text and "邮件" in text and "失败" in text
    assert "550" in text and f"就业见习岗位申请审核通过：{case['reference']}" in text
    assert soup(admin.app.get("/admin/deliveries?channel=sms")).select("[data-testid=deliveries] tbody tr") == []
    assert soup(admin.app.get("/admin/deliveries?q=JINYANG02")).select("[data-testid=deliveries] tbody tr")
    assert not soup(admin.app.get("/admin/deliveries?q=nobody")).select("[data-testid=deliveries] tbody tr")
    delivery_id = int(rows[0]["data-delivery"])
    admin.app.post(f"/admin/deliveries/{delivery_id}/resend", {"csrf_token": "forged"}, status=400)
    fresh(dbsession)
    assert dbsession.get(Delivery, delivery_id).state == "failed"
    done = form_to(admin.app.get("/admin/deliveries"), "/resend").submit().follow()
    assert "已重新加入发送队列" in done.text
    fresh(dbsession)
    assert (dbsession.get(Delivery, delivery_id).state, dbsession.get(Delivery, delivery_id).attempts) == ("pending", 0)
    smtp_server.refused.clear()
    deliver()
    (mail,) = smtp_server.to("wang@jinyang.example")
    assert mail["Subject"] == f"就业见习岗位申请审核通过：{case['reference']}"
    assert soup(admin.app.get("/admin/deliveries")).select("[data-testid=deliveries] tbody tr") == []
    sent = soup(admin.app.get("/admin/deliveries?state=sent")).select(f"tr[data-delivery='{delivery_id}']")
    assert sent and "已发送" in sent[0].get_text()
    # Sending it again once it is sent is refused, and the resend is in the audit log.
    admin.post(f"/admin/deliveries/{delivery_id}/resend", status=303)
    assert "只有失败或未配置的可以重新发送" in admin.app.get("/admin/deliveries").text
    rows, _, _ = audit_log(dbsession, catalogue, AuditFilter(kind="admin"))
    assert any(r.action_label == "重新发送通知" and str(delivery_id) in r.target for r in rows)


def test_every_link_a_notice_carries_is_a_page_of_the_app(wsgi_app):
    patterns = {re.sub(r"\{(\w+):[^}]*\}", r"{\1}", r.pattern)
                for r in wsgi_app.registry.getUtility(IRoutesMapper).get_routes()}
    assert set(LINKS.values()) <= patterns
