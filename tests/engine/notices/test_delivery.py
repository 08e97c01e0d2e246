"""Sending the outbox to a real SMTP server and a fake SMS gateway on 127.0.0.1: what arrives, what is retried,
what fails for good, what a dead worker leaves, and what two workers claim."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock
from engine.cases.lifecycle import transition
from engine.models import Delivery, Notice
from engine.notices import delivery
from engine.notices.config import from_settings
from engine.notices.outbox import record
from engine.notices.smtp import message_id
from tests import factories as f
from tests.mailboxes import SmtpServer
from tests.webapp.pages import fresh


@pytest.fixture
def returned(dbsession, catalogue, storage, people):
    case = f.submitted_unit_application(dbsession, catalogue, storage, people["unit"])
    transition(dbsession, catalogue, case, "return_for_correction", people["taiyuan"], comment="附件不清晰或不完整")
    dbsession.commit()
    return case


def states(session):
    fresh(session)
    return {d.id: (d.channel, d.state) for d in session.scalars(select(Delivery).order_by(Delivery.id))}


def test_email_and_sms_arrive_with_the_chinese_text_the_link_and_masked_names(dbsession, returned, people, deliver,
                                                                            smtp_server, sms_gateway):
    assert deliver() == 7   # 3 reviewers' emails of the submission, then the unit's two agents: email + SMS each
    (mail,) = smtp_server.to("wang@jinyang.example")
    assert mail["Subject"] == f"就业见习单位申请退回修改：{returned.reference}"
    assert mail["From"] == "山西人社就业见习（测试） <noreply@jianxi.test>"
    body = SmtpServer.body(mail)
    assert "山西晋阳智能科技有限公司：" in body and "已由审核人员退回修改，当前状态：退回修改" in body
    assert "审核人员意见：附件不清晰或不完整" in body
    assert f"查看详情：http://jianxi.test/cases/{returned.id}" in body
    fresh(dbsession)
    d = dbsession.scalar(select(Delivery).join(Notice).where(Notice.recipient_id == people["colleague"].id,
                                                              Delivery.channel == "email", Notice.event != "submit"))
    assert mail["Message-ID"] == message_id(d.id, "jianxi.test")
    (sms,) = sms_gateway.to("13712345678")
    assert sms == {"to": "13712345678", "template_id": "TPL_CASE_RESULT",
                   "params": {"name": "王*明", "item_title": "就业见习单位申请", "reference": returned.reference,
                              "result": "退回修改"}}
    request = next(r for r in sms_gateway.received if r["json"]["to"] == "13712345678")
    assert request["headers"]["X-Api-Key"] == "test-key-0123"
    assert request["headers"]["Idempotency-Key"] == f"jianxi-delivery-{request_id(dbsession, people, 'sms')}"
    assert all(state == "sent" for _, state in states(dbsession).values())
    assert deliver() == 0   # nothing is sent twice


def request_id(session, people, channel):
    return session.scalar(select(Delivery.id).join(Notice).where(
        Notice.recipient_id == people["colleague"].id, Delivery.channel == channel))


def test_a_refused_address_fails_at_once_and_a_deferred_one_is_retried_then_fails(dbsession, returned, people,
                                                                                 deliver, smtp_server,
                                                                                 notice_settings):
    smtp_server.refused.add("wang@jinyang.example")
    smtp_server.deferred.add("li.hong@jinyang.example")
    settings = replace(notice_settings, max_attempts=3)
    deliver(settings)   # retry_base 0: each failure is due again at once, until the third attempt
    fresh(dbsession)
    rows = {(d.address, d.channel): d for d in dbsession.scalars(select(Delivery))}
    refused, deferred = rows[("wang@jinyang.example", "email")], rows[("li.hong@jinyang.example", "email")]
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert "550" in refused.last_error and "收件人被拒绝" in refused.last_error
    assert (deferred.state, deferred.attempts) == ("failed", 3)
    assert "451" in deferred.last_error
    assert rows[("13712345678", "sms")].state == "sent"


def test_backoff_doubles_and_is_capped(notice_settings):
    s = replace(notice_settings, retry_base=timedelta(minutes=1), retry_max=timedelta(minutes=10))
    assert [s.backoff(n) for n in (1, 2, 3, 4, 5)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10)]


def test_a_failure_waits_before_the_next_attempt(dbsession, returned, deliver, smtp_server, notice_settings,
                                                 clock_at):
    smtp_server.deferred.add("li.hong@jinyang.example")
    settings = replace(notice_settings, retry_base=timedelta(minutes=5))
    deliver(settings)
    fresh(dbsession)
    d = dbsession.scalar(select(Delivery).where(Delivery.address == "li.hong@jinyang.example"))
    assert (d.state, d.attempts) == ("pending", 1)
    assert d.next_attempt_at - clock.utcnow() > timedelta(minutes=4)
    smtp_server.deferred.clear()
    assert deliver(settings) == 0            # not due yet
    clock_at(clock.utcnow() + timedelta(minutes=6))
    assert deliver(settings) == 1
    assert len(smtp_server.to("li.hong@jinyang.example")) == 1


def test_unconfigured_channels_are_skipped_not_failed(dbsession, returned, deliver, smtp_server, sms_gateway):
    bare = from_settings({"jianxi.public_url": "http://jianxi.test"}, environ={})
    deliver(bare)
    got = {(c, s) for c, s in states(dbsession).values()}   # states() reads afresh
    assert got == {("email", "skipped"), ("sms", "skipped")}
    reasons = set(dbsession.scalars(select(Delivery.last_error)))
    assert reasons == {"未配置邮件服务器（jianxi.smtp.host）", "未配置短信网关（jianxi.sms.url）"}
    assert smtp_server.messages == [] and sms_gateway.received == []


def test_a_gateway_error_is_retried_and_a_refusal_is_final(dbsession, returned, deliver, sms_gateway,
                                                         notice_settings):
    settings = replace(notice_settings, max_attempts=2)
    sms_gateway.status = 503
    deliver(settings)
    fresh(dbsession)
    sms = [d for d in dbsession.scalars(select(Delivery).where(Delivery.channel == "sms"))]
    assert {(d.state, d.attempts) for d in sms} == {("failed", 2)} and "HTTP 503" in sms[0].last_error
    for d in sms:
        delivery.resend(dbsession, d.id)
    dbsession.commit()
    sms_gateway.status = 400
    deliver(settings)
    fresh(dbsession)
    assert {(d.state, d.attempts) for d in dbsession.scalars(select(Delivery).where(Delivery.channel == "sms"))} \
        == {("failed", 1)}


def test_a_dead_workers_claim_is_sent_once_its_lease_expires(dbsession, session_factory, returned, notice_settings,
                                                             smtp_server, clock_at):
    with session_factory() as s:
        token, claimed = delivery.claim(s, notice_settings, limit=2)   # ... and the worker dies here
    assert len(claimed) == 2
    ids = {c.id for c in claimed}
    assert {states(dbsession)[i][1] for i in ids} == {"sending"}
    assert delivery.deliver_all(session_factory, notice_settings) == 5   # the others; these two are leased
    assert not any(m["Message-ID"] in {message_id(i, "jianxi.test") for i in ids} for m in smtp_server.messages)
    clock_at(clock.utcnow() + notice_settings.lease + timedelta(seconds=1))
    assert delivery.deliver_all(session_factory, notice_settings) == 2
    got = smtp_server.message_ids()
    for i in ids:
        if states(dbsession)[i][0] == "email":
            assert got.count(message_id(i, "jianxi.test")) == 1
    with session_factory() as s:
        # The dead worker's outcome, had it come back, no longer counts: the row is another's now.
        assert delivery.mark_sent(s, token, next(iter(ids))) is False


def test_a_message_sent_again_after_a_crash_has_the_same_message_id(dbsession, session_factory, returned,
                                                                    notice_settings, smtp_server, clock_at):
    """The at-least-once edge: the server accepted, the worker died before recording it, the lease expired."""
    sender = delivery.Sender(notice_settings)
    with session_factory() as s:
        token, claimed = delivery.claim(s, notice_settings, limit=1)
    sender.send(claimed[0])          # accepted by the server; no mark_sent: the worker is killed here
    sender.close()
    clock_at(clock.utcnow() + notice_settings.lease + timedelta(seconds=1))
    delivery.deliver_all(session_factory, notice_settings)
    ids = smtp_server.message_ids()
    assert ids.count(message_id(claimed[0].id, "jianxi.test")) == 2   # one duplicate, recognisably the same
    assert len(ids) == len(set(ids)) + 1


def test_two_workers_claiming_at_once_never_take_the_same_delivery(dbsession, session_factory, people,
                                                                   notice_settings):
    for _ in range(60):
        record(dbsession, "case_result", "approve", [people["unit"]], ["email"],
               {"item_title": "就业见习单位申请", "reference": "JX-1", "result": "审核通过", "owner_name": "单位"})
    dbsession.commit()
    taken: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def worker(i):
        with session_factory() as s:
            start.wait()
            while True:
                _, claimed = delivery.claim(s, notice_settings, limit=7)
                if not claimed:
                    return
                taken[i] += [c.id for c in claimed]

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(taken[0]) + len(taken[1]) == 60
    assert not set(taken[0]) & set(taken[1])


def test_a_stopping_worker_gives_back_what_it_has_not_sent(dbsession, session_factory, returned, notice_settings,
                                                          smtp_server):
    stop = threading.Event()
    stop.set()
    with session_factory() as s:
        assert delivery.deliver_batch(s, delivery.Sender(notice_settings), stopping=stop) == 7
    assert {state for _, state in states(dbsession).values()} == {"pending"}
    assert set(dbsession.scalars(select(Delivery.attempts))) == {0}
    assert smtp_server.messages == []


def test_a_delivery_that_cannot_even_be_built_ends_failed_not_in_a_loop(dbsession, people, deliver, notice_settings):
    from engine.models import Notice as N
    n = N(recipient_id=people["unit"].id, kind="no_such_kind", event="x", title="t", body="b", params={}, inapp=True)
    n.deliveries.append(Delivery(channel="email", address="li.hong@jinyang.example", attempts=0, state="pending"))
    dbsession.add(n)
    dbsession.commit()
    deliver(replace(notice_settings, max_attempts=2))
    fresh(dbsession)
    d = dbsession.scalar(select(Delivery))
    assert (d.state, d.attempts) == ("failed", 2) and d.last_error.startswith("发送时出错：TemplateError")
