"""Two app processes on one database, a process killed mid-request, a database connection cut mid-request."""
import threading

import pytest
from sqlalchemy import select, text

from engine.models import Case, CaseEvent
from tests import factories as f
from tests.system.conftest import Client, wait_for

PAUSE = {"X-Jianxi-Pause-Before-Commit": "8"}


@pytest.fixture
def two(spawn):
    return spawn(), spawn()


def test_one_unit_application_through_two_processes(two, dbsession):
    a, b = two
    unit = f.unit_account(dbsession, name="跨进程测试有限公司")
    dbsession.commit()
    c = Client()
    c.login(a.url, "unit", unit.login_name, f.PASSWORD)          # log in on A
    status, case = c.json("POST", b.url + "/api/items/unit_application/cases",
                          {"data": f.unit_application_data("跨进程测试有限公司")})
    assert status == 201, case
    for slot in ("license", "application_form", "management_plan"):   # upload on B
        status, body = c.upload(f"{b.url}/api/cases/{case['id']}/attachments/{slot}", "file", f"{slot}.pdf", f.PDF)
        assert status == 201, body
    status, done = c.json("POST", f"{a.url}/api/cases/{case['id']}/transitions/submit", {})   # submit on A
    assert status == 200 and done["state"] == "submitted", done
    status, seen = c.json("GET", f"{b.url}/api/cases/{case['id']}")
    assert seen["state"] == "submitted" and len(seen["attachments"]) == 3


def test_concurrent_review_across_two_processes_one_wins(two, dbsession, catalogue, storage):
    a, b = two
    unit = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    f.reviewer(dbsession, login="r_a", jurisdiction="140100")
    f.reviewer(dbsession, login="r_b", jurisdiction="140000")
    dbsession.commit()
    version = case.version
    ra, rb = Client(), Client()
    ra.login(a.url, "staff", "r_a", f.PASSWORD)
    rb.login(b.url, "staff", "r_b", f.PASSWORD)
    results = {}

    def approve():
        results["a"] = ra.json("POST", f"{a.url}/api/cases/{case.id}/transitions/approve",
                               {"version": version}, headers={"X-Jianxi-Pause-Before-Commit": "1.5"})
    t = threading.Thread(target=approve)
    t.start()
    import time
    time.sleep(0.4)  # A has written and holds its transaction open
    results["b"] = rb.json("POST", f"{b.url}/api/cases/{case.id}/transitions/reject",
                           {"version": version, "comment": "材料不全"})
    t.join()
    statuses = sorted([results["a"][0], results["b"][0]])
    assert statuses == [200, 409], results
    loser = results["a"] if results["a"][0] == 409 else results["b"]
    assert loser[1]["error"] == "该申请已被他人处理" and loser[1]["state_label"] in ("审核通过", "审核不通过")
    dbsession.expire_all()
    events = dbsession.scalars(select(CaseEvent.trigger).where(CaseEvent.case_id == case.id)).all()
    assert len(events) == 2  # submit + exactly one decision


@pytest.fixture
def waiting_case(dbsession, catalogue, storage):
    """A submitted unit application and the 太原市 reviewer "r_a" who may decide it."""
    unit = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    f.reviewer(dbsession, login="r_a", jurisdiction="140100")
    dbsession.commit()
    return case


def reviewer_on(process) -> Client:
    r = Client()
    r.login(process.url, "staff", "r_a", f.PASSWORD)
    return r


def test_process_killed_mid_transition_leaves_nothing_half_done(spawn, fault_marker, dbsession, waiting_case):
    a, case = spawn(), waiting_case
    r = reviewer_on(a)
    def doomed_request():
        try:
            r.json("POST", f"{a.url}/api/cases/{case.id}/transitions/approve", {}, headers=PAUSE, timeout=30)
        except OSError:
            pass  # the server dies under it: that is the point
    t = threading.Thread(target=doomed_request)
    t.daemon = True
    t.start()
    wait_for(fault_marker, f"/api/cases/{case.id}/transitions/approve")
    a.kill()
    t.join(10)
    b = spawn()   # restart: the app serves, and the case is as it was
    dbsession.expire_all()
    assert dbsession.get(Case, case.id).state == "submitted"
    assert [e for e in dbsession.scalars(select(CaseEvent.trigger).where(CaseEvent.case_id == case.id))] == ["submit"]
    status, body = reviewer_on(b).json("POST", f"{b.url}/api/cases/{case.id}/transitions/approve", {})
    assert status == 200 and body["state"] == "approved"


def test_database_connection_cut_mid_request_fails_cleanly_then_recovers(spawn, fault_marker, dbsession, waiting_case,
                                                                         is_postgres, db_engine):
    if not is_postgres:
        pytest.skip("cutting a server connection needs PostgreSQL (SQLite has none); runs in .ci/run's PostgreSQL pass")
    a, case = spawn(), waiting_case
    r = reviewer_on(a)
    result = {}
    t = threading.Thread(target=lambda: result.update(res=r.json(
        "POST", f"{a.url}/api/cases/{case.id}/transitions/approve", {}, headers=PAUSE, timeout=30)))
    t.start()
    wait_for(fault_marker, f"/api/cases/{case.id}/transitions/approve")
    with db_engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    t.join(30)
    status, body = result["res"]
    dbsession.rollback()
    dbsession.expire_all()
    state = dbsession.get(Case, case.id).state
    triggers = dbsession.scalars(select(CaseEvent.trigger).where(CaseEvent.case_id == case.id)).all()
    if status == 200:   # pyramid_retry ran it again on a fresh connection
        assert state == "approved" and triggers == ["submit", "approve"]
    else:
        assert status >= 500 and "系统暂时无法完成您的请求" in body["error"]
        assert state == "submitted" and triggers == ["submit"]
    status, body = r.json("GET", f"{a.url}/api/cases/{case.id}")   # the next request succeeds
    assert status == 200 and body["state"] == state, body


def test_a_cookie_copied_to_another_process_dies_with_the_logout(two, dbsession):
    """Sessions live in the database: a logout served by A ends the session that B was serving."""
    import copy
    a, b = two
    unit = f.unit_account(dbsession, name="会话测试有限公司")
    dbsession.commit()
    owner = Client()
    owner.login(a.url, "unit", unit.login_name, f.PASSWORD)
    thief = Client()
    for cookie in owner.jar:
        thief.jar.set_cookie(copy.copy(cookie))
    assert thief.json("GET", b.url + "/api/account")[1]["id"] == unit.id
    status, _ = owner.json("DELETE", a.url + "/api/session")
    assert status == 204
    status, body = thief.json("GET", b.url + "/api/account")
    assert status == 401 and body["error"] == "请先登录"
