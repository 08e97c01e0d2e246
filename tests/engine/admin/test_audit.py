"""engine.admin.audit: the merged audit log, its filters and its export."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from engine.accounts.login import authenticate, name_key
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
        audit.audit(dbsession, boss, "account_create", name, {"role": "reviewer"})
    dbsession.commit()
    body, n, truncated = audit.audit_xlsx(dbsession, catalogue, audit.AuditFilter(kind="admin"))
    assert (n, truncated) == (5, False)
    ws = load_workbook(io.BytesIO(body)).active
    targets = sorted(row[4].value for row in ws.iter_rows(min_row=2))
    assert targets == sorted(["'=cmd|' /C calc'!A0", "'+SUM(A1)", "'-2+3", "'@NOW()", "normal"])
    assert {c.data_type for row in ws.iter_rows(min_row=2) for c in row if c.value is not None} == {"s"}
    assert neutralise("\tTAB") == "'\tTAB" and neutralise("\rX") == "'\rX"
    assert neutralise(12) == 12 and neutralise("") == "" and neutralise("a=b") == "a=b"


def test_a_failed_login_keeps_the_typed_name_only_when_it_is_an_accounts(dbsession, catalogue, boss):
    from sqlalchemy import select

    from engine.models import AuditEntry, RateLimit
    person = f.individual_account(dbsession)
    dbsession.commit()
    authenticate(dbsession, "staff", "Secret-Passw0rd", "x", remote_addr="10.9.9.9")      # a password in the name
    authenticate(dbsession, "individual", person.id_number, "wrong-pass1")
    authenticate(dbsession, "individual", person.id_number, f.PASSWORD)
    dbsession.commit()
    stored = dbsession.execute(select(AuditEntry.action, AuditEntry.target, AuditEntry.detail)
                               .order_by(AuditEntry.id)).all()
    masked = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert stored == [("login_failed", None, {"unknown_account": True}),
                      ("login_failed", masked, {"account": person.id}),
                      ("login", masked, {"account": person.id})]
    # The login counters keep digests of what was typed, never the text.
    names = {b.split(":", 1)[1] for b in dbsession.scalars(select(RateLimit.bucket)) if b.startswith("login.name:")}
    assert names == {name_key("Secret-Passw0rd"), name_key(person.id_number)}
    assert not any(typed in b for b in dbsession.scalars(select(RateLimit.bucket))
                   for typed in ("Secret-Passw0rd", person.id_number))
    rows, _, _ = audit.audit_log(dbsession, catalogue, audit.AuditFilter(kind="login"))
    assert [(r.target, r.actor_login, r.remote_addr) for r in rows] == [
        (masked, masked, ""), (masked, "", ""), ("（未注册的账号）", "", "10.9.9.9")]


def test_entries_written_before_masking_are_shown_masked(dbsession, catalogue, storage, boss):
    """Older entries named an individual by the full ID number and kept any typed name."""
    person = f.individual_account(dbsession)
    masked = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    audit.audit(dbsession, person, "login", person.id_number)
    audit.audit(dbsession, None, "login_failed", "Secret-Passw0rd")
    audit.audit(dbsession, boss, "account_disable", person.id_number, {"role": "individual"})
    r = f.reviewer(dbsession, "taiyuan")
    unit = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    transition(dbsession, catalogue, case, "reject", r, comment=f"身份证号{person.id_number}与附件不符")
    dbsession.commit()
    rows, _, _ = audit.audit_log(dbsession, catalogue, audit.AuditFilter())
    shown = " ".join(f"{x.target} {x.actor_login} {x.detail}" for x in rows)
    assert person.id_number not in shown and "Secret-Passw0rd" not in shown
    by_action = {x.action: x for x in rows}
    assert by_action["login"].target == masked and by_action["login_failed"].target == "（未注册的账号）"
    assert by_action["account_disable"].target == masked
    assert f"身份证号{masked}与附件不符" in by_action["reject"].detail
    body, _, _ = audit.audit_xlsx(dbsession, catalogue, audit.AuditFilter())
    cells = " ".join(str(c.value) for row in load_workbook(io.BytesIO(body)).active.iter_rows() for c in row)
    assert person.id_number not in cells and "Secret-Passw0rd" not in cells and masked in cells


def test_an_accounts_page_finds_the_entries_about_it_by_its_id(dbsession, catalogue, boss):
    from engine.admin.staff import account_detail
    person = f.individual_account(dbsession)
    audit.audit(dbsession, boss, "account_enable", person.id_number, {"role": "individual"})   # an older entry
    dbsession.commit()
    authenticate(dbsession, "individual", person.id_number, "wrong-pass1")
    set_active(dbsession, boss, person, False)
    dbsession.commit()
    detail = account_detail(dbsession, catalogue, person.id)
    assert [x.action for x in detail.recent] == ["account_disable", "login_failed", "account_enable"]
