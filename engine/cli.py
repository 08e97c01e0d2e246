"""The `jianxi` console command.

  jianxi check [--forms DIR] [--workflows DIR]      validate every definition, print each problem, exit 1 on any
  jianxi create-admin --ini FILE --login NAME       create an administrator (the first one, typically)
  jianxi create-reviewer --ini FILE --login NAME --name 姓名 --jurisdiction CODE
  jianxi worker --ini FILE [--once]                  send notices and run periodic jobs until stopped
  jianxi deadlines-scan --ini FILE                  start missing clocks, record 预警/超期 crossings once each
  jianxi report-reminders --ini FILE                remind units of monthly reports due soon or late, once each
  jianxi publicity-end --ini FILE                   move each claim whose 公示 has ended (nothing pending) to 待拨付

Passwords are never taken from a flag (it would stay in the shell history and the process list): they
are read from JIANXI_PASSWORD or asked for twice at a prompt.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from configparser import ConfigParser
from contextlib import contextmanager
from pathlib import Path

from engine.loader import check_definitions, default_dirs


def check(argv: list[str] | None = None) -> int:
    forms_dir, workflows_dir = default_dirs()
    parser = argparse.ArgumentParser(prog="jianxi check", description="检查事项与流程定义")
    parser.add_argument("--forms", type=Path, default=forms_dir)
    parser.add_argument("--workflows", type=Path, default=workflows_dir)
    args = parser.parse_args(argv)
    problems, items, workflows = check_definitions(args.forms, args.workflows)
    for p in problems:
        print(p)
    if problems:
        print(f"定义检查失败：{len(problems)}处错误", file=sys.stderr)
        return 1
    print(f"定义检查通过：{len(items)}个事项，{len(workflows)}个流程")
    return 0


def _ini_settings(ini: Path) -> dict:
    if not ini.exists():
        raise SystemExit(f"找不到配置文件：{ini}")
    parser = ConfigParser(defaults={"here": str(ini.resolve().parent)})
    parser.read(ini, encoding="utf-8")
    return dict(parser.items("app:main")) if parser.has_section("app:main") else {}


def _definition_dirs(settings: dict) -> tuple[Path, Path]:
    """The forms and workflows folders: the environment, then the ini, then the shipped ones."""
    forms, workflows = default_dirs()
    return (Path(os.environ.get("JIANXI_FORMS_DIR") or settings.get("jianxi.forms_dir") or forms),
            Path(os.environ.get("JIANXI_WORKFLOWS_DIR") or settings.get("jianxi.workflows_dir") or workflows))


def _password() -> tuple[str, str]:
    given = os.environ.get("JIANXI_PASSWORD")
    if given:
        return given, given
    first = getpass.getpass("请输入密码：")
    return first, getpass.getpass("请再次输入密码：")


FIELD_NAMES = {"/login_name": "--login", "/name": "--name", "/jurisdiction": "--jurisdiction",
               "/password": "密码", "/password_confirm": "密码"}


def _create(argv: list[str], role: str) -> int:
    from engine.admin import staff
    from engine.db import database_url, make_engine, make_session_factory
    from engine.roles import ROLE_LABELS

    prog = f"jianxi create-{role}"
    what = ROLE_LABELS[role]
    parser = argparse.ArgumentParser(prog=prog, description=f"创建{what}")
    parser.add_argument("--ini", type=Path, default=Path("development.ini"), help="配置文件（DATABASE_URL 优先）")
    parser.add_argument("--login", required=True, help="登录用户名")
    parser.add_argument("--name", default=what if role == "admin" else None, required=role != "admin",
                        help="姓名")
    if role == "reviewer":
        parser.add_argument("--jurisdiction", required=True,
                            help="管辖范围：GB/T 2260 代码，140000 为全省，如 140100（太原市）、140105（小店区）")
    args = parser.parse_args(argv)
    engine = make_engine(database_url(_ini_settings(args.ini)))
    session = make_session_factory(engine)()
    try:
        password, confirm = _password()
        if role == "admin":
            account = staff.create_admin(session, args.login, args.name, password, confirm)
        else:
            account = staff.create_reviewer(session, None, args.login, args.name, args.jurisdiction, password,
                                            confirm)
        session.commit()
    except staff.AdminError as e:
        session.rollback()
        for err in e.errors:
            print(f"{FIELD_NAMES.get(err.pointer, err.pointer or prog)}：{err.message}", file=sys.stderr)
        return 1
    finally:
        session.close()
        engine.dispose()
    print(f"已创建{what}账号“{account.login_name}”（{account.name}），请在 /staff/login 登录")
    return 0


@contextmanager
def _job_session(settings: dict):
    """(session, catalogue) for a by-hand run of a worker job: the writer engine, disposed afterwards."""
    from engine.db import database_url, make_engine, make_session_factory, writer_engine
    from engine.loader import load_catalogue

    catalogue = load_catalogue(*_definition_dirs(settings))
    engine = make_engine(database_url(settings))
    session = make_session_factory(writer_engine(engine))()
    try:
        yield session, catalogue
    finally:
        session.close()
        engine.dispose()


def deadlines_scan(argv: list[str]) -> int:
    """What the worker runs on a timer, by hand: cases waiting without a clock get one (cases from before
    time limits), then every running clock that entered 即将超期 or 超期 is recorded once and listed."""
    from engine import clock, deadlines
    from engine.regions import load_regions
    from engine.review import alerts

    parser = argparse.ArgumentParser(prog="jianxi deadlines-scan", description="扫描办理时限：记录即将超期与已超期的申请")
    parser.add_argument("--ini", type=Path, default=Path("development.ini"), help="配置文件（DATABASE_URL 优先）")
    args = parser.parse_args(argv)
    settings = _ini_settings(args.ini)
    try:
        warning = deadlines.warning_days(settings.get("jianxi.deadline_warning_days"))
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 1
    with _job_session(settings) as (session, catalogue):
        started = deadlines.start_missing(session, catalogue)
        crossings = deadlines.scan(session, clock.now(), warning)
        alerts.notify(session, catalogue, crossings)   # as the worker's job does: recorded and told at once
        session.commit()
    if started:
        print(f"已为{started}件等待中的申请开始计时（时限设立前提交的申请）")
    regions = load_regions()
    for c in crossings:
        where = regions.label(c.county_code) or regions.label(c.city_code) or "无归属地"
        print(f"{c.label}\t{c.reference or c.case_id}\t期限 {c.deadline_on:%Y-%m-%d}\t{where}")
    kinds = [c.kind for c in crossings]
    print(f"扫描完成：新记录即将超期{kinds.count(deadlines.WARNING)}件、已超期{kinds.count(deadlines.OVERDUE)}件")
    return 0


def report_reminders(argv: list[str]) -> int:
    """What the worker's report_reminders job runs each hour from 08:00, by hand and at any hour: every
    reminder due today that was not yet sent is recorded and sent, once (engine/batch/reminders.py)."""
    from engine import clock
    from engine.batch import dues, reminders

    parser = argparse.ArgumentParser(prog="jianxi report-reminders",
                                     description="提醒单位按月报送的报表即将到期或已逾期（每个单位每月每种提醒一次）")
    parser.add_argument("--ini", type=Path, default=Path("development.ini"), help="配置文件（DATABASE_URL 优先）")
    args = parser.parse_args(argv)
    settings = _ini_settings(args.ini)
    with _job_session(settings) as (session, catalogue):
        sent = reminders.remind(session, catalogue, clock.now())
        session.commit()
    for r in sent:
        item = catalogue.item(r.item_key)
        print(f"{r.label}\t{r.unit_name}\t{item.title}\t{dues.month_label(r.month)}"
              f"\t期限 {r.due_on:%Y-%m-%d}\t在册{r.trainees}人")
    kinds = [r.kind for r in sent]
    print(f"提醒完成：新发送即将到期{kinds.count(dues.SOON)}条、已逾期{kinds.count(dues.OVERDUE)}条")
    return 0


def publicity_end(argv: list[str]) -> int:
    """What the worker's publicity_end job runs each hour, by hand: every claim whose 公示 ended before today
    (Beijing) with no objection pending moves on (engine/subsidy/publicity.py)."""
    from engine import clock
    from engine.subsidy import publicity

    parser = argparse.ArgumentParser(prog="jianxi publicity-end", description="公示期满且无待处理异议的补贴申领转入下一状态（待拨付）")
    parser.add_argument("--ini", type=Path, default=Path("development.ini"), help="配置文件（DATABASE_URL 优先）")
    args = parser.parse_args(argv)
    settings = _ini_settings(args.ini)
    with _job_session(settings) as (session, catalogue):
        moved = publicity.end_due(session, catalogue, clock.today())
        lines = [f"{c.reference}\t{catalogue.workflows[c.workflow_key].label(c.state)}" for c in moved]
        session.commit()
    for line in lines:
        print(line)
    print(f"公示期满处理完成：{len(lines)}件")
    return 0


def rule_tables() -> int:
    """The rule, condition and effect tables of docs/definitions.md, from the registries."""
    from engine.rules.docs import hooks_table, rules_table
    print("\n".join(rules_table()) + "\n\n" + "\n".join(hooks_table()))
    return 0


def worker(argv: list[str]) -> int:
    """Send the outbox (email, SMS) and run the periodic jobs; any number of these may run (docs/operations.md)."""
    import logging
    import logging.config
    import signal
    from configparser import ConfigParser

    from engine.db import database_url, make_engine, make_session_factory, writer_engine
    from engine.loader import load_catalogue
    from engine.notices.config import from_settings
    from engine.notices.worker import Worker

    parser = argparse.ArgumentParser(prog="jianxi worker", description="发送通知（邮件、短信）并运行定时任务")
    parser.add_argument("--ini", type=Path, default=Path("development.ini"), help="配置文件（DATABASE_URL 优先）")
    parser.add_argument("--once", action="store_true", help="发送完当前到期的通知后退出")
    args = parser.parse_args(argv)
    raw = _ini_settings(args.ini)
    try:
        settings = from_settings(raw)
    except ValueError as e:
        print(f"通知设置有误：{e}", file=sys.stderr)
        return 2
    ini = ConfigParser(defaults={"here": str(args.ini.resolve().parent)}, interpolation=None)
    ini.read(args.ini, encoding="utf-8")
    if ini.has_section("loggers"):
        logging.config.fileConfig(args.ini, defaults={"here": str(args.ini.resolve().parent)},
                                  disable_existing_loggers=False)
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s")
    engine = make_engine(database_url(raw))
    # Every write of a worker is a claim or an outcome: on SQLite each transaction takes the lock up front.
    sessions = make_session_factory(writer_engine(engine))
    forms, workflows = _definition_dirs(raw)
    w = Worker(sessions, settings, raw, load_catalogue=lambda: load_catalogue(forms, workflows))
    previous = {sig: signal.signal(sig, w.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logging.getLogger("engine.notices").info("worker started (pid %s)", os.getpid())
    try:
        sent = w.run(once=args.once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        engine.dispose()
    logging.getLogger("engine.notices").info("worker stopped after %s deliveries", sent)
    return 0


USAGE = ("用法：jianxi check [--forms DIR] [--workflows DIR]\n"
         "      jianxi rule-tables\n"
         "      jianxi create-admin --ini FILE --login NAME [--name 姓名]\n"
         "      jianxi create-reviewer --ini FILE --login NAME --name 姓名 --jurisdiction CODE\n"
         "      jianxi worker --ini FILE [--once]\n"
         "      jianxi deadlines-scan --ini FILE\n"
         "      jianxi report-reminders --ini FILE\n"
         "      jianxi publicity-end --ini FILE\n"
         "密码从环境变量 JIANXI_PASSWORD 读取，未设置时提示输入两次。")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "check":
        return check(argv[1:])
    if argv[0] == "rule-tables":
        return rule_tables()
    if argv[0] == "create-admin":
        return _create(argv[1:], "admin")
    if argv[0] == "create-reviewer":
        return _create(argv[1:], "reviewer")
    if argv[0] == "worker":
        return worker(argv[1:])
    if argv[0] == "deadlines-scan":
        return deadlines_scan(argv[1:])
    if argv[0] == "report-reminders":
        return report_reminders(argv[1:])
    if argv[0] == "publicity-end":
        return publicity_end(argv[1:])
    print(f"未知命令：{argv[0]}", file=sys.stderr)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
