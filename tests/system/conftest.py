"""Real app processes (waitress, as in production) against the suite's database, driven over HTTP."""
from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

LAUNCHER = (
    "import sys\n"
    "from pyramid.paster import get_app\n"
    "from waitress import serve\n"
    "serve(get_app(sys.argv[1], 'main'), listen='127.0.0.1:' + sys.argv[2], threads=4, _quiet=True)\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def system_ini(tmp_path_factory, database, storage_dir):
    folder = tmp_path_factory.mktemp("system")
    marker = folder / "faults.log"
    ini = folder / "system.ini"
    ini.write_text(f"""[app:main]
use = egg:jianxi
sqlalchemy.url = {database}
jianxi.storage_dir = {storage_dir}
jianxi.session_secret = system-test-secret-0123456789abcdef0123456789
jianxi.session_idle_minutes = 30
jianxi.staff_totp = optional
jianxi.fault_injection = true
jianxi.fault_marker = {marker}
retry.attempts = 3
""", "utf-8")
    return ini, marker


class AppProcess:
    def __init__(self, ini: Path, port: int):
        self.ini, self.port = ini, port
        self.url = f"http://127.0.0.1:{port}"
        self.log = ini.parent / f"app-{port}.log"
        self._log_fh = open(self.log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(ini), str(port)],
                                     stdout=subprocess.DEVNULL, stderr=self._log_fh, env=dict(os.environ))
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app process died: {self.log.read_text('utf-8', 'replace')[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("app process did not start in 30 s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_fh.close()


@pytest.fixture
def spawn(system_ini, session_factory):
    ini, marker = system_ini
    started: list[AppProcess] = []

    def start(port: int | None = None) -> AppProcess:
        p = AppProcess(ini, port or free_port())
        started.append(p)
        return p
    yield start
    for p in started:
        p.stop()


@pytest.fixture
def fault_marker(system_ini):
    marker = system_ini[1]
    marker.write_text("", "utf-8")
    return marker


class Client:
    """A person with a cookie jar; cookies are per host, so one login serves every process on 127.0.0.1."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = None

    def request(self, method, url, body: bytes | None = None, headers=None, timeout=60):
        headers = dict(headers or {})
        if self.token and method != "GET":
            headers["X-CSRF-Token"] = self.token
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as res:
                return res.status, res.read(), dict(res.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def json(self, method, url, payload=None, headers=None, timeout=60):
        body = json.dumps(payload).encode() if payload is not None else None
        status, raw, _ = self.request(method, url, body, {"Content-Type": "application/json", **(headers or {})},
                                      timeout=timeout)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def login(self, base, kind, login, password):
        status, body = self.json("POST", base + "/api/session", {"kind": kind, "login": login, "password": password})
        assert status == 200, body
        self.token = body["csrf_token"]

    def upload(self, url, field, filename, data: bytes, headers=None, timeout=60):
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, raw, _ = self.request("POST", url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                         **(headers or {})}, timeout=timeout)
        return status, json.loads(raw)


def wait_for(marker: Path, text: str, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in marker.read_text("utf-8"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{text} never reached the pause point")
