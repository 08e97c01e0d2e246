"""Login throughput per core with the production password hash (argon2id at engine/accounts/passwords.py's
parameters), beside a baseline measured in the same run: the bare argon2 verification of one password, with
no database and no web layer, which is the ceiling of a login on this machine.

Measured, each for SQLite (a temporary file) and PostgreSQL (a throw-away database; skipped without a server):
- engine: `authenticate` with the right password, a wrong one, and a name no account has (checked against
  the dummy hash: it should cost what a wrong password costs), each attempt from its own address and name so
  no limit is reached, each committed as a request would; and attempts refused over a limit (no hash at all:
  what a flood of refused guesses costs);
- web: POST /api/session through the whole WSGI application in process (WebTest), right password.

Each figure: attempts per second of wall time, per CPU-second of this process (= per core: argon2 may use
several lanes' threads, so wall and CPU differ), and the CPU-second ratio to the baseline. No timing is
asserted. Sizes: 40 attempts per measure (8 with --quick).

Run: `make bench BENCH_ARGS=login` (or `.venv/bin/python -m bench login [--quick]`). Do not set
JIANXI_FAST_PASSWORD_HASH: the figures would be of the test suite's cheap hash (the result says so).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from bench.pg import migrate, on_both

PASSWORD = "Bench-Login-2026"


def _rate(attempt, n: int) -> dict:
    """Run attempt(i) n times: per second of wall time, per CPU-second of this process, ms each."""
    attempt(-1)      # warm: first statements, the dummy hash, the connection pool
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        attempt(i)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"attempts": n, "per_second": round(n / wall, 2), "per_cpu_second": round(n / cpu, 2) if cpu else None,
            "ms_each": round(wall / n * 1000, 1), "cpu_per_wall": round(cpu / wall, 2)}


def _baseline(n: int) -> dict:
    from engine.accounts.passwords import hash_password, verify_password
    stored = hash_password(PASSWORD)
    return _rate(lambda i: verify_password(stored, PASSWORD), n)


def _seed(url: str, n: int) -> list[str]:
    """n staff accounts sharing one production-strength hash (hashing n passwords would only take time)."""
    from engine.accounts.passwords import hash_password
    from engine.db import make_engine, make_session_factory
    from engine.models import Account
    migrate(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    stored = hash_password(PASSWORD)
    names = [f"bench{i}" for i in range(-1, n)]
    session.add_all([Account(login_name=name, role="reviewer", name="审核员", password_hash=stored,
                             jurisdiction="140000") for name in names])
    session.commit()
    session.close()
    engine.dispose()
    return names


def _engine_figures(url: str, n: int) -> dict:
    from engine.accounts.login import Throttled, authenticate, limits
    from engine.db import make_engine, make_session_factory, writer_engine
    engine = make_engine(url)
    factory = make_session_factory(engine)
    writer = writer_engine(engine)
    rules = limits({})
    out = {}

    def attempt(name, password, address):
        session = factory()
        session.bind = writer          # a web POST's session (webapp/db.py)
        try:
            result = authenticate(session, "staff", name, password, address, rules)
            session.commit()
            return result
        except Throttled:
            session.rollback()
            return None
        finally:
            session.close()

    def host(kind, i):
        return f"10.{kind}.{(i + 1) // 250}.{(i + 1) % 250}"

    out["right_password"] = _rate(lambda i: attempt(f"bench{i}", PASSWORD, host(1, i)), n)
    out["wrong_password"] = _rate(lambda i: attempt(f"bench{i}", "Wrong-2026", host(2, i)), n)
    out["unknown_name"] = _rate(lambda i: attempt(f"nobody{i}", "Wrong-2026", host(3, i)), n)
    for _ in range(rules.per_pair.limit):        # a name of its own: the web figures log in as bench<i>
        attempt("flooded", "Wrong-2026", "10.4.0.1")
    out["refused_over_a_limit"] = _rate(lambda i: attempt("flooded", "Wrong-2026", "10.4.0.1"), n * 10)
    engine.dispose()
    return out


def _web_figures(url: str, n: int, storage: str) -> dict:
    from webtest import TestApp

    from engine.loader import default_dirs, load_catalogue
    from webapp import make_app
    app = make_app({"sqlalchemy.url": url, "jianxi.storage_dir": storage,
                    "jianxi.session_secret": "bench-login-secret-0123456789abcdef0123456789",
                    "jianxi.session_idle_minutes": "30", "retry.attempts": "3",
                    "jianxi.staff_totp": "optional"}, load_catalogue(*default_dirs()))   # a password login is measured

    def attempt(i):
        client = TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": f"10.5.{(i + 1) // 250}.{(i + 1) % 250}"})
        client.post_json("/api/session", {"kind": "staff", "login": f"bench{i}", "password": PASSWORD}, status=200)
    try:
        return {"api_session_right_password": _rate(attempt, n)}
    finally:
        app.registry["db_engine"].dispose()


def _with_ratios(figures: dict, baseline: dict) -> dict:
    for figure in figures.values():
        if figure.get("per_cpu_second") and baseline.get("per_cpu_second"):
            figure["per_cpu_second_vs_baseline"] = round(figure["per_cpu_second"] / baseline["per_cpu_second"], 3)
    return figures


def _measure(url: str, n: int, storage: str, baseline: dict) -> dict:
    # The web app reads DATABASE_URL before its ini: the bench's own database must win.
    previous = os.environ.pop("DATABASE_URL", None)
    try:
        _seed(url, n)
        figures = {**_engine_figures(url, n), **_web_figures(url, n, storage)}
    finally:
        if previous is not None:
            os.environ["DATABASE_URL"] = previous
    return _with_ratios(figures, baseline)


def run(args) -> dict:
    from engine.accounts import passwords
    n = 8 if getattr(args, "quick", False) else 40
    hasher = passwords._hasher
    result = {"hash": {"algorithm": "argon2id", "time_cost": hasher.time_cost, "memory_kib": hasher.memory_cost,
                       "parallelism": hasher.parallelism,
                       "fast_test_hash": os.environ.get("JIANXI_FAST_PASSWORD_HASH") == "1"},
              "cores_here": os.cpu_count()}
    print(f"baseline: {n} bare argon2 verifications…", flush=True)
    result["baseline_bare_verify"] = baseline = _baseline(n)
    result.update(on_both(lambda url, tmp: _measure(url, n, tmp, baseline), "login.sqlite", "logins"))
    right = result["sqlite"]["right_password"]["per_cpu_second"]
    result["summary"] = (f"one core: {baseline['per_cpu_second']} bare argon2 verifications/s, {right} engine "
                         f"logins/s on SQLite ({result['sqlite']['right_password']['per_cpu_second_vs_baseline']}"
                         " of the baseline)")
    return result
