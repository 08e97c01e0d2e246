"""Schemathesis against /api/openapi.json: every operation, as a unit, an individual, a reviewer and a visitor.

Each operation gets Schemathesis' examples, coverage and fuzzing phases (valid and invalid requests), sent
in process to the WSGI app, and every answer must pass Schemathesis' checks: no 5xx, a documented status,
a body that fits the documented schema and content type, invalid input refused, valid input not refused,
a secured operation refusing a request without its session cookie, 405 with `Allow` for an undocumented
method. State-changing calls run too: the conftest empties the database after each test.

The stateful phase chains calls by the links Schemathesis infers from the document (a case created, then
read, changed, submitted; an intent registered, then withdrawn) and adds the checks only sequences can make.

Runs are reproducible: derandomised generation with a fixed seed, no example database. `make test` runs
JIANXI_FUZZ_EXAMPLES=20 examples per operation and a few short sequences per role; `make fuzz` runs more of
both. The counts of operations and requests sent are written to tests/artifacts/fuzz-counts.json.
"""
from __future__ import annotations

import copy
import gc
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.auths import AuthStorage

from engine.cases.lifecycle import save_draft
from engine.loader import default_dirs, load_catalogue
from engine.positions.intents import CONSENT_VERSION, register_intent
from tests import factories as f
from tests.openapi import assert_matches_spec
from webapp.views.api_docs import openapi_document

EXAMPLES = int(os.environ.get("JIANXI_FUZZ_EXAMPLES", "20"))
STEPS = int(os.environ.get("JIANXI_FUZZ_STEPS", "0"))

# Random path parameters almost never name a real item, slot, trigger or row, so the operations would
# only ever be tried against "not found". Dictionaries mix real values in (for most examples, not all).
CATALOGUE = load_catalogue(*default_dirs())
VOCABULARY = {
    "items": sorted(CATALOGUE.items),
    "slots": sorted({a["slot"] for item in CATALOGUE.items.values() for a in item.attachments}),
    "triggers": sorted({t.trigger for wf in CATALOGUE.workflows.values() for t in wf.transitions}),
    "ids": list(range(1, 6)),  # the rows `fuzz_world` makes: tables are emptied between tests, so ids restart
}

config = schemathesis.Config.from_dict({
    "seed": 20260101,
    "base-url": "http://localhost",
    "generation": {
        "max-examples": EXAMPLES, "deterministic": True, "database": "none",
        # Each client signs in for real (see SESSION); a generated random cookie would only ever be "not signed in".
        "with-security-parameters": False,
    },
    "dictionaries": {name: {"values": values} for name, values in VOCABULARY.items()},
    "parameters": {
        "path.key": {"dictionary": "items", "probability": 0.7},
        "path.slot": {"dictionary": "slots", "probability": 0.7},
        "path.trigger": {"dictionary": "triggers", "probability": 0.7},
        "path.id": {"dictionary": "ids", "probability": 0.7},
        "body.trigger": {"dictionary": "triggers", "probability": 0.7},
        "body.cases[*].id": {"dictionary": "ids", "probability": 0.7},
    },
    "checks": {
        # A request the schema allows may still name something that does not exist or break a rule the
        # schema cannot state: an unknown region code or industry (422, documented as 查询条件有误), a file
        # that is not really an .xlsx / PDF (415, 413). Every other refusal of valid data still fails.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "413", "415", "422", "429", "5xx"]},
    },
})
# The document the app serves (asserted below), loaded at import: from_wsgi needs the app, a session
# fixture, and schemathesis.pytest.from_fixture sets Node._nodeid, which pytest 9.2 no longer has.
# A copy: the stateful phase writes the links it infers into the document it was given.
schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi_document(CATALOGUE)), config=config)

SESSION = AuthStorage()
# Requests sent (not counting the follow-ups some checks send), written to tests/artifacts/fuzz-counts.json.
REQUESTS: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def request_counts():
    yield
    if not REQUESTS:
        return
    out = Path(__file__).resolve().parents[1] / "artifacts" / "fuzz-counts.json"
    out.parent.mkdir(exist_ok=True)
    by = lambda i: {k: sum(v for key, v in REQUESTS.items() if key[i] == k) for k in sorted({key[i] for key in REQUESTS})}
    out.write_text(json.dumps({
        "examples_per_operation": EXAMPLES, "stateful_runs": STEPS or 4,
        "operations": len({key[1] for key in REQUESTS}), "requests": sum(REQUESTS.values()),
        "by_role": by(0), "by_phase": by(2), "by_operation": by(1)}, ensure_ascii=False, indent=1), "utf-8")


class Client:
    """The session the current test sends: its cookie and CSRF token (anonymous visitors have one too)."""
    current: dict | None = None


@SESSION.auth(refresh_interval=None)
class SessionCookie:
    def get(self, case, ctx):
        return Client.current

    def set(self, case, data, ctx):
        case.cookies = {**(case.cookies or {}), **data["cookies"]}
        case.headers = {**(case.headers or {}), "X-CSRF-Token": data["token"]}


@pytest.fixture
def fuzz_world(world, dbsession, catalogue, storage):
    """The shared world (an approved unit with a published position, ...) plus a case waiting for review,
    a draft for the unit to edit, and an individual's intent on the position."""
    s = dbsession
    f.submitted_unit_application(s, catalogue, storage, world["other"])
    save_draft(s, catalogue, catalogue.item("post_application"), world["unit"], f.post_data(position_name="草稿岗位"))
    register_intent(s, world["position"], world["person"], CONSENT_VERSION)
    s.commit()
    return world


@pytest.fixture
def client(who, fuzz_world, make_web):
    web = make_web()
    if who == "anonymous":
        token = web.csrf()
    else:
        login = {"unit": {"kind": "unit", "login": fuzz_world["unit"].login_name},
                 "individual": {"kind": "individual", "login": fuzz_world["person"].login_name},
                 "reviewer": {"kind": "staff", "login": fuzz_world["province"].login_name}}[who]
        token = web.app.post_json("/api/session", {**login, "password": f.PASSWORD}).json["csrf_token"]
    # jianxi (the session's token) when signed in; jianxi_state (the anonymous CSRF token) for a visitor.
    Client.current = {"cookies": dict(web.app.cookies), "token": token}
    yield Client.current
    Client.current = None


@pytest.mark.parametrize("who", ["unit", "individual", "reviewer", "anonymous"])
@schema.parametrize()
# function_scoped_fixture: the data and the session are meant to be shared by all examples of one operation
# (what one example changes, the next sees; generation is derandomised, so this is the same on every run).
# too_slow: it measures time, which on a shared two-core CI machine only makes the run flaky.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_conforms_to_its_document(case, who, client, wsgi_app):
    # The app is a session fixture; checks that send follow-up requests (e.g. without the cookie) use it too.
    case.operation.app = case.operation.schema.app = wsgi_app
    SESSION.set(case, schemathesis.AuthContext(operation=case.operation, app=wsgi_app))
    REQUESTS[(who, case.operation.label, "stateless")] += 1
    case.call_and_validate()


@pytest.mark.parametrize("who", ["unit", "individual", "reviewer", "anonymous"])
def test_api_sequences_conform_to_the_document(who, client, wsgi_app):
    """The stateful phase: sequences of calls chained by what one answer names (a case created, then read,
    changed, submitted; an intent registered, then withdrawn), with the checks only sequences can make
    (a deleted resource stays gone, a created one can be read, another session's objects stay out of reach).

    `make test` runs a few short sequences per role; `make fuzz` runs JIANXI_FUZZ_STEPS of them."""
    machine = schema.as_state_machine()

    class AsThisClient(machine):
        def before_call(self, case):
            case.operation.app = case.operation.schema.app = wsgi_app
            SESSION.set(case, schemathesis.AuthContext(operation=case.operation, app=wsgi_app))
            REQUESTS[(who, case.operation.label, "stateful")] += 1

    AsThisClient.run(settings=settings(
        max_examples=STEPS or 4, stateful_step_count=10 if STEPS else 4, deadline=None, database=None,
        derandomize=True, suppress_health_check=list(HealthCheck)))


def test_the_document_fuzzed_is_the_one_served(testapp):
    served = testapp.get("/api/openapi.json").json
    assert served == openapi_document(CATALOGUE)
    # The search's 学历要求 as the definitions offer them, not a copy kept in the document.
    education = next(p for p in served["paths"]["/api/positions"]["get"]["parameters"] if p["name"] == "education")
    assert education["schema"] == {"enum": ["", "不限", "中专", "大专", "本科", "硕士", "博士"]}


# ---------------------------------------------------------------------------
# What the fuzzer found, pinned down one request at a time
# ---------------------------------------------------------------------------

def _signed_in(make_web, kind: str, login: str):
    web = make_web()
    web.app.post_json("/api/session", {"kind": kind, "login": login, "password": f.PASSWORD})
    return web


def test_impossible_ids_and_pages_are_not_found_or_refused(fuzz_world, make_web):
    unit = _signed_in(make_web, "unit", fuzz_world["unit"].login_name)
    for url in ("/api/cases/99999999999999999999999", "/api/positions/2147483648", "/api/cases/0"):
        assert_matches_spec(unit.api("get", url, status=404))
    person = _signed_in(make_web, "individual", fuzz_world["person"].login_name)
    assert person.api("delete", "/api/intents/99999999999999999999999", status=404).json["error"] == "意向不存在"
    res = unit.api("get", "/api/cases?page=99999999999", status=422)
    assert_matches_spec(res)
    assert res.json["errors"] == [{"field": "page", "message": "page 须在1至10000之间"}]
    # 0000-01 fits the documented pattern; it was a 500 (no datetime holds year 0).
    # A newline alone was read as "no month" (the document's pattern refuses it).
    assert unit.api("get", "/api/cases?month=%0A", status=422).json["error"] == "申办月份格式应为YYYY-MM，如2026-11"
    for month in ("0000-01", "9999-12"):
        res = unit.api("get", f"/api/cases?month={month}", status=422)
        assert_matches_spec(res)
        assert res.json["error"] == "申办月份须在1900年至2199年之间，如2026-11"
    res = unit.api("get", "/api/positions?sort=cheapest", status=422)
    assert_matches_spec(res)
    assert res.json["errors"] == [{"field": "sort", "message": "sort 的可选值：new、allowance"}]


def test_malformed_bodies_are_refused_in_chinese(fuzz_world, make_web, dbsession):
    anonymous = make_web()
    res = anonymous.app.post_json("/api/session", [None, None], status=400)
    assert_matches_spec(res)
    assert res.json["error"].startswith("请求体须为 JSON 对象")
    res = anonymous.app.post_json("/api/session", {"kind": "unit", "login": ["x"], "password": "y"}, status=422)
    assert_matches_spec(res)
    reviewer = _signed_in(make_web, "staff", "sheng")
    res = reviewer.api("post", "/api/review/cases", {"trigger": {}, "cases": [1]}, status=422)
    assert_matches_spec(res)
    assert res.json["error"] == "该操作不能批量执行"
    # A version of the wrong type would have switched off the check against overwriting someone else's work.
    res = reviewer.api("post", "/api/review/cases", {"trigger": "approve", "cases": [{"id": 3, "version": "1"}]},
                       status=422)
    assert_matches_spec(res)
    unit = _signed_in(make_web, "unit", fuzz_world["unit"].login_name)
    draft = unit.api("get", "/api/cases?state=draft").json["cases"][0]
    res = unit.api("put", f"/api/cases/{draft['id']}", {"data": {}, "version": str(draft["version"])}, status=400)
    assert_matches_spec(res)
    assert res.json["error"] == "version 须为整数（读取时的版本号）"


def test_control_characters_are_refused_or_ignored(fuzz_world, make_web, is_postgres):
    # PostgreSQL cannot store NUL in text: these were 500s there.
    reviewer = _signed_in(make_web, "staff", "sheng")
    waiting = reviewer.api("get", "/api/review/cases?q=%E5%A4%A7%00%E5%90%8C").json
    assert waiting["total"] == 0
    assert reviewer.api("get", "/api/positions?q=%E8%BD%AF%E4%BB%B6%00").json["total"] == 1
    case_id = reviewer.api("get", "/api/review/cases").json["items"][0]["id"]
    res = reviewer.api("post", f"/api/cases/{case_id}/transitions/return_for_correction", {"comment": "请补充\x00"},
                       status=422)
    assert_matches_spec(res)
    assert res.json["error"] == "意见含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"
    unit = _signed_in(make_web, "unit", fuzz_world["unit"].login_name)
    res = unit.api("post", "/api/items/post_application/cases",
                   {"data": f.post_data(position_name="软件\x00开发"), "submit": True}, status=422)
    assert_matches_spec(res)
    assert res.json["errors"] == [
        {"field": "position_name", "message": "岗位名称含有无法识别的控制字符（多由复制粘贴带入），请删除后重新填写"}]
    res = make_web().app.post_json("/api/session", {"kind": "staff", "login": "sheng\x00", "password": "x"},
                                   status=401)
    assert res.json["error"] == "账号或密码错误"


def test_an_undocumented_method_is_405_with_the_methods_that_are(testapp):
    res = testapp.request("/api/items", method="TRACE", status=405)
    assert res.headers["Allow"] == "GET, HEAD" and res.json["error"] == "此接口不支持 TRACE 请求"
    assert testapp.delete("/api/positions", status=405).headers["Allow"] == "GET, HEAD"
    assert testapp.put("/api/session", status=405).headers["Allow"] == "DELETE, POST"
    testapp.get("/api/nothing-here", status=404)


def test_a_multipart_body_sent_anywhere_leaves_no_open_file(fuzz_world, make_web):
    unit = _signed_in(make_web, "unit", fuzz_world["unit"].login_name)
    token = unit.csrf()
    big = b"%PDF-1.4\n" + b"0" * 20000  # past WebOb's in-memory limit, so it goes to a temporary file
    for url in ("/api/items/unit_application/cases", f"/api/cases/{fuzz_world['unit_case'].id}/attachments/license"):
        unit.app.post(url, upload_files=[("file", "a.pdf", big)], headers={"X-CSRF-Token": token}, status="*")
    gc.collect()  # an unclosed temporary file warns here, and warnings are errors


def test_an_empty_minimum_allowance_means_no_minimum_as_the_document_says(fuzz_world, testapp):
    # The search page's form sends min_allowance= when left blank; the API reads it the same way.
    everything = testapp.get("/api/positions").json["total"]
    res = testapp.get("/api/positions?min_allowance=&city=")
    assert_matches_spec(res)
    assert res.json["total"] == everything == 1
    assert testapp.get("/api/positions?min_allowance=abc", status=422).json["errors"][0]["field"] == "min_allowance"
