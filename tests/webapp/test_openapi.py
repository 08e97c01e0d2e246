from openapi_spec_validator import validate

from tests.openapi import assert_matches_spec
from tests import factories as f


def test_document_is_valid_openapi_31(testapp):
    doc = testapp.get("/api/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_session_responses_match_the_document(web, dbsession):
    unit = f.unit_account(dbsession)
    dbsession.commit()
    ok = web.app.post_json("/api/session", {"kind": "unit", "login": unit.login_name, "password": f.PASSWORD})
    assert_matches_spec(ok)
    bad = web.app.post_json("/api/session", {"kind": "unit", "login": unit.login_name, "password": "x"}, status=401)
    assert_matches_spec(bad)
