"""engine.admin and the console commands: staff accounts, the workflow drawn, the merged audit log, export."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine import admin, clock
from engine.accounts import authenticate
from engine.cases import transition
from engine.cli import main as cli
from engine.definitions import WorkflowDefinition
from engine.models import Account, AuditEntry
from engine.spreadsheet import neutralise
from tests import factories as f


@pytest.fixture
def boss(dbsession):
    return f.admin(dbsession)


def test_create_reviewer_checks_every_field_at_once(dbsession, boss):
    f.reviewer(dbsession, "taken")
    with pytest.raises(admin.AdminError) as e:
        admin.create_reviewer(dbsession, boss, "taken", "", "999999", "abc", "abd")
    assert {x.field: x.message for x in e.value.errors} == {
        "login_name": "该用户名已被使用", "name": "请填写姓名",
        "jurisdiction": "管辖范围须为山西省、一个地市或一个县（市、区）", "password": "密码至少8位",
        "password_confirm": "两次输入的密码不一致"}
    account = admin.create_reviewer(dbsession, boss, " Pingcheng ", "平城区审核员", "140213", "Pingcheng2026",
                                    "Pingcheng2026", remote_addr="10.0.0.8")
    assert (account.login_name, account.role, account.jurisdiction) == ("pingcheng", "reviewer", "140213")
    entry = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "account_create")).one()
    assert (entry.actor_id, entry.target, entry.remote_addr) == (boss.id, "pingcheng", "10.0.0.8")
    assert entry.detail == {"role": "reviewer", "jurisdiction": "140213", "via": "web"}


def test_disable_reset_and_change_jurisdiction_are_audited(dbsession, boss):
    r = f.reviewer(dbsession, "taiyuan")
    with pytest.raises(admin.AdminError):
        admin.set_active(dbsession, boss, boss, False)
    admin.set_active(dbsession, boss, r, False)
    admin.set_active(dbsession, boss, r, False)  # no change, no second entry
    assert authenticate(dbsession, "staff", "taiyuan", f.PASSWORD).message == "该账号已停用，请联系管理员"
    admin.set_active(dbsession, boss, r, True)
    with pytest.raises(admin.AdminError) as e:
        admin.reset_password(dbsession, boss, r, "onlyletters", "onlyletters")
    assert e.value.errors[0].message == "密码须同时包含字母和数字"
    admin.reset_password(dbsession, boss, r, "NewPass2027", "NewPass2027")
    assert authenticate(dbsession, "staff", "taiyuan", "NewPass2027").account is not None
    admin.change_jurisdiction(dbsession, boss, r, "140000")
    with pytest.raises(admin.AdminError):
        admin.change_jurisdiction(dbsession, boss, boss, "140100")
    actions = dbsession.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == boss.id)
                                .order_by(AuditEntry.id)).all()
    assert actions == ["account_disable", "account_enable", "password_reset", "jurisdiction_change"]
    last = dbsession.scalars(select(AuditEntry).where(AuditEntry.action == "jurisdiction_change")).one()
    assert last.detail == {"from": "140100", "to": "140000"}


def test_workflow_svg_draws_every_state_and_transition_and_escapes_text(catalogue):
    svg = admin.workflow_svg(catalogue.workflows["review"])
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.findall(r'data-state="(\w+)"', svg) == ["draft", "submitted", "approved", "rejected", "returned"]
    assert sorted(re.findall(r'data-from="(\w+)" data-to="(\w+)"', svg)) == [
        ("draft", "submitted"), ("returned", "submitted"), ("submitted", "approved"),
        ("submitted", "rejected"), ("submitted", "returned")]
    assert "style=" not in svg  # the page's CSP allows no inline styles
    hostile = WorkflowDefinition({
        "key": "x", "title": "<b>测试</b>", "initial": "a",
        "states": [{"name": "a", "label": "开始<script>"}, {"name": "b", "label": "结束&"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "b", "roles": ["reviewer"],
                         "reviewer_levels": ["county"], "label": "去\"吧", "comment": "required"}]})
    svg = admin.workflow_svg(hostile)
    assert "<script>" not in svg and "开始&lt;script&gt;" in svg and "结束&amp;" in svg
    assert "去&quot;吧：审核人员（县级），须填意见" in svg


def test_catalogue_overview_counts_cases_per_state(dbsession, catalogue, storage):
    r = f.reviewer(dbsession)
    unit = f.unit_account(dbsession)
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    transition(dbsession, catalogue, case, "return_for_correction", r, comment="请补充")
    dbsession.commit()
    infos = {i.item.key: i for i in admin.catalogue_overview(dbsession, catalogue)}
    assert list(infos) == list(catalogue.items)
    assert infos["unit_application"].total == 1
    assert dict((s, n) for s, _, n in infos["unit_application"].counts)["returned"] == 1
    info = admin.item_info(dbsession, catalogue, "unit_application")
    assert info.versions == [(1, 1)] and info.workflow.key == "review"
    assert admin.item_info(dbsession, catalogue, "nope") is None


def test_audit_log_merges_logins_admin_actions_and_transitions(dbsession, catalogue, storage, boss):
    r = f.reviewer(dbsession, "taiyuan")
    unit = f.unit_account(dbsession)
    authenticate(dbsession, "staff", "taiyuan", "wrong-pass1")
    authenticate(dbsession, "staff", "taiyuan", f.PASSWORD, remote_addr="10.1.1.1")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    admin.set_active(dbsession, boss, f.individual_account(dbsession), False)
    transition(dbsession, catalogue, case, "reject", r, comment="=1+1 不符合条件")
    dbsession.commit()
    rows, total, pages = admin.audit_log(dbsession, catalogue, admin.AuditFilter())
    assert total == 5 and pages == 1
    assert [x.action for x in rows][:3] == ["reject", "account_disable", "submit"]  # newest first
    reject = rows[0]
    assert (reject.action_label, reject.actor_name, reject.target) == ("流程操作：审核不通过", "太原市审核员",
                                                                      case.reference)
    assert reject.detail == "未审核 → 审核不通过；意见：=1+1 不符合条件"
    pick = lambda **kw: [x.action for x in admin.audit_log(dbsession, catalogue, admin.AuditFilter(**kw))[0]]  # noqa
    assert pick(kind="login") == ["login", "login_failed"]
    assert pick(kind="admin") == ["account_disable"]
    assert pick(kind="transition") == ["reject", "submit"]
    assert pick(actor="taiyuan") == ["reject", "login"]
    assert pick(q=case.reference) == ["reject", "submit"]
    today = clock.today()  # the log's day is Beijing's
    assert len(pick(date_from=today, date_to=today)) == 5
    assert pick(date_to=today - timedelta(days=1)) == []
    f_, errors = admin.AuditFilter.from_params({"date_from": "2026-02-30", "kind": "evil", "page": "x"})
    assert errors == {"date_from": "日期格式应为2026-03-01"} and f_.kind == "" and f_.page == 1


def test_export_neutralises_anything_a_spreadsheet_would_run(dbsession, catalogue, boss):
    for name in ("=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3", "@NOW()", "normal"):
        authenticate(dbsession, "staff", name, "x")
    dbsession.commit()
    body, n, truncated = admin.audit_xlsx(dbsession, catalogue, admin.AuditFilter(kind="login"))
    assert (n, truncated) == (5, False)
    ws = load_workbook(io.BytesIO(body)).active
    targets = sorted(row[4].value for row in ws.iter_rows(min_row=2))
    assert targets == sorted(["'=cmd|' /C calc'!A0", "'+SUM(A1)", "'-2+3", "'@NOW()", "normal"])
    assert {c.data_type for row in ws.iter_rows(min_row=2) for c in row if c.value is not None} == {"s"}
    assert neutralise("\tTAB") == "'\tTAB" and neutralise("\rX") == "'\rX"
    assert neutralise(12) == 12 and neutralise("") == "" and neutralise("a=b") == "a=b"


def _ini(tmp_path, database):
    ini = tmp_path / "site.ini"
    ini.write_text(f"[app:main]\nsqlalchemy.url = {database}\n", "utf-8")
    return ini


def test_console_creates_the_first_administrator_and_reviewers(tmp_path, session_factory, database, monkeypatch,
                                                                capsys):
    ini = _ini(tmp_path, database)
    monkeypatch.setenv("JIANXI_PASSWORD", "Console2026")
    assert cli(["create-admin", "--ini", str(ini), "--login", "root"]) == 0
    assert "已创建系统管理员账号“root”" in capsys.readouterr().out
    assert cli(["create-reviewer", "--ini", str(ini), "--login", "taiyuan", "--name", "太原市审核员",
                "--jurisdiction", "140100"]) == 0
    assert cli(["create-reviewer", "--ini", str(ini), "--login", "taiyuan", "--name", "重复",
                "--jurisdiction", "149999"]) == 1
    err = capsys.readouterr().err
    assert "--login：该用户名已被使用" in err and "--jurisdiction：管辖范围须为山西省" in err
    # A password is never a flag: it would stay in the shell history and the process list.
    with pytest.raises(SystemExit) as e:
        cli(["create-admin", "--ini", str(ini), "--login", "other", "--password", "Console2026"])
    assert e.value.code == 2
    s = session_factory()
    try:
        accounts = {a.login_name: a for a in s.scalars(select(Account))}
        assert accounts["root"].role == "admin" and accounts["taiyuan"].jurisdiction == "140100"
        assert authenticate(s, "staff", "root", "Console2026").account is not None
        created = s.scalars(select(AuditEntry).where(AuditEntry.action == "account_create")).all()
        assert [(x.target, x.actor_id, x.detail["via"]) for x in created] == [("root", None, "console"),
                                                                               ("taiyuan", None, "console")]
    finally:
        s.close()


def test_console_asks_twice_when_no_password_is_in_the_environment(tmp_path, session_factory, database,
                                                                    monkeypatch, capsys):
    ini = _ini(tmp_path, database)
    monkeypatch.delenv("JIANXI_PASSWORD", raising=False)
    answers = iter(["Typed2026x", "Typed2026y"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli(["create-admin", "--ini", str(ini), "--login", "root"]) == 1
    assert "密码：两次输入的密码不一致" in capsys.readouterr().err
    answers = iter(["Typed2026x", "Typed2026x"])
    assert cli(["create-admin", "--ini", str(ini), "--login", "root"]) == 0
    with pytest.raises(SystemExit) as e:
        cli(["create-admin", "--ini", str(tmp_path / "missing.ini"), "--login", "x"])
    assert "找不到配置文件" in str(e.value.code)


def test_console_usage(capsys):
    assert cli([]) == 2
    assert cli(["--help"]) == 0
    assert "jianxi create-reviewer" in capsys.readouterr().out
    assert cli(["frobnicate"]) == 2
