"""Notice delivery: 10,000 email notices sent by `jianxi worker` processes to a real SMTP server on 127.0.0.1
(aiosmtpd, in a process of its own that keeps every Message-ID it accepted), by one worker and by two, on
PostgreSQL (and one worker on SQLite).

The workers are started first and idle on an empty outbox; then the 10,000 notices (one delivery each) are
committed in one transaction, and the clock runs until the last delivery is 'sent'. Reported: notices per
second, the two/one ratio, and the baseline measured in the same run: the same number of messages sent by
bare smtplib over one connection, with no database at all (the ceiling of the server and this machine).

PostgreSQL: DATABASE_URL (or BENCH_PG_URL) names the server; a throw-away database is created and dropped.
Without a reachable server the PostgreSQL part is reported as skipped.

Each worker (and the SMTP server) runs in a session of its own, as separate services or hosts would: Linux
shares the CPU between sessions (autogroup), so workers started in this one would split one share between
them and a second worker could not show what it adds.
"""
from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench.pg import NoServer, throwaway_database

ROOT = Path(__file__).resolve().parent.parent

# The SMTP server, in its own process: in this one it would share the interpreter lock with the poller and
# become the bottleneck the benchmark measures. It writes the Message-IDs it accepted when stopped.
SINK = """
import json, signal, sys, threading
from tests.mailboxes import SmtpServer
server = SmtpServer().start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
print(server.port, flush=True)
stop.wait()
server.stop()
with open(sys.argv[1], "w") as fh:
    json.dump(server.message_ids(), fh)
"""


class Sink:
    def __init__(self, folder: Path):
        self.out = folder / f"sink-{uuid.uuid4().hex[:6]}.json"
        self.proc = subprocess.Popen([sys.executable, "-c", SINK, str(self.out)], stdout=subprocess.PIPE,
                                     cwd=str(ROOT), start_new_session=True)
        self.port = int(self.proc.stdout.readline())

    def settings(self) -> dict:
        return {"jianxi.smtp.host": "127.0.0.1", "jianxi.smtp.port": str(self.port), "jianxi.smtp.security": "none",
                "jianxi.smtp.from": "山西人社就业见习 <noreply@jianxi.example.gov.cn>"}

    def stop(self) -> list[str]:
        """Stop the server; the Message-IDs it accepted."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        return json.loads(self.out.read_text())


def _migrate(url):
    from alembic import command
    from alembic.config import Config
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "heads")


def _outbox(engine, n: int) -> None:
    """n notices of one unit's agent, each with one pending email delivery, committed at once."""
    from engine.accounts.passwords import hash_password
    from engine.models import Account, Delivery, Notice, Unit, utcnow
    from engine.notices.texts import template
    t = template("case_result")
    with engine.begin() as conn:
        unit_id = conn.execute(insert(Unit).values(name="基准测试有限公司", credit_code=f"BENCH{uuid.uuid4().hex[:13]}",
                                                   created_at=utcnow()).returning(Unit.id)).scalar_one()
        account_id = conn.execute(insert(Account).values(
            login_name=f"bench-{uuid.uuid4().hex[:8]}", role="unit", name="李红", email="agent@bench.example",
            password_hash=hash_password("Bench2026x"), active=True, unit_id=unit_id, created_at=utcnow())
            .returning(Account.id)).scalar_one()
        now = utcnow()
        notices = []
        for i in range(n):
            params = {"item_title": "就业见习岗位申请", "reference": f"JX-140100-202612-{i + 1:06d}", "result": "审核通过",
                      "owner_name": "基准测试有限公司", "action": "审核通过", "actor": "审核人员", "name": "李红",
                      "link": f"/cases/{i + 1}"}
            shown = {**params, "link": ""}
            notices.append({"recipient_id": account_id, "kind": "case_result", "event": "approve",
                            "title": t.render("title", shown), "body": t.render("body", shown),
                            "link": params["link"], "params": params, "inapp": True, "created_at": now})
        ids = conn.execute(insert(Notice).returning(Notice.id, sort_by_parameter_order=True), notices).scalars().all()
        conn.execute(insert(Delivery), [{"notice_id": i, "channel": "email", "address": "agent@bench.example",
                                         "state": "pending", "attempts": 0, "next_attempt_at": now,
                                         "created_at": now} for i in ids])


def _ini(folder: Path, url: str, smtp) -> Path:
    ini = folder / f"worker-{uuid.uuid4().hex[:6]}.ini"
    lines = {"sqlalchemy.url": url, "jianxi.public_url": "https://jianxi.example.gov.cn", **smtp.settings(),
             "jianxi.notices.batch_size": "50", "jianxi.notices.poll_seconds": "0.2"}
    ini.write_text("[app:main]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items()), "utf-8")
    return ini


def _sent(engine) -> int:
    from engine.models import Delivery
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Delivery).where(Delivery.state == "sent")).scalar_one()


def _run_workers(url: str, workers: int, n: int, folder: Path) -> dict:
    """Fresh outbox, `workers` idle worker processes, then n notices committed: seconds until all are sent."""
    from engine.db import make_engine
    smtp = Sink(folder)
    engine = make_engine(url)
    env = {**os.environ, "DATABASE_URL": url}
    logs = [open(folder / f"worker-{uuid.uuid4().hex[:6]}.log", "w+b") for _ in range(workers)]
    procs = [subprocess.Popen([sys.executable, "-m", "engine.cli", "worker", "--ini", str(_ini(folder, url, smtp))],
                              stdout=log, stderr=log, env=env, start_new_session=True) for log in logs]
    try:
        time.sleep(3)   # the workers have started and are polling an empty outbox
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM deliveries"))
            conn.execute(text("DELETE FROM notices"))
        before = _sent(engine)
        _outbox(engine, n)
        started = time.perf_counter()
        deadline = started + 1800
        while _sent(engine) - before < n:
            if time.perf_counter() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("the workers did not send everything")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)
        engine.dispose()
        ids = smtp.stop()
    by_worker = []
    for log in logs:   # each worker logs how many deliveries it handled when it stops
        log.seek(0)
        found = re.findall(rb"worker stopped after (\d+) deliveries", log.read())
        by_worker.append(int(found[-1]) if found else None)
        log.close()
    return {"workers": workers, "notices": n, "seconds": round(seconds, 2), "notices_per_s": round(n / seconds, 1),
            "messages_received": len(ids), "duplicates": len(ids) - len(set(ids)), "by_worker": by_worker}


def _baseline(n: int, folder: Path) -> dict:
    """n messages like the workers' over one smtplib connection, no database: the ceiling of server and host."""
    from engine.notices.config import from_settings
    from engine.notices.smtp import build_message
    smtp = Sink(folder)
    settings = from_settings({"jianxi.public_url": "https://jianxi.example.gov.cn", **smtp.settings()}, environ={})
    params = {"item_title": "就业见习岗位申请", "reference": "JX-140100-202612-000001", "result": "审核通过",
              "owner_name": "基准测试有限公司", "action": "审核通过", "actor": "审核人员", "name": "李红"}
    try:
        conn = smtplib.SMTP("127.0.0.1", smtp.port)
        started = time.perf_counter()
        for i in range(n):
            msg = build_message(settings, i + 1, "case_result", params, f"/cases/{i}", "agent@bench.example")
            conn.sendmail("noreply@jianxi.example.gov.cn", ["agent@bench.example"], msg.as_string())
        seconds = time.perf_counter() - started
        conn.quit()
    finally:
        received = smtp.stop()
    return {"notices": n, "seconds": round(seconds, 2), "notices_per_s": round(n / seconds, 1),
            "messages_received": len(received)}


def run(args) -> dict:
    n = 500 if getattr(args, "quick", False) else 10_000
    result = {"target": "10,000 notices: two workers faster than one, none sent twice", "notices": n}
    with tempfile.TemporaryDirectory(prefix="jx-bench-notices-") as tmp:
        folder = Path(tmp)
        print(f"baseline: {n} messages over bare smtplib…", flush=True)
        result["baseline_smtplib_no_database"] = _baseline(n, folder)
        url = f"sqlite:///{folder / 'notices.sqlite'}"
        _migrate(url)
        print(f"sqlite: one worker, {n} notices…", flush=True)
        result["sqlite_one_worker"] = _run_workers(url, 1, n, folder)
        try:
            with throwaway_database() as pg:
                _migrate(pg)
                print(f"postgresql: one worker, {n} notices…", flush=True)
                one = _run_workers(pg, 1, n, folder)
                print(f"postgresql: two workers, {n} notices…", flush=True)
                two = _run_workers(pg, 2, n, folder)
                result["postgresql"] = {"one_worker": one, "two_workers": two,
                                        "ratio_two_to_one": round(two["notices_per_s"] / one["notices_per_s"], 2)}
        except NoServer as e:
            result["postgresql"] = {"skipped": str(e)}
    return result
