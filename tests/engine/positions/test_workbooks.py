"""engine.positions.workbooks: the match template filled for the chosen people."""
from __future__ import annotations




from engine import positions as P
from tests import factories as f
from tests.engine.positions.conftest import publish


def test_match_rows_name_the_position_as_the_template_dropdown_does(dbsession, catalogue, unit):
    s = dbsession
    a = publish(s, catalogue, unit, position_name="文员")
    b = publish(s, catalogue, unit, position_name="文员")
    c = publish(s, catalogue, unit, position_name="出纳")
    person = f.individual_account(s)
    P.intents.register_intent(s, c, person, P.intents.CONSENT_VERSION)
    s.commit()
    from engine.batch.template import open_position_names
    names = open_position_names(s, unit[0].unit_id)
    people = P.unit.position_intents(s, c)
    item = catalogue.item("match_report")
    assert P.workbooks.match_rows(item, c, people, names)[0]["position"] == "出纳"
    assert P.workbooks.match_rows(item, b, people, names)[0]["position"] == f"{b.id} 文员"
    row = P.workbooks.match_rows(item, a, people, names)[0]
    assert (row["name"], row["id_number"], row["education"], row["allowance"]) == (
        "张晓明", person.id_number, "本科", a.allowance)
    # A value the report's 学历 does not offer is left for the unit to choose.
    person.profile = {**person.profile, "education": "小学"}
    assert P.workbooks.match_rows(item, a, P.unit.position_intents(s, c), names)[0]["education"] is None


def test_a_full_id_number_goes_into_the_template_only_with_consent(dbsession, catalogue, unit):
    from sqlalchemy import insert

    from engine.models import Intent
    s = dbsession
    position = publish(s, catalogue, unit)
    agreed, before = f.individual_account(s, name="同意者"), f.individual_account(s, name="旧登记")
    P.intents.register_intent(s, position, agreed, P.intents.CONSENT_VERSION)
    s.execute(insert(Intent), [{"position_id": position.id, "account_id": before.id}])   # no consent record
    s.commit()
    item = catalogue.item("match_report")
    rows = P.workbooks.match_rows(item, position, P.unit.position_intents(s, position), [position.name])
    assert [(r["name"], r.get("id_number"), r["mobile"]) for r in rows] == [
        ("同意者", agreed.id_number, agreed.mobile), ("旧登记", None, before.mobile)]
