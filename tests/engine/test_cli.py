"""The console commands: create-admin and create-reviewer, the password never a flag, usage."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.login import authenticate
from engine.cli import main as cli
from engine.models import Account, AuditEntry


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


def test_the_worker_command_sends_what_is_due(tmp_path, session_factory, database, dbsession, catalogue, storage,
                                             smtp_server, capsys):
    from engine.cases.lifecycle import transition
    from tests import factories as f
    unit = f.unit_account(dbsession)
    unit.email = "unit@cli.example"
    reviewer = f.reviewer(dbsession, login="taiyuan", jurisdiction="140100")
    case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
    transition(dbsession, catalogue, case, "approve", reviewer)
    dbsession.commit()
    ini = tmp_path / "worker.ini"
    ini.write_text("[app:main]\n" + "".join(f"{k} = {v}\n" for k, v in {
        "sqlalchemy.url": database, "jianxi.public_url": "https://jianxi.example.gov.cn",
        **smtp_server.settings()}.items()), "utf-8")
    assert cli(["worker", "--ini", str(ini), "--once"]) == 0
    (mail,) = smtp_server.to("unit@cli.example")
    assert mail["Subject"] == f"就业见习单位申请审核通过：{case.reference}"
    bad = tmp_path / "bad.ini"
    bad.write_text(f"[app:main]\nsqlalchemy.url = {database}\njianxi.smtp.security = tls\n", "utf-8")
    assert cli(["worker", "--ini", str(bad), "--once"]) == 2
    assert "通知设置有误" in capsys.readouterr().err


def test_console_scans_deadlines_once_and_starts_the_clocks_of_cases_already_waiting(
        tmp_path, session_factory, database, catalogue, storage, clock_at, capsys):
    from datetime import datetime

    from engine import clock
    from engine.models import Case
    from tests import factories as f
    s = session_factory()
    clock_at(datetime(2026, 3, 2, 10, tzinfo=clock.BEIJING))
    waiting = f.submitted_unit_application(s, catalogue, storage, f.unit_account(s, name="晋阳科技有限公司"))
    old = f.submitted_unit_application(s, catalogue, storage, f.unit_account(s, name="升级前有限公司"))
    old.deadline_on, old.clock = None, None   # as migration 0007 leaves a case already waiting
    s.commit()
    reference = waiting.reference
    ini = tmp_path / "site.ini"
    ini.write_text(f"[app:main]\nsqlalchemy.url = {database}\njianxi.deadline_warning_days = 3\n", "utf-8")
    clock_at(datetime(2026, 3, 11, 10, tzinfo=clock.BEIJING))   # 3 working days before the 16th
    assert cli(["deadlines-scan", "--ini", str(ini)]) == 0
    out = capsys.readouterr().out
    assert "已为1件等待中的申请开始计时" in out
    assert f"即将超期\t{reference}\t期限 2026-03-16\t太原市 小店区" in out
    assert "扫描完成：新记录即将超期2件、已超期0件" in out
    assert cli(["deadlines-scan", "--ini", str(ini)]) == 0
    assert capsys.readouterr().out.strip() == "扫描完成：新记录即将超期0件、已超期0件"
    s.expire_all()
    assert s.get(Case, old.id).clock == "running"
    s.close()
    ini.write_text(f"[app:main]\nsqlalchemy.url = {database}\njianxi.deadline_warning_days = 两天\n", "utf-8")
    assert cli(["deadlines-scan", "--ini", str(ini)]) == 1
    assert "jianxi.deadline_warning_days 须为0至365之间的整数" in capsys.readouterr().err


def test_console_sends_the_report_reminders_of_today_once(tmp_path, session_factory, database, catalogue, clock_at,
                                                          capsys):
    from datetime import datetime

    from engine import clock
    from tests import factories as f
    s = session_factory()
    unit = f.unit_account(s, name="晋阳科技有限公司")
    f.stored_batch(s, catalogue, unit, "match_report", f.agreement_rows(3, "2026-03-01", "2026-08-31"))
    s.commit()
    s.close()
    ini = _ini(tmp_path, database)
    clock_at(datetime(2026, 4, 8, 6, tzinfo=clock.BEIJING))   # by hand: at any hour
    assert cli(["report-reminders", "--ini", str(ini)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sorted(out[:-1]) == ["即将到期\t晋阳科技有限公司\t见习人员每月在岗情况上报\t2026年3月\t期限 2026-04-10\t在册3人",
                                "即将到期\t晋阳科技有限公司\t见习考勤批量上报\t2026年3月\t期限 2026-04-10\t在册3人"]
    assert out[-1] == "提醒完成：新发送即将到期2条、已逾期0条"
    assert cli(["report-reminders", "--ini", str(ini)]) == 0
    assert capsys.readouterr().out.strip() == "提醒完成：新发送即将到期0条、已逾期0条"
