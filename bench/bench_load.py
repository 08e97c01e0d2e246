"""Mixed load on two app processes sharing one PostgreSQL database and one storage folder, as deployed.

- Creates a throw-away database on the server named by BENCH_POSTGRES_URL (e.g.
  postgresql://postgres@127.0.0.1:5432/test), migrates it with Alembic, and drops it at the end.
- Seeds it: published positions over every county (bench_positions' generator, with expired, full and
  taken-down ones), an approved unit application for each of their units, fresh units with nothing
  submitted, individuals, the province reviewer, and a unit (through the engine's own functions) with
  the open positions a match_report file names. Every account has a production-strength argon2 hash.
- Starts two app processes with `pserve` on an ini copied from production.ini ([server:main] as
  documented there, so the same waitress thread count; the app settings point at the bench database
  and a shared storage folder; sessions, pool, retries as in production).
- Runs C client threads for S seconds (closed loop, no think time), each alternating request by request
  between the two processes with one cookie jar, each in a role:
  visitors (search page and /api/positions with filters and keywords, position detail, now and then a
  deliberately invalid query or a wrong password), individuals (log in by API or by the login page,
  search, 我有意向 by API and by the page form, 我的意向, withdraw), approved units (submit post
  applications directly or as draft -> edit -> submit, list cases, 就业见习岗位查询), new units (unit
  application: draft, edit, three attachments uploaded, submit), the reviewer (queue, case, approve),
  and one unit that uploads exactly one match_report Excel file a quarter of the way in.
- Every status other than the one expected for the request (and every exception) is an error.

Reports per endpoint count, errors, p50/p95/p99 ms; overall requests/s and errors; the import's figures and
the latency of requests that overlapped it (on its process and on the other); CPU cores used by the app
processes, the load generator and the whole machine (which may be shared: see load_average_before); peak
database connections; waitress queue-depth warnings and tracebacks in the server logs.

Run: `make bench BENCH_ARGS=load` (or `.venv/bin/python -m bench load [--quick]`).
Environment: BENCH_POSTGRES_URL (required), BENCH_LOAD_SECONDS (60; 10 with --quick), BENCH_LOAD_CLIENTS
(50; 10), BENCH_LOAD_POSITIONS (5000; 1000), BENCH_LOAD_IMPORT_ROWS (3000; 500).
"""
from __future__ import annotations

import configparser
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from engine.positions.intents import CONSENT_VERSION

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# Environment that would override the generated ini in the app processes (or weaken their hashes).
CHILD_ENV_DROP = ("DATABASE_URL", "JIANXI_SESSION_SECRET", "JIANXI_FAST_PASSWORD_HASH", "JIANXI_FORMS_DIR",
                  "JIANXI_WORKFLOWS_DIR")


# ---------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------

def _create_database(base_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    from engine.db import database_url
    base = database_url({"sqlalchemy.url": base_url})
    name = f"jx_bench_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base, base.rsplit("/", 1)[0] + "/" + name


def _drop_database(base: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _seed(url: str, storage_dir: Path, n_positions: int, n_new_units: int, n_individuals: int,
          import_names: list[str]) -> dict:
    """Migrate and fill the database; returns what the clients need (logins, position ids)."""
    from argon2 import PasswordHasher
    from sqlalchemy import select, text

    from bench.bench_positions import UNIT_CORE, UNIT_KIND, UNIT_PREFIX, _build_database
    from engine import clock
    from engine.db import make_engine, make_session_factory
    from engine.loader import default_dirs, load_catalogue
    from engine.models import Account, Case, Position, Unit, utcnow
    from engine.regions import load_regions
    from engine.storage import FileStorage
    from tests import factories as f

    started = time.time()
    built = _build_database(url, n_positions)       # migrates; positions, their units and unit accounts
    catalogue = load_catalogue(*default_dirs())
    engine = make_engine(url)
    session = make_session_factory(engine)()
    province = f.reviewer(session, login="sheng", jurisdiction="140000", name="省级审核员")
    importer = f.unit_account(session, name="山西晋阳智能科技有限公司")
    f.approved_unit(session, catalogue, FileStorage(storage_dir), importer, province)
    for name in import_names:
        f.published_position(session, catalogue, importer, province, position_name=name, openings=999)
    session.commit()
    importer_login, reviewer_login = importer.login_name, province.login_name
    session.close()

    rnd = random.Random(11)
    regions = load_regions()
    counties = regions.all_counties()
    now = utcnow().replace(microsecond=0)
    unit_t, account_t, case_t = Unit.__table__, Account.__table__, Case.__table__
    with engine.begin() as conn:
        # bench_positions' units are published ones: give each the approved unit application that
        # post applications require.
        approved = conn.execute(select(Unit.id, Unit.name, Unit.city_code, Unit.county_code, Account.id,
                                       Account.login_name).join(Account, Account.unit_id == Unit.id)
                                .where(Unit.credit_code.like("BENCH%")).order_by(Unit.id)).all()
        conn.execute(case_t.insert(), [
            {"item_key": "unit_application", "definition_version": 1, "workflow_key": "review", "state": "approved",
             "unit_id": uid, "account_id": aid, "city_code": city, "county_code": county,
             "reference": f"BENCH-UA-{uid:06d}", "data": f.unit_application_data(name, city=city, county=county),
             "submitted_month": f"{now:%Y-%m}", "submitted_at": now, "created_at": now, "updated_at": now,
             "version": 2} for uid, name, city, county, aid, _ in approved])
        new_units = []
        for i in range(n_new_units):
            name = f"{rnd.choice(UNIT_PREFIX)}{rnd.choice(UNIT_CORE)}{rnd.choice(UNIT_KIND)}新{i + 1}"
            new_units.append({"name": name, "credit_code": f.credit_code(f"91140105MB{i + 1:07d}"),
                              "created_at": now})
        ids = dict(conn.execute(unit_t.insert().returning(unit_t.c.credit_code, unit_t.c.id), new_units).all())
        conn.execute(account_t.insert(), [
            {"login_name": u["credit_code"], "role": "unit", "name": "王经理", "mobile": "13912345678",
             "password_hash": "x", "active": True, "unit_id": ids[u["credit_code"]], "created_at": now}
            for u in new_units])
        people = []
        for i in range(n_individuals):
            birth = date(2001, 1, 1) + timedelta(days=i // 900)
            id_no = f.id_number(f"140181{birth:%Y%m%d}{i % 900 + 100:03d}")
            people.append({"login_name": id_no, "role": "individual", "name": f"见习{i + 1}号",
                           "mobile": f"138{i:08d}", "id_number": id_no, "password_hash": "x", "active": True,
                           "profile": {"education": rnd.choice(["本科", "大专", "硕士"]), "school": "山西大学",
                                       "major": rnd.choice(["计算机科学与技术", "会计学", "护理学"])},
                           "created_at": now})
        conn.execute(account_t.insert(), people)
        # One production-strength hash for everyone (hashing hundreds would take minutes, and a weaker
        # one would be rehashed, i.e. written, at each first login).
        conn.execute(account_t.update().values(password_hash=PasswordHasher().hash(f.PASSWORD)))
        today = clock.today()
        visible = conn.scalars(select(Position.id).where(Position.status == "open")).all()
        intentable = conn.scalars(select(Position.id).where(
            Position.status == "open", Position.matched < Position.openings,
            (Position.deadline.is_(None)) | (Position.deadline > today),
            Position.unit_id.in_([a[0] for a in approved]))).all()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {
        "positions": built["positions"], "visible": visible, "intentable": intentable,
        "approved_units": [a[5] for a in approved], "new_units": [u["credit_code"] for u in new_units],
        "individuals": [p["login_name"] for p in people], "importer": importer_login, "reviewer": reviewer_login,
        "cities": [(c.code, [k.code for k in regions.counties(c.code)]) for c in regions.cities()],
        "counties": [(k.parent, k.code) for k in counties], "seed_seconds": round(time.time() - started, 1),
    }


# ---------------------------------------------------------------------------
# The app processes: pserve on production.ini's [server:main], app settings pointed at the bench
# ---------------------------------------------------------------------------

def production_server() -> dict:
    ini = configparser.RawConfigParser()
    ini.read(ROOT / "production.ini", encoding="utf-8")
    return dict(ini.items("server:main"))


def _write_ini(folder: Path, url: str, storage: Path, port: int) -> Path:
    ini = configparser.RawConfigParser()
    ini.optionxform = str  # keep keys as written
    ini.read(ROOT / "production.ini", encoding="utf-8")
    ini.set("app:main", "sqlalchemy.url", url)
    ini.set("app:main", "jianxi.storage_dir", str(storage))
    ini.set("app:main", "jianxi.session_secret", "bench-load-secret-0123456789abcdef0123456789")
    ini.set("app:main", "jianxi.staff_totp", "optional")   # the reviewer signs in with a password
    ini.set("server:main", "listen", f"127.0.0.1:{port}")
    # Every client of the load generator is 127.0.0.1: as many people's failed logins as one address's.
    ini.set("app:main", "jianxi.login_limit_per_address", "100000/15m")
    path = folder / f"app-{port}.ini"
    with open(path, "w", encoding="utf-8") as fh:
        ini.write(fh)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    def __init__(self, folder: Path, url: str, storage: Path):
        self.port = _free_port()
        ini = _write_ini(folder, url, storage, self.port)
        self.log_path = folder / f"app-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {k: v for k, v in os.environ.items() if k not in CHILD_ENV_DROP}
        pserve = Path(sys.executable).with_name("pserve")
        cmd = [str(pserve)] if pserve.exists() else [sys.executable, "-m", "pyramid.scripts.pserve"]
        self.proc = subprocess.Popen([*cmd, str(ini)], stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     cwd=str(ROOT))

    def wait_ready(self, timeout=60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app process died: {self.log_path.read_text('utf-8', 'replace')[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"app process on {self.port} did not start in {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def log_figures(self) -> dict:
        text = self.log_path.read_text("utf-8", "replace")
        return {"tracebacks": text.count("Traceback"), "queue_depth_warnings": text.count("Task queue depth"),
                "error_lines": sum(1 for line in text.splitlines() if " ERROR " in line)}


# ---------------------------------------------------------------------------
# The clients
# ---------------------------------------------------------------------------

class Stats:
    """One per client thread (no locking); merged at the end."""

    def __init__(self):
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []
        self.by_port: dict[int, int] = {}
        self.timeline: list[tuple[float, float, int]] = []   # (sent at, seconds, port), for the import window

    def record(self, label: str, seconds: float, ok: bool, port: int, detail: str = "") -> None:
        self.latency.setdefault(label, []).append(seconds)
        self.by_port[port] = self.by_port.get(port, 0) + 1
        self.timeline.append((time.perf_counter() - seconds, seconds, port))
        if not ok:
            self.fail(label, detail)

    def fail(self, label: str, detail: str) -> None:
        """An error found after the answer (wrong content) or outside any request: no latency sample."""
        self.errors[label] = self.errors.get(label, 0) + 1
        if len(self.samples) < 10:
            self.samples.append(f"{label}: {detail}"[:400])


class Failed(Exception):
    """The request did not answer as expected (already counted); the rest of the action is skipped."""


def _multipart(field: str, filename: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Client:
    """One person: a cookie jar shared by both processes, one keep-alive connection to each, and each
    request sent to the other process than the previous one."""

    def __init__(self, ports: list[int], stats: Stats, seed: int):
        self.ports, self.stats = ports, stats
        self.rnd = random.Random(seed)
        self.conns = {p: http.client.HTTPConnection("127.0.0.1", p, timeout=60) for p in ports}
        self.turn = seed % len(ports)
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def close(self) -> None:
        for c in self.conns.values():
            c.close()

    def _store_cookies(self, resp) -> None:
        for header in resp.headers.get_all("Set-Cookie") or ():
            pair, _, attrs = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if "max-age=0" in attrs.lower().replace(" ", "") or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def call(self, label: str, method: str, path: str, expect: int, body: bytes | None = None,
             content_type: str | None = None, timeout: float | None = None):
        """Send, time, check the status; returns (status, headers, body bytes) or raises Failed."""
        port = self.ports[self.turn]
        self.turn = (self.turn + 1) % len(self.ports)
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token and method != "GET":
            headers["X-CSRF-Token"] = self.token
        conn = self.conns[port]
        if timeout is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.stats.record(label, time.perf_counter() - t0, False, port, f"{type(e).__name__}: {e}")
            conn.close()
            raise Failed() from None
        finally:
            if timeout is not None:
                conn.timeout = 60
                if conn.sock is not None:
                    conn.sock.settimeout(60)
        elapsed = time.perf_counter() - t0
        self._store_cookies(resp)
        ok = resp.status == expect
        self.stats.record(label, elapsed, ok, port,
                          "" if ok else f"{method} {path} -> {resp.status} (expected {expect}) "
                                        f"{data[:300].decode('utf-8', 'replace')}")
        if not ok:
            raise Failed()
        return resp.status, resp.headers, data

    def json(self, label, method, path, expect, payload=None, timeout=None):
        body = json.dumps(payload).encode() if payload is not None else None
        _, _, data = self.call(label, method, path, expect, body, "application/json" if body else None, timeout)
        return json.loads(data) if data else None

    # -- logging in and out --------------------------------------------------------------

    def api_login(self, kind: str, login: str) -> None:
        from tests.factories import PASSWORD
        body = self.json("POST /api/session", "POST", "/api/session", 200,
                         {"kind": kind, "login": login, "password": PASSWORD})
        self.token = body["csrf_token"]

    def page_login(self, tab: str, login: str) -> None:
        from tests.factories import PASSWORD
        self.token = None
        _, _, page = self.call("GET /login", "GET", f"/login?tab={tab}", 200)
        token = CSRF_RE.search(page.decode())
        form = urlencode({"csrf_token": token.group(1) if token else "", "tab": tab, "login": login,
                          "password": PASSWORD}).encode()
        _, headers, _ = self.call("POST /login", "POST", "/login", 303, form, "application/x-www-form-urlencoded")
        # Like a browser: follow to the landing page; its forms carry the new session's token.
        _, _, home = self.call("GET /", "GET", urlsplit(headers["Location"]).path or "/", 200)
        token = CSRF_RE.search(home.decode())
        self.token = token.group(1) if token else None

    def login(self, kind: str, login: str, n: int) -> None:
        """Every other login goes through the login page, the rest through the JSON API."""
        if n % 2 and kind in ("unit", "individual"):
            self.page_login(kind, login)
        else:
            self.api_login(kind, login)

    def logout(self) -> None:
        self.call("DELETE /api/session", "DELETE", "/api/session", 204)
        self.cookies.clear()
        self.token = None


# ---------------------------------------------------------------------------
# What each kind of person does
# ---------------------------------------------------------------------------

KEYWORDS = ["软件", "会计", "护理", "销售", "前端开发", "数据分析", "运维", "教师", "晋阳", "文旅", "见习生",
            "助理", "Java", "电商运营", "机械设计", "太原", "财务", "行政 文员", "新媒体", "化工"]


class World:
    """What the clients share, read-only: the seeded logins and ids, the timing."""

    def __init__(self, seeded: dict, ports: list[int], stop_at: float, import_at: float, import_file: Path,
                 import_rows: int):
        self.s = seeded
        self.ports, self.stop_at, self.import_at = ports, stop_at, import_at
        self.import_file, self.import_rows = import_file, import_rows
        self.import_result: dict = {}
        self.import_window: tuple[float, float] | None = None
        from engine.loader import default_dirs, load_catalogue
        from engine.positions.search import search_choices
        self.educations = search_choices(load_catalogue(*default_dirs())).educations

    def running(self) -> bool:
        return time.perf_counter() < self.stop_at


def search_query(rnd: random.Random, world: World) -> dict:
    p: dict = {}
    if rnd.random() < 0.5:
        city, counties = rnd.choice(world.s["cities"])
        p["city"] = city
        if rnd.random() < 0.4:
            p["county"] = rnd.choice(counties)
    if rnd.random() < 0.3:
        p["education"] = rnd.choice(world.educations)
    if rnd.random() < 0.35:
        p["q"] = rnd.choice(KEYWORDS)
    if rnd.random() < 0.1:
        p["period"] = rnd.randint(3, 12)
    if rnd.random() < 0.1:
        p["min_allowance"] = rnd.choice([2500, 3000, 3500])
    if rnd.random() < 0.15:
        p["sort"] = "allowance"
    if rnd.random() < 0.2:
        p["page"] = rnd.randint(2, 5)
    return p


def browse(c: Client, world: World) -> None:
    """One anonymous (or logged-in) look at the positions."""
    rnd = c.rnd
    r = rnd.random()
    if r < 0.40:
        q = search_query(rnd, world)
        c.call("GET /positions", "GET", "/positions" + ("?" + urlencode(q) if q else ""), 200)
    elif r < 0.70:
        q = search_query(rnd, world)
        c.call("GET /api/positions", "GET", "/api/positions" + ("?" + urlencode(q) if q else ""), 200)
    elif r < 0.85:
        back = urlencode({"back": urlencode(search_query(rnd, world))})
        c.call("GET /positions/{id}", "GET", f"/positions/{rnd.choice(world.s['visible'])}?{back}", 200)
    else:
        c.json("GET /api/positions/{id}", "GET", f"/api/positions/{rnd.choice(world.s['visible'])}", 200)


def visitor(c: Client, world: World) -> None:
    r = c.rnd.random()
    if r < 0.02:   # deliberately invalid: expected 422
        c.call("GET /api/positions (invalid filter)", "GET", "/api/positions?" + urlencode({"education": "小学"}), 422)
    elif r < 0.03:  # deliberately wrong: an unknown login name, expected 401
        c.json("POST /api/session (unknown login)", "POST", "/api/session", 401,
               {"kind": "individual", "login": f"14010520000101{c.rnd.randrange(10000):04d}", "password": "nope1234"})
    else:
        browse(c, world)


class Person:
    """A logged-in role: works through its own slice of accounts, logging out and in every few actions."""

    kind = "unit"

    def __init__(self, c: Client, world: World, logins: list[str]):
        self.c, self.world, self.logins = c, world, logins
        self.logins_done, self.left = 0, 0
        self.account = None

    def next_session(self) -> None:
        if self.account is not None:
            self.c.logout()
        self.account = self.logins[self.logins_done % len(self.logins)]
        self.c.login(self.kind, self.account, self.logins_done)
        self.logins_done += 1
        self.left = self.c.rnd.randint(10, 25)

    def step(self) -> None:
        if self.left <= 0:
            self.next_session()
        self.left -= 1
        self.act()

    def act(self) -> None:
        raise NotImplementedError


class Individual(Person):
    kind = "individual"

    def __init__(self, *a):
        super().__init__(*a)
        self.intended: dict[str, set[int]] = {}
        self.active: dict[str, list[int]] = {}

    def _fresh_position(self) -> int:
        seen = self.intended.setdefault(self.account, set())
        while True:
            pid = self.c.rnd.choice(self.world.s["intentable"])
            if pid not in seen:
                seen.add(pid)
                return pid

    def act(self) -> None:
        c, rnd = self.c, self.c.rnd
        r = rnd.random()
        if r < 0.55:
            browse(c, self.world)
        elif r < 0.75:
            pid = self._fresh_position()
            body = c.json("POST /api/positions/{id}/intents", "POST", f"/api/positions/{pid}/intents", 201,
                          {"consent": CONSENT_VERSION})
            self.active.setdefault(self.account, []).append(body["id"])
        elif r < 0.85:
            pid = self._fresh_position()
            _, headers, _ = c.call("POST /positions/{id}/intent (form)", "POST", f"/positions/{pid}/intent", 303,
                                   urlencode({"csrf_token": c.token or "", "consent": CONSENT_VERSION}).encode(),
                                   "application/x-www-form-urlencoded")
            _, _, page = c.call("GET /positions/{id}", "GET", urlsplit(headers["Location"]).path, 200)
            if "已登记意向" not in page.decode():  # the flash says whether it worked
                c.stats.fail("POST /positions/{id}/intent (form)", "no success message after the redirect")
        elif r < 0.93:
            c.call("GET /me/intents", "GET", "/me/intents", 200)
        else:
            mine = self.active.get(self.account)
            if mine:
                c.call("DELETE /api/intents/{id}", "DELETE", f"/api/intents/{mine.pop(rnd.randrange(len(mine)))}",
                       204)
            else:
                browse(c, self.world)


def post_data(rnd: random.Random, world: World) -> dict:
    from bench.bench_positions import MAJORS, POSITION_SUFFIX, POSITION_WORDS
    from tests.factories import post_data as base
    city, county = rnd.choice(world.s["counties"])
    return base(position_name=rnd.choice(POSITION_WORDS) + rnd.choice(POSITION_SUFFIX), openings=rnd.randint(1, 10),
                education=rnd.choice(["不限", "大专", "本科"]), major=rnd.choice(MAJORS),
                period_months=rnd.choice([3, 6, 12]), allowance=rnd.choice([2300, 2600, 3000]),
                work_city=city, work_county=county, work_address="建设路88号")


class ApprovedUnit(Person):
    def act(self) -> None:
        c, rnd = self.c, self.c.rnd
        r = rnd.random()
        if r < 0.30:
            c.json("POST /api/items/post_application/cases", "POST", "/api/items/post_application/cases", 201,
                   {"data": post_data(rnd, self.world), "submit": True})
        elif r < 0.45:   # saved as a draft with two fields, completed, then submitted
            data = post_data(rnd, self.world)
            case = c.json("POST /api/items/post_application/cases", "POST", "/api/items/post_application/cases",
                          201, {"data": {k: data[k] for k in ("position_name", "openings")}})
            case = c.json("PUT /api/cases/{id}", "PUT", f"/api/cases/{case['id']}", 200,
                          {"data": data, "version": case["version"]})
            c.json("POST /api/cases/{id}/transitions/submit", "POST", f"/api/cases/{case['id']}/transitions/submit",
                   200, {"version": case["version"]})
        elif r < 0.65:
            c.json("GET /api/cases", "GET", "/api/cases?" + urlencode(
                rnd.choice([{}, {"item": "post_application"}, {"state": "submitted"}])), 200)
        elif r < 0.80:
            c.call("GET /unit/positions", "GET", "/unit/positions", 200)
        else:
            browse(c, self.world)


class Importer(ApprovedUnit):
    """The unit whose positions the match_report file names; uploads it once, then carries on."""

    def act(self) -> None:
        w = self.world
        if not w.import_result and time.perf_counter() >= w.import_at:
            payload, ctype = _multipart("file", w.import_file.name, w.import_file.read_bytes(),
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            t0 = time.perf_counter()
            w.import_result.update(started=True, port=self.c.ports[self.c.turn])
            try:
                _, _, data = self.c.call("POST /api/items/match_report/imports", "POST",
                                         "/api/items/match_report/imports", 201, payload, ctype, timeout=300)
            except Failed:
                w.import_result.update(status="failed", seconds=round(time.perf_counter() - t0, 2))
                raise
            answer = json.loads(data)
            w.import_window = (t0, time.perf_counter())
            w.import_result.update(status=201, rows=answer.get("rows"), seconds=round(time.perf_counter() - t0, 2))
            if answer.get("rows") != w.import_rows:
                self.c.stats.fail("POST /api/items/match_report/imports",
                                  f"rows {answer.get('rows')} != {w.import_rows}")
            return
        super().act()


class NewUnit(Person):
    """A unit with nothing submitted: its 就业见习单位申请 from draft to submitted, then the next unit."""

    def step(self) -> None:
        self.next_session()   # one application per account
        self.act()

    def act(self) -> None:
        from tests.factories import PDF, unit_application_data
        c, rnd = self.c, self.c.rnd
        city, county = rnd.choice(self.world.s["counties"])
        case = c.json("POST /api/items/unit_application/cases", "POST", "/api/items/unit_application/cases", 201,
                      {"data": {"address": "建设路1号", "legal_rep": "赵建国"}})
        name = case["data"]["unit_name"]
        case = c.json("PUT /api/cases/{id}", "PUT", f"/api/cases/{case['id']}", 200,
                      {"data": unit_application_data(name, city=city, county=county), "version": case["version"]})
        for slot in ("license", "application_form", "management_plan"):
            payload, ctype = _multipart("file", f"{slot}.pdf", PDF, "application/pdf")
            c.call("POST /api/cases/{id}/attachments/{slot}", "POST", f"/api/cases/{case['id']}/attachments/{slot}",
                   201, payload, ctype)
        case = c.json("GET /api/cases/{id}", "GET", f"/api/cases/{case['id']}", 200)
        c.json("POST /api/cases/{id}/transitions/submit", "POST", f"/api/cases/{case['id']}/transitions/submit",
               200, {"version": case["version"]})


class Reviewer(Person):
    kind = "staff"

    def act(self) -> None:
        c, rnd = self.c, self.c.rnd
        if rnd.random() < 0.25:
            c.call("GET /review", "GET", "/review", 200)
            return
        queue = c.json("GET /api/review/cases", "GET", "/api/review/cases", 200)
        todo = [x for x in queue["items"] if x["actionable"]]
        if not todo:
            browse(c, self.world)
            return
        case = c.json("GET /api/cases/{id}", "GET", f"/api/cases/{todo[0]['id']}", 200)
        c.json("POST /api/cases/{id}/transitions/approve", "POST", f"/api/cases/{case['id']}/transitions/approve",
               200, {"version": case["version"]})


def _roles(n: int) -> list[str]:
    """importer + reviewer, then ~20% approved units, ~10% new units, ~25% individuals, the rest visitors."""
    rest = n - 2
    units, new, people = round(rest * 0.21), max(1, round(rest * 0.10)), round(rest * 0.26)
    return ["importer", "reviewer"] + ["unit"] * units + ["new_unit"] * new + ["individual"] * people + \
        ["visitor"] * (rest - units - new - people)


ROLE_CLASSES = {"importer": (Importer, "importer"), "reviewer": (Reviewer, "reviewer"),
                "unit": (ApprovedUnit, "approved_units"), "new_unit": (NewUnit, "new_units"),
                "individual": (Individual, "individuals")}


def _client_thread(k: int, role: str, nth: int, of: int, world: World, stats: Stats, barrier: threading.Barrier):
    """Client k, the nth of `of` clients in its role; each works through its own share of the role's accounts."""
    c = Client(world.ports, stats, seed=1000 + k)
    person = None
    if role in ROLE_CLASSES:
        cls, key = ROLE_CLASSES[role]
        logins = world.s[key] if isinstance(world.s[key], list) else [world.s[key]]
        person = cls(c, world, logins[nth::of] or logins)
    barrier.wait()
    while world.running():
        try:
            if person is None:
                visitor(c, world)
            else:
                person.step()
        except Exception as e:  # noqa: BLE001 - a broken answer (bad JSON, missing key) is an error too
            if not isinstance(e, Failed):   # Failed ones are counted already
                stats.fail("client-side", f"{type(e).__name__}: {e}")
            if person is not None:   # start again with a clean login
                person.account, person.left = None, 0
                c.cookies.clear()
                c.token = None
    c.close()


def _watch_connections(url: str, stop: threading.Event, out: dict) -> None:
    """Peak connections to the bench database, sampled twice a second."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url, pool_size=1)
    name = url.rsplit("/", 1)[1]
    peak = {"total": 0, "active": 0}
    with engine.connect() as conn:
        while not stop.wait(0.5):
            rows = dict(conn.execute(text(
                "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity WHERE datname = :d "
                "AND pid <> pg_backend_pid() GROUP BY 1"), {"d": name}).all())
            conn.commit()
            peak["total"] = max(peak["total"], sum(rows.values()))
            peak["active"] = max(peak["active"], rows.get("active", 0) + rows.get("idle in transaction", 0))
    engine.dispose()
    out.update(peak)


def _cpu_figures(app_pids: list[int]) -> dict:
    """CPU seconds so far: the app processes, this process (the clients), and the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")

    def proc_seconds(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick   # utime, stime

    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(x) for i, x in enumerate(cpu[:8]) if i not in (3, 4))   # all but idle and iowait
    times = os.times()
    return {"app_processes": sum(proc_seconds(p) for p in app_pids), "load_generator": times.user + times.system,
            "machine": busy / tick}


def _import_window(stats: list[Stats], world: World) -> dict:
    """Latency of requests overlapping the import, on its process and on the other one, and of the rest."""
    if world.import_window is None:
        return {}
    start, end = world.import_window
    port = world.import_result["port"]
    groups: dict[str, list[float]] = {"during_import_same_process": [], "during_import_other_process": [],
                                      "outside_import": []}
    for s in stats:
        for sent, seconds, p in s.timeline:
            if sent < end and sent + seconds > start:
                groups["during_import_same_process" if p == port else "during_import_other_process"].append(seconds)
            else:
                groups["outside_import"].append(seconds)
    return {k: {"count": len(v), **{f"p{p}_ms": _pct(v, p) for p in (50, 95, 99)}} for k, v in groups.items()}


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000, 1)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def run(args) -> dict:
    quick = getattr(args, "quick", False)
    base_url = os.environ.get("BENCH_POSTGRES_URL")
    if not base_url:
        print("BENCH_POSTGRES_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test): skipped", flush=True)
        return {"skipped": "BENCH_POSTGRES_URL not set"}
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS") or (10 if quick else 60))
    n_clients = int(os.environ.get("BENCH_LOAD_CLIENTS") or (10 if quick else 50))
    n_positions = int(os.environ.get("BENCH_LOAD_POSITIONS") or (1000 if quick else 5000))
    import_rows = int(os.environ.get("BENCH_LOAD_IMPORT_ROWS") or (500 if quick else 3000))
    n_new_units, n_individuals = (60, 100) if quick else (300, 500)

    from bench.bench_batch_import import _positions, make_files
    work = Path(tempfile.mkdtemp(prefix="jx-bench-load-"))
    storage = work / "storage"
    storage.mkdir()
    base, url = _create_database(base_url)
    apps: list[AppProcess] = []
    try:
        import_file, _, _ = make_files(work, import_rows)
        seeded = _seed(url, storage, n_positions, n_new_units, n_individuals, _positions(import_rows))
        print(f"seeded in {seeded['seed_seconds']}s: {seeded['positions']} positions "
              f"({len(seeded['visible'])} listed), {len(seeded['approved_units'])} approved units, "
              f"{len(seeded['new_units'])} new units, {len(seeded['individuals'])} individuals", flush=True)
        load_before = os.getloadavg()   # the machine may be shared: read the figures with this in mind
        apps = [AppProcess(work, url, storage) for _ in range(2)]
        for a in apps:
            a.wait_ready()
        roles = _roles(n_clients)
        counts = {r: roles.count(r) for r in sorted(set(roles))}
        stats = [Stats() for _ in roles]
        barrier = threading.Barrier(len(roles) + 1)
        world = World(seeded, [a.port for a in apps], 0, 0, import_file, import_rows)
        threads = []
        for k, role in enumerate(roles):
            t = threading.Thread(target=_client_thread, daemon=True, args=(
                k, role, roles[:k].count(role), counts[role], world, stats[k], barrier))
            threads.append(t)
            t.start()
        watched: dict = {}
        stop_watch = threading.Event()
        watcher = threading.Thread(target=_watch_connections, args=(url, stop_watch, watched), daemon=True)
        watcher.start()
        cpu_before = _cpu_figures([a.proc.pid for a in apps])
        began = time.perf_counter()
        world.stop_at, world.import_at = began + seconds, began + seconds / 4
        print(f"{len(roles)} clients for {seconds:.0f}s on ports {world.ports}: "
              + ", ".join(f"{n} {r}" for r, n in counts.items()), flush=True)
        barrier.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        cpu_after = _cpu_figures([a.proc.pid for a in apps])
        stop_watch.set()
        watcher.join()
    finally:
        for a in apps:
            a.stop()
        _drop_database(base, url)

    labels = sorted({label for s in stats for label in (*s.latency, *s.errors)})
    endpoints = {}
    for label in labels:
        values = [x for s in stats for x in s.latency.get(label, [])]
        endpoints[label] = {"count": len(values), "errors": sum(s.errors.get(label, 0) for s in stats),
                            **{f"p{p}_ms": _pct(values, p) for p in (50, 95, 99)}}
    total = sum(e["count"] for e in endpoints.values())
    errors = sum(e["errors"] for e in endpoints.values())
    by_port: dict[str, int] = {}
    for s in stats:
        for port, n in s.by_port.items():
            if port:
                by_port[str(port)] = by_port.get(str(port), 0) + n
    server = production_server()
    logs = [a.log_figures() for a in apps]
    result = {
        "database": "postgresql", "processes": 2, "waitress_threads_per_process": int(server.get("threads", 4)),
        "db_pool_per_process": {"pool_size": 10, "max_overflow": 10},
        "clients": len(roles), "roles": counts,
        "seconds": round(elapsed, 1), "think_time": "none (closed loop)",
        "load_average_before": [round(x, 2) for x in load_before], "cores": os.cpu_count(),
        "data": {"positions": seeded["positions"], "listed_positions": len(seeded["visible"]),
                 "approved_units": len(seeded["approved_units"]), "new_units": len(seeded["new_units"]),
                 "individuals": len(seeded["individuals"]), "import_rows": import_rows},
        "requests": total, "requests_per_second": round(total / elapsed, 1), "errors": errors,
        "endpoints": endpoints,
        "import": dict(world.import_result),
        "requests_by_process": by_port,
        "import_window_latency": _import_window(stats, world),
        "cpu_cores_busy": {k: round((cpu_after[k] - cpu_before[k]) / elapsed, 2) for k in cpu_before},
        "db_connections_peak": watched,
        "server_logs": {"tracebacks": sum(x["tracebacks"] for x in logs),
                        "error_lines": sum(x["error_lines"] for x in logs),
                        "queue_depth_warnings": sum(x["queue_depth_warnings"] for x in logs)},
        "error_samples": [x for s in stats for x in s.samples][:20],
    }
    if result["server_logs"]["tracebacks"]:
        tails = [a.log_path.read_text("utf-8", "replace") for a in apps]
        first = next(t for t in tails if "Traceback" in t)
        result["first_traceback"] = first[first.index("Traceback"):][:3000]
    _print_table(result)
    shutil.rmtree(work, ignore_errors=True)
    return result


def _print_table(result: dict) -> None:
    width = max(len(k) for k in result["endpoints"]) + 2
    print(f"\n{'endpoint':<{width}}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for label, e in result["endpoints"].items():
        print(f"{label:<{width}}{e['count']:>8}{e['errors']:>8}{e['p50_ms']:>10}{e['p95_ms']:>10}{e['p99_ms']:>10}")
    print(f"\n{result['requests']} requests in {result['seconds']}s = {result['requests_per_second']} req/s, "
          f"{result['errors']} errors; import {result['import']}; peak DB connections "
          f"{result['db_connections_peak']}; server logs {result['server_logs']}", flush=True)
    print(f"CPU cores busy: {result['cpu_cores_busy']}; import window: {result['import_window_latency']}\n",
          flush=True)
    for sample in result["error_samples"]:
        print("  error:", sample)
