"""engine.positions.intents: 我有意向, once per person and position."""
from __future__ import annotations



import hashlib

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from engine import positions as P
from engine.models import AuditEntry, Intent
from tests import factories as f
from tests.engine.positions.conftest import TODAY, publish


def test_an_intent_is_registered_once_and_again_after_withdrawing(dbsession, catalogue, unit):
    s = dbsession
    position = publish(s, catalogue, unit)
    person = f.individual_account(s)
    agreed = P.intents.CONSENT_VERSION
    first = P.intents.register_intent(s, position, person, agreed)
    with pytest.raises(P.status.PositionError) as e:
        P.intents.register_intent(s, position, person, agreed)
    assert e.value.kind == "conflict"
    P.intents.withdraw_intent(s, first, person)
    second = P.intents.register_intent(s, position, person, agreed)
    s.commit()
    assert second.id != first.id
    assert [i.id for i in P.intents.intents_of_account(s, person.id)] == [second.id, first.id]
    assert [p.intent_id for p in P.unit.position_intents(s, position)] == [second.id]
    with pytest.raises(P.status.PositionError) as e:
        P.intents.register_intent(s, position, unit[0], agreed)
    assert e.value.kind == "forbidden"


def test_the_database_allows_one_active_intent_per_person_and_position(dbsession, catalogue, unit):
    s = dbsession
    position = publish(s, catalogue, unit)
    person = f.individual_account(s)
    s.commit()
    row = {"position_id": position.id, "account_id": person.id, "created_at": TODAY}
    s.execute(insert(Intent), [{**row, "withdrawn_at": TODAY}, {**row, "withdrawn_at": TODAY}, row])
    s.commit()
    with pytest.raises(IntegrityError):
        s.execute(insert(Intent), [row])
        s.flush()
    s.rollback()


# The text each consent version stands for: a changed text needs a new version (and a line here).
CONSENT_TEXTS = {"1": "e14d7aaad0942c6172003eea9871427750e4c307efe9fde67f922301eeadf84b"}


def test_each_consent_version_stands_for_one_text():
    digest = hashlib.sha256(P.intents.CONSENT_TEXT.encode("utf-8")).hexdigest()
    assert digest == CONSENT_TEXTS[P.intents.CONSENT_VERSION], "the consent text changed: bump CONSENT_VERSION"
    for said in ("姓名", "身份证号", "手机号", "见习匹配", "补贴申报", "撤回"):
        assert said in P.intents.CONSENT_TEXT


def test_no_intent_without_the_current_consent_and_each_consent_is_recorded(dbsession, catalogue, unit):
    s = dbsession
    position = publish(s, catalogue, unit)
    person = f.individual_account(s)
    for given, message in ((None, "请阅读"), ("", "请阅读"), ("0", "已更新")):
        with pytest.raises(P.status.PositionError) as e:
            P.intents.register_intent(s, position, person, given)
        assert e.value.kind == "invalid" and message in e.value.message
    assert s.scalar(select(Intent).where(Intent.account_id == person.id)) is None
    intent = P.intents.register_intent(s, position, person, P.intents.CONSENT_VERSION, remote_addr="10.1.2.3")
    s.commit()
    entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "intent_consent"))
    assert (entry.actor_id, entry.target, entry.remote_addr) == (person.id, f"意向#{intent.id}", "10.1.2.3")
    assert entry.detail == {"intent": intent.id, "position": position.id, "unit": position.unit_id,
                            "consent_version": P.intents.CONSENT_VERSION,
                            "consent_sha256": P.intents.consent_digest()}
    from engine.admin.audit import AuditFilter, audit_log
    shown, _, _ = audit_log(s, catalogue, AuditFilter(kind="consent"))
    assert [(r.kind, r.action_label, r.actor_name, r.target) for r in shown] == [
        ("consent", "登记意向并同意提供个人信息", person.name, f"意向#{intent.id}")]
    assert shown[0].detail == f"岗位编号：{position.id}；同意的说明：第{P.intents.CONSENT_VERSION}版"
    # An intent without a record (made before consent was asked) is not a consented one.
    s.execute(insert(Intent), [{"position_id": position.id, "account_id": f.individual_account(s).id}])
    s.commit()
    intents = s.scalars(select(Intent).order_by(Intent.id)).all()
    assert P.intents.consented(s, intents) == {intent.id}
    assert [p.consented for p in P.unit.position_intents(s, position)] == [True, False]
