"""engine.positions.intents: 我有意向, once per person and position."""
from __future__ import annotations



import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from engine import positions as P
from engine.models import Intent
from tests import factories as f
from tests.engine.positions.conftest import TODAY, publish


def test_an_intent_is_registered_once_and_again_after_withdrawing(dbsession, catalogue, unit):
    s = dbsession
    position = publish(s, catalogue, unit)
    person = f.individual_account(s)
    first = P.intents.register_intent(s, position, person)
    with pytest.raises(P.status.PositionError) as e:
        P.intents.register_intent(s, position, person)
    assert e.value.kind == "conflict"
    P.intents.withdraw_intent(s, first, person)
    second = P.intents.register_intent(s, position, person)
    s.commit()
    assert second.id != first.id
    assert [i.id for i in P.intents.intents_of_account(s, person.id)] == [second.id, first.id]
    assert [p.intent_id for p in P.unit.position_intents(s, position)] == [second.id]
    with pytest.raises(P.status.PositionError) as e:
        P.intents.register_intent(s, position, unit[0])
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
