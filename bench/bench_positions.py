"""Public position search at 100,000 published positions, over HTTP, next to a bare Pyramid JSON view.

- Builds a fresh SQLite database (Alembic `upgrade heads`) with N positions spread over all 117 counties
  of Shanxi (with some expired, full and taken-down ones that must not be listed), their units, accounts
  and post-application cases, inserted in bulk.
- Serves, in one child process, the Jianxi app and a bare Pyramid app (one JSON view, no tweens, no
  session, no database) behind one waitress server on 127.0.0.1, dispatched by path.
- A Python load generator (threads, keep-alive connections, fixed duration per query kind) measures
  latency (p50/p95/p99) and requests per second for: the bare view, and the search page and the search
  API for no filter, city, city+county+education, keyword.

Run: `make bench BENCH_ARGS=positions` (or `.venv/bin/python -m bench positions [--quick]`).
Environment: BENCH_POSITIONS (default 100000), BENCH_SECONDS (per measurement, default 8),
BENCH_CONCURRENCY (default "1,4").
"""
from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

POSITION_WORDS = ["软件开发", "前端开发", "Java开发", "测试", "运维", "数据分析", "会计", "出纳", "财务助理",
                  "行政", "人事专员", "文员", "销售", "市场推广", "电商运营", "新媒体运营", "客服", "采购",
                  "仓储管理", "物流调度", "机械设计", "电气工程", "数控操作", "质量检验", "化工工艺", "安全员",
                  "建筑设计", "造价", "施工管理", "护理", "药剂", "康复治疗", "幼儿教师", "教务", "导游",
                  "酒店管理", "厨师", "农业技术", "畜牧兽医", "法务", "翻译", "平面设计", "动画制作", "摄影"]
POSITION_SUFFIX = ["见习生", "见习岗", "助理", "专员", "实习岗"]
UNIT_PREFIX = ["晋阳", "龙城", "汾河", "太行", "吕梁", "云冈", "五台", "平遥", "壶口", "雁门", "并州", "三晋",
               "恒山", "绵山", "晋祠", "河东", "上党", "沁水", "黄河", "长城"]
UNIT_CORE = ["智能", "科技", "信息", "能源", "煤电", "文旅", "物流", "建设", "医药", "食品", "农业", "教育",
             "商贸", "环保", "机械", "化工", "传媒", "数据", "新材料", "装备"]
UNIT_KIND = ["有限公司", "股份有限公司", "集团有限公司", "发展有限公司", "科技有限公司"]
MAJORS = ["计算机类", "软件工程", "电子信息", "会计学", "财务管理", "市场营销", "工商管理", "机械工程",
          "电气工程及其自动化", "土木工程", "护理学", "药学", "学前教育", "汉语言文学", "英语", "法学",
          "旅游管理", "食品科学", "农学", "化学工程", "不限"]
EDUCATIONS = ["不限", "中专", "大专", "本科", "硕士", "博士"]
EDU_WEIGHTS = [20, 10, 30, 30, 8, 2]


def _build_database(url: str, n_positions: int, seed: int = 7) -> dict:
    """A migrated, empty database at url filled with n_positions published positions."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from engine import clock, search
    from engine.db import make_engine
    from engine.models import Account, Case, Position, Unit, utcnow
    from engine.regions import load_regions

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "heads")

    rnd = random.Random(seed)
    regions = load_regions()
    counties = regions.all_counties()
    industries = ["信息传输、软件和信息技术服务业", "制造业", "批发和零售业", "建筑业", "教育", "卫生和社会工作",
                  "住宿和餐饮业", "金融业", "采矿业", "农、林、牧、渔业", "文化、体育和娱乐业"]
    n_units = max(20, n_positions // 25)
    now = utcnow().replace(microsecond=0)
    today = clock.today()
    engine = make_engine(url)
    started = time.time()
    with engine.begin() as conn:
        units, accounts, unit_info = [], [], []
        for i in range(1, n_units + 1):
            county = rnd.choice(counties)
            name = f"{regions.get(county.parent).name[:2]}{rnd.choice(UNIT_PREFIX)}{rnd.choice(UNIT_CORE)}" \
                   f"{rnd.choice(UNIT_KIND)}{i}"
            units.append({"id": i, "name": name, "credit_code": f"BENCH{i:013d}", "city_code": county.parent,
                          "county_code": county.code, "created_at": now})
            accounts.append({"id": i, "login_name": f"BENCH{i:013d}", "role": "unit", "name": "联系人",
                             "mobile": "13912345678", "password_hash": "x", "active": True, "unit_id": i,
                             "created_at": now})
            unit_info.append((name, rnd.choice(industries)))
        conn.execute(Unit.__table__.insert(), units)
        conn.execute(Account.__table__.insert(), accounts)
        batch_cases, batch_positions = [], []
        for pid in range(1, n_positions + 1):
            unit_id = rnd.randint(1, n_units)
            unit_name, industry = unit_info[unit_id - 1]
            county = counties[pid % len(counties)] if pid <= len(counties) else rnd.choice(counties)
            pname = rnd.choice(POSITION_WORDS) + rnd.choice(POSITION_SUFFIX)
            major = rnd.choice(MAJORS)
            education = rnd.choices(EDUCATIONS, EDU_WEIGHTS)[0]
            openings = rnd.randint(1, 20)
            roll = rnd.random()
            status, matched = "open", rnd.randint(0, openings - 1)
            deadline = today + timedelta(days=rnd.randint(0, 180)) if rnd.random() < 0.7 else None
            if roll < 0.05:
                deadline = today - timedelta(days=rnd.randint(1, 200))   # expired
            elif roll < 0.08:
                matched = openings                                       # full
            elif roll < 0.10:
                status = "taken_down"
            published = now - timedelta(seconds=rnd.randint(0, 365 * 24 * 3600))
            allowance = rnd.choice([2150, 2200, 2300, 2500, 2600, 2800, 3000, 3200, 3500, 4000])
            data = {"position_name": pname, "openings": openings, "education": education, "major": major,
                    "period_months": rnd.randint(3, 12), "allowance": allowance, "work_city": county.parent,
                    "work_county": county.code, "work_address": f"{county.name}建设路{rnd.randint(1, 999)}号",
                    "description": "参与日常工作，有带教老师指导。", "contact_name": "李老师",
                    "contact_mobile": "13912345678",
                    "deadline": deadline.isoformat() if deadline else None}
            batch_cases.append({"id": pid, "item_key": "post_application", "definition_version": 1,
                                "workflow_key": "review", "state": "approved", "unit_id": unit_id,
                                "account_id": unit_id, "city_code": county.parent, "county_code": county.code,
                                "reference": f"BENCH-{pid:08d}", "data": data, "submitted_month": f"{now:%Y-%m}",
                                "submitted_at": published, "created_at": published, "updated_at": published,
                                "version": 2})
            st = search.search_text(pname, unit_name, major)
            batch_positions.append({
                "id": pid, "case_id": pid, "unit_id": unit_id, "name": pname, "openings": openings,
                "matched": matched, "education": education, "major": major, "industry": industry,
                "period_months": data["period_months"], "allowance": allowance, "city_code": county.parent,
                "county_code": county.code, "address": data["work_address"], "deadline": deadline,
                "status": status, "published_at": published, "search_text": st,
                "search_tokens": search.search_tokens(st)})
            if len(batch_positions) == 5000:
                conn.execute(Case.__table__.insert(), batch_cases)
                conn.execute(Position.__table__.insert(), batch_positions)
                batch_cases, batch_positions = [], []
        if batch_positions:
            conn.execute(Case.__table__.insert(), batch_cases)
            conn.execute(Position.__table__.insert(), batch_positions)
        conn.execute(text("ANALYZE"))
        if engine.dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them for anything inserted later.
            for table in ("units", "accounts", "cases", "positions"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    if engine.dialect.name == "postgresql":
        # What autovacuum would have done by now: the visibility map lets counts use index-only scans.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"units": n_units, "positions": n_positions, "build_seconds": round(time.time() - started, 1)}


# ---------------------------------------------------------------------------
# The server (child process)
# ---------------------------------------------------------------------------

SERVER_CODE = r'''
import logging, sys
from pyramid.config import Configurator
from waitress import serve

def bare_app():
    with Configurator() as config:
        config.add_route("bare", "/bare")
        config.add_view(lambda request: {"ok": True, "items": []}, route_name="bare", renderer="json")
        return config.make_wsgi_app()

def main():
    url, storage, port, threads, cache = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    logging.getLogger("waitress").setLevel(logging.ERROR)  # "Task queue depth" notes are expected under load
    from engine.loader import default_dirs, load_catalogue
    from webapp import make_app
    settings = {"sqlalchemy.url": url, "jianxi.storage_dir": storage,
                "jianxi.session_secret": "bench-only-secret-0123456789abcdef0123456789",
                "retry.attempts": "3", "pyramid.reload_templates": "false", "jianxi.search_cache": cache}
    jianxi = make_app(settings, load_catalogue(*default_dirs()))
    bare = bare_app()

    def dispatch(environ, start_response):
        app = bare if environ.get("PATH_INFO") == "/bare" else jianxi
        return app(environ, start_response)

    print("READY", flush=True)
    serve(dispatch, host="127.0.0.1", port=port, threads=threads, ident=None)

main()
'''


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(url: str, storage: str, threads: int, cache: bool, log_path: Path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-c", SERVER_CODE, url, storage, str(port), str(threads),
                             "true" if cache else "false"],
                            stdout=subprocess.PIPE, stderr=log, env=env, cwd=str(ROOT), text=True)
    proc.log = log
    line = proc.stdout.readline()
    if "READY" not in line:
        proc.kill()
        log.close()
        raise RuntimeError("bench server did not start, see " + str(log_path))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bare")
            conn.getresponse().read()
            conn.close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, port


def _stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.log.close()


# ---------------------------------------------------------------------------
# The load generator: closed loop, C keep-alive connections, fixed duration
# ---------------------------------------------------------------------------

def _load(port: int, paths: list[str], seconds: float, concurrency: int) -> dict:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop_at = time.perf_counter() + seconds
    start_barrier = threading.Barrier(concurrency + 1)

    def worker(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rnd = random.Random(k)
        start_barrier.wait()
        mine = latencies[k]
        while True:
            path = paths[rnd.randrange(len(paths))]
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors[k] += 1
            except (OSError, http.client.HTTPException):
                errors[k] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    start_barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    flat = sorted(x for lst in latencies for x in lst)
    if not flat:
        return {"requests": 0, "errors": sum(errors)}

    def pct(p):
        return round(flat[min(len(flat) - 1, int(p / 100 * len(flat)))] * 1000, 2)
    return {"requests": len(flat), "errors": sum(errors), "rps": round(len(flat) / elapsed, 1),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(flat) * 1000, 2)}


def _query_paths(kind: str, api: bool) -> list[str]:
    from engine.regions import load_regions
    regions = load_regions()
    base = "/api/positions" if api else "/positions"
    cities = regions.cities()
    rnd = random.Random(11)
    params: list[dict] = []
    if kind == "no_filter":
        params = [{}, {"page": "2"}, {"page": "3"}, {"sort": "allowance"}]
    elif kind == "city":
        params = [{"city": c.code} for c in cities]
    elif kind == "city_county_education":
        for _ in range(60):
            c = rnd.choice(cities)
            k = rnd.choice(regions.counties(c.code))
            params.append({"city": c.code, "county": k.code, "education": rnd.choice(["本科", "大专", "不限"])})
    elif kind == "keyword":
        # What people type: job titles, majors, unit names; two-character words included.
        params = [{"q": w} for w in ("会计", "软件开发", "java", "护理", "运维", "晋阳", "数据分析", "平面设计",
                                     "市场营销", "太行科技", "幼儿教师", "电气")]
    return [base + ("?" + urlencode(p) if p else "") for p in params]


KINDS = ("no_filter", "city", "city_county_education", "keyword")


def _measure(port: int, seconds: float, concurrency: int) -> dict:
    runs = {"bare_view": _load(port, ["/bare"], seconds, concurrency)}
    for kind in KINDS:
        runs[f"api_{kind}"] = _load(port, _query_paths(kind, True), seconds, concurrency)
        runs[f"page_{kind}"] = _load(port, _query_paths(kind, False), seconds, concurrency)
    bare = runs["bare_view"].get("rps") or 1
    for name, r in runs.items():
        if name != "bare_view" and r.get("rps"):
            r["rps_vs_bare"] = round(r["rps"] / bare, 3)
    return runs


def _verdict(results: dict) -> dict:
    """The issue's targets, checked on the figures: p95 <= 25 ms for every query kind (cache on and
    off), and the search API's throughput >= 40% of the bare view's measured in the same run."""
    out = {}
    for label, runs in results["runs"].items():
        p95 = {k: r.get("p95_ms") for k, r in runs.items() if k != "bare_view"}
        ratio = {k: r.get("rps_vs_bare") for k, r in runs.items() if k.startswith("api_")}
        out[label] = {"worst_p95_ms": max(v for v in p95.values() if v is not None),
                      "p95_target_met": all(v is not None and v <= 25 for v in p95.values()),
                      "worst_api_rps_vs_bare": min(v for v in ratio.values() if v is not None),
                      "api_throughput_target_met": all(v is not None and v >= 0.4 for v in ratio.values())}
    return out


def _postgres_database(base_url: str):
    """A throw-away database on the PostgreSQL server of base_url: (url, drop())."""
    import uuid

    from sqlalchemy import create_engine, text

    from engine.db import database_url
    base = database_url({"sqlalchemy.url": base_url})
    name = f"jx_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name, drop


def _bench_database(label: str, url: str, n: int, seconds: float, concurrencies: list[int], threads: int,
                    tmp: Path, results: dict) -> None:
    built = _build_database(url, n)
    results["build"][label] = built
    print(f"{label}: built {n} positions in {built['build_seconds']} s", flush=True)
    # With the result cache (as deployed), then without it: every request runs its queries.
    for cache, levels in ((True, concurrencies), (False, [1])):
        proc, port = _start_server(url, str(tmp / "storage"), threads, cache, tmp / "server.log")
        try:
            for kind in KINDS:  # warm up: templates compiled, database pages in memory
                _load(port, _query_paths(kind, False) + _query_paths(kind, True), 1.0, 1)
            _load(port, ["/bare"], 1.0, 1)
            for c in levels:
                name = f"{label}_{'cache' if cache else 'no_cache'}_concurrency_{c}"
                results["runs"][name] = _measure(port, seconds, c)
                print(json.dumps({name: results["runs"][name]}, ensure_ascii=False), flush=True)
        finally:
            _stop_server(proc)


def run(args) -> dict:
    n = int(os.environ.get("BENCH_POSITIONS", 2000 if args.quick else 100_000))
    seconds = float(os.environ.get("BENCH_SECONDS", 2 if args.quick else 8))
    concurrencies = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,4").split(",")]
    postgres = os.environ.get("BENCH_POSTGRES_URL")  # also measure PostgreSQL (no target there)
    threads = 4
    results: dict = {"positions": n,
                     "server": f"waitress, {threads} threads, one process (the Jianxi app and a bare Pyramid "
                               "app with one JSON view, dispatched by path)",
                     "client": "python http.client, one keep-alive connection per thread, closed loop",
                     "seconds_per_measurement": seconds, "build": {}, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="jx-bench-") as tmp:
        _bench_database("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", n, seconds, concurrencies, threads,
                        Path(tmp), results)
        if postgres:
            url, drop = _postgres_database(postgres)
            try:
                _bench_database("postgresql", url, n, seconds, [1], threads, Path(tmp), results)
            finally:
                drop()
    results["targets"] = {"p95_ms_max": 25, "api_rps_vs_bare_min": 0.4, "database": "sqlite"}
    results["verdict"] = _verdict(results)
    return results
