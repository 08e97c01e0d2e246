"""engine.admin.audit: the merged audit log, its filters and its export."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from engine.accounts.login import authenticate
from engine import clock
from engine.admin import audit
from engine.admin.staff import set_active
from engine.cases.lifecycle import transition
from engine.spreadsheet import neutralise
from tests import factories as f


def test_audit_log_merges_logins_admin_actions_and_transitions(dbsession, catalogue, storage, boss):
    r = f.reviewer(dbsession, "taiyuan")
    unit = f.unit_account(dbsession)
    authenticate(dbsession, "staff", "taiyuan", "wrong-pass1")
    authenticate(dbsession, "staff", "taiyuan", f.PASSWORD, remote_addr="10.1.1.1")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    set_active(dbsession, boss, f.individual_account(dbsession), False)
    transition(dbsession, catalogue, case, "reject", r, comment="=1+1 不符合条件")
    dbsession.commit()
    rows, total, pages = audit.audit_log(dbsession, catalogue, audit.AuditFilter())
    assert total == 5 and pages == 1
    assert [x.action for x in rows][:3] == ["reject", "account_disable", "submit"]  # newest first
    reject = rows[0]
    assert (reject.action_label, reject.actor_name, reject.target) == ("流程操作：审核不通过", "太原市审核员",
                                                                      case.reference)
    assert reject.detail == "未审核 → 审核不通过；意见：=1+1 不符合条件"
    pick = lambda **kw: [x.action for x in audit.audit_log(dbsession, catalogue, audit.AuditFilter(**kw))[0]]  # noqa
    assert pick(kind="login") == ["login", "login_failed"]
    assert pick(kind="admin") == ["account_disable"]
    assert pick(kind="transition") == ["reject", "submit"]
    assert pick(actor="taiyuan") == ["reject", "login"]
    assert pick(q=case.reference) == ["reject", "submit"]
    today = clock.today()  # the log's day is Beijing's
    assert len(pick(date_from=today, date_to=today)) == 5
    assert pick(date_to=today - timedelta(days=1)) == []
    f_, errors = audit.AuditFilter.from_params({"date_from": "2026-02-30", "kind": "evil", "page": "x"})
    assert errors == {"date_from": "日期格式应为2026-03-01"} and f_.kind == "" and f_.page == 1


def test_export_neutralises_anything_a_spreadsheet_would_run(dbsession, catalogue, boss):
    for name in ("=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3", "@NOW()", "normal"):
        authenticate(dbsession, "staff", name, "x")
    dbsession.commit()
    body, n, truncated = audit.audit_xlsx(dbsession, catalogue, audit.AuditFilter(kind="login"))
    assert (n, truncated) == (5, False)
    ws = load_workbook(io.BytesIO(body)).active
    targets = sorted(row[4].value for row in ws.iter_rows(min_row=2))
    assert targets == sorted(["'=cmd|' /C calc'!A0", "'+SUM(A1)", "'-2+3", "'@NOW()", "normal"])
    assert {c.data_type for row in ws.iter_rows(min_row=2) for c in row if c.value is not None} == {"s"}
    assert neutralise("\tTAB") == "'\tTAB" and neutralise("\rX") == "'\rX"
    assert neutralise(12) == 12 and neutralise("") == "" and neutralise("a=b") == "a=b"
