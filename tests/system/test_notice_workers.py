"""`jianxi worker` as real processes against the suite's database and a real SMTP server on 127.0.0.1: a worker
SIGKILLed in the middle of a batch loses no message and sends none twice once another starts (both databases);
two workers on PostgreSQL never send one notice twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import Delivery
from engine.notices.outbox import record
from engine.notices.smtp import message_id
from tests import factories as f


@pytest.fixture
def worker_ini(tmp_path, database, smtp_server):
    def make(lease=2, batch=20):
        ini = tmp_path / f"worker-{lease}-{batch}.ini"
        lines = {"sqlalchemy.url": database, "jianxi.public_url": "http://jianxi.test", **smtp_server.settings(),
                 "jianxi.notices.lease_seconds": str(lease), "jianxi.notices.batch_size": str(batch),
                 "jianxi.notices.poll_seconds": "0.2", "jianxi.notices.retry_base_seconds": "0"}
        ini.write_text("[app:main]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items()), "utf-8")
        return ini
    return make


class WorkerProcess:
    def __init__(self, ini: Path):
        self.log = ini.parent / f"worker-{time.monotonic_ns()}.log"
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "worker", "--ini", str(ini)],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=dict(os.environ))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")[-3000:]


@pytest.fixture
def workers():
    started: list[WorkerProcess] = []

    def start(ini) -> WorkerProcess:
        w = WorkerProcess(ini)
        started.append(w)
        return w
    yield start
    for w in started:
        w.stop()


def outbox_of(session, n: int) -> list[str]:
    """n email notices waiting for one account; the Message-IDs their deliveries must arrive under."""
    person = f.unit_account(session, name="系统测试有限公司")
    person.email = "agent@system.example"
    for i in range(n):
        record(session, "case_result", "approve", [person], ["email"],
               {"item_title": "就业见习岗位申请", "reference": f"JX-140100-202612-{i + 1:06d}", "result": "审核通过",
                "owner_name": "系统测试有限公司", "action": "审核通过", "actor": "审核人员"})
    session.commit()
    return [message_id(i, "jianxi.test") for i in session.scalars(select(Delivery.id).order_by(Delivery.id))]


def wait_until(check, timeout, what, processes=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        for p in processes:
            assert p.proc.poll() is None, f"worker exited early: {p.output()}"
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen in {timeout} s")


def sent(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == "sent"))


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(worker_ini, workers, smtp_server, dbsession,
                                                                       session_factory):
    expected = outbox_of(dbsession, 60)
    smtp_server.pause_at = 25        # the 25th message: the server holds its reply, and the worker dies waiting
    first = workers(worker_ini(lease=2, batch=20))
    wait_until(smtp_server.paused.is_set, 60, "the 25th message", [first])
    first.kill()
    smtp_server.resume.set()
    with session_factory() as s:
        left = dict(s.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())
    assert left["sent"] == 24 and left["sending"] >= 1   # the rest of its claimed batch waits for the lease
    assert len(smtp_server.messages) == 24 and len(smtp_server.dropped) == 1

    second = workers(worker_ini(lease=2, batch=20))
    wait_until(lambda: sent(session_factory) == 60, 120, "every delivery sent", [second])
    assert second.stop() == 0   # SIGTERM: a clean stop
    received = smtp_server.message_ids()
    assert sorted(received) == sorted(expected)      # each exactly once: none lost, none twice
    assert smtp_server.dropped[0]["Message-ID"] in received   # the one the dead worker never saw accepted
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.claim_token.is_not(None))) == 0


def test_two_workers_never_deliver_one_notice_twice(is_postgres, worker_ini, workers, smtp_server, dbsession,
                                                    session_factory):
    if not is_postgres:
        pytest.skip("several workers need PostgreSQL (SKIP LOCKED); SQLite runs one worker")
    expected = outbox_of(dbsession, 500)
    ini = worker_ini(lease=60, batch=20)
    pair = [workers(ini), workers(ini)]
    wait_until(lambda: sent(session_factory) == 500, 240, "500 deliveries sent", pair)
    for w in pair:
        assert w.stop() == 0
    received = smtp_server.message_ids()
    assert len(received) == 500 and sorted(received) == sorted(expected)
    with session_factory() as s:
        assert set(s.scalars(select(Delivery.attempts).distinct())) == {1}
