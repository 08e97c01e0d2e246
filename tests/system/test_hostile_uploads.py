"""Hostile workbooks uploaded by a unit to a live server (waitress in its own process), through the page and
the JSON API: each gets a 4xx with its Chinese reason, nothing is written, and the server process's peak
memory and CPU barely move (read from /proc: VmHWM, reset before each upload, and utime + stime)."""
import os
import uuid
from functools import lru_cache

import pytest
from sqlalchemy import func, select

from engine.models import BatchImport, BatchRow, Case
from tests import factories as f
from tests.data.hostile import corpus
from tests.data.hostile.sheets import bombs
from tests.system.conftest import AppProcess, Client, free_port

ITEM = "attendance_report"
MAX_GROWTH_MIB = 150
MAX_CPU_SECONDS = 5
ROUTES = {"page": f"/items/{ITEM}/import", "api": f"/api/items/{ITEM}/imports"}


@lru_cache(maxsize=1)
def hostile() -> list[tuple[str, bytes, str | None]]:
    """The workbooks that used to exhaust a process, and every workbook of the older hostile corpus."""
    older = [(name, body, None) for name, body, target in corpus() if target == "import"]
    return bombs(ITEM) + older


@pytest.fixture(scope="module")
def server(system_ini):
    process = AppProcess(system_ini[0], free_port())
    yield process
    process.stop()


@pytest.fixture
def unit_client(server, dbsession):
    unit = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    dbsession.commit()
    client = Client()
    client.login(server.url, "unit", unit.login_name, f.PASSWORD)
    return client


def _proc(pid: int) -> tuple[float, float]:
    """(VmRSS MiB, CPU seconds so far) of a process."""
    with open(f"/proc/{pid}/status") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024


def _upload(client: Client, url: str, name: str, body: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode() \
        + body + f"\r\n--{boundary}--\r\n".encode()
    status, raw, _ = client.request("POST", url, data, {"Content-Type": f"multipart/form-data; boundary={boundary}"},
                                    timeout=120)
    return status, raw.decode("utf-8", "replace")


def _files(root) -> set:
    return {os.path.join(d, name) for d, _, names in os.walk(root) for name in names}


@pytest.mark.parametrize("index", range(len(hostile())), ids=[h[0] for h in hostile()])
def test_a_hostile_workbook_is_refused_and_the_server_barely_notices(index, server, unit_client, dbsession,
                                                                     storage_dir):
    name, body, reason = hostile()[index]
    pid = server.proc.pid
    stored = _files(storage_dir)
    for route, path in ROUTES.items():
        with open(f"/proc/{pid}/clear_refs", "w") as fh:   # VmHWM back to the current RSS
            fh.write("5")
        rss, cpu = _proc(pid)
        status, text = _upload(unit_client, server.url + path, name, body)
        growth, spent = _peak(pid) - rss, _proc(pid)[1] - cpu

        assert 400 <= status < 500, (route, status, text[:300])
        if reason is not None:
            assert reason in text, (route, text[:500])
        else:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text[:300]
        assert growth < MAX_GROWTH_MIB, f"{route}: the server's peak memory grew by {growth:.0f} MiB"
        assert spent < MAX_CPU_SECONDS, f"{route}: the server spent {spent:.1f} s of CPU"
        assert server.proc.poll() is None

    dbsession.rollback()
    for table in (BatchImport, BatchRow, Case):
        assert dbsession.scalar(select(func.count()).select_from(table)) == 0, table.__name__
    assert _files(storage_dir) == stored   # the uploaded file is not kept either
    status, _, _ = unit_client.request("GET", server.url + "/healthz")
    assert status == 200
