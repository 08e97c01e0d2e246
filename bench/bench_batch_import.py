"""Excel batch import of a 100,000-row match report, end to end over HTTP, next to a floor and a naive path.

Every measured path runs in a fresh child process on a fresh, migrated SQLite database in the same state
(an approved unit with enough open positions, and 20,000 earlier agreements of other people reported by
another unit, so the overlap check searches real rows), and reports its own peak RSS:

- end to end: the Jianxi app under waitress on 127.0.0.1; this process logs in with POST /api/session and
  uploads the file to POST /api/items/match_report/imports; timed from the first byte sent to the 201.
- 1%-bad: the same with 1% of the rows broken in six different ways; it must answer 422 with every error.
- floor: python-calamine read + the same cell conversion + fastjsonschema (the item schema with the same
  format checks) + SQLAlchemy Core executemany of the rows into batch_rows, one transaction.
- naive: openpyxl in normal mode + jsonschema per row (same schema and format checks) + an ORM add per row.

Targets: end to end <= 1.5x floor, >= 8x faster than naive, peak RSS <= 250 MiB, 1%-bad <= 2x clean.
Run: `make bench BENCH_ARGS=batch_import` (or `.venv/bin/python -m bench batch_import [--quick]`).
Environment: BENCH_BATCH_ROWS (default 100000; 2000 with --quick).
"""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OTHER_AGREEMENTS = 20_000
TODAY = date(2026, 11, 28)  # the generated agreements are checked as of this day, whatever the clock says


def _positions(n: int) -> list[str]:
    return [f"见习岗位{i:03d}" for i in range(n // 999 + 2)]


# ---- the database every path starts from ----------------------------------------------

def build_database(path: Path, storage_dir: Path, n_rows: int) -> dict:
    """A migrated SQLite file with an approved unit, its open positions and other units' agreements."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select

    from engine.batch.store import row_key
    from engine.cases.lifecycle import new_case
    from engine.db import make_engine, make_session_factory
    from engine.loader import default_dirs, load_catalogue
    from engine.models import BatchRow, Position
    from engine.storage import FileStorage
    from tests import factories as f
    from tests.data import batch_rows

    url = f"sqlite:///{path}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "heads")
    catalogue = load_catalogue(*default_dirs())
    engine = make_engine(url)
    session = make_session_factory(engine)()
    storage = FileStorage(storage_dir)
    province = f.reviewer(session, login="sheng", jurisdiction="140000")
    unit = f.unit_account(session, name="山西晋阳智能科技有限公司")
    f.approved_unit(session, catalogue, storage, unit, province)
    for name in _positions(n_rows):
        f.published_position(session, catalogue, unit, province, position_name=name, openings=999)
    other = f.unit_account(session, name="大同云冈文旅发展有限公司")
    f.approved_unit(session, catalogue, storage, other, province)
    other_position = f.published_position(session, catalogue, other, province, position_name="文旅见习生")
    item = catalogue.item("match_report")
    case = new_case(session, catalogue, item, other)
    session.flush()
    earlier = batch_rows.match_rows(OTHER_AGREEMENTS, [other_position.name], seed=2, first=n_rows + 10)
    payload = []
    for i, d in enumerate(earlier):
        d = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}
        payload.append({"case_id": case.id, "item_key": item.key, "unit_id": other.unit_id, "row_number": i + 2,
                        "row_key": row_key(item, d), "id_number": d["id_number"], "month": None,
                        "start_date": date.fromisoformat(d["start_date"]),
                        "end_date": date.fromisoformat(d["end_date"]), "position_id": other_position.id,
                        "active": True, "data": d})
    session.execute(BatchRow.__table__.insert(), payload)
    session.commit()
    info = {"login": unit.login_name, "unit_id": unit.unit_id, "account_id": unit.id,
            "positions": session.scalar(select(Position.id).where(Position.unit_id == unit.unit_id).limit(1))}
    session.close()
    engine.dispose()
    return info


# ---- the files -----------------------------------------------------------------------

def make_files(folder: Path, n_rows: int) -> tuple[Path, Path, int]:
    """The clean file and the 1%-bad one; returns their paths and how many errors the bad one holds."""
    from engine.batch.template import filled_workbook
    from engine.loader import default_dirs, load_catalogue
    from tests.data import batch_rows

    item = load_catalogue(*default_dirs()).item("match_report")
    names = _positions(n_rows)
    rows = batch_rows.match_rows(n_rows, names)
    clean = folder / f"match-{n_rows}.xlsx"
    clean.write_bytes(filled_workbook(item, rows, names))
    errors = 0
    for k, i in enumerate(range(50, n_rows, 100)):  # 1% of the rows, one mistake each, six kinds
        row = rows[i]
        kind = k % 6
        if kind == 0:
            row["id_number"] = row["id_number"][:17] + ("0" if row["id_number"][17] != "0" else "1")
        elif kind == 1:
            row["mobile"] = "1234567"
        elif kind == 2:
            row["position"] = "不存在的岗位"
        elif kind == 3:
            row["end_date"] = date(row["start_date"].year - 1, 1, 1)
        elif kind == 4:
            row["allowance"] = 1000
        else:
            row["id_number"] = rows[i - 1]["id_number"]
        errors += 1
    bad = folder / f"match-{n_rows}-bad.xlsx"
    bad.write_bytes(filled_workbook(item, rows, names))
    return clean, bad, errors


# ---- child processes ---------------------------------------------------------------------

def _peak_rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(argv: list[str], timeout: int = 3600) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bench_batch_import", *argv], cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def serve(db: str, storage: str) -> None:
    """Child: the app under waitress; prints the port, then serves until killed."""
    from waitress import create_server

    from engine.loader import default_dirs, load_catalogue
    from webapp import make_app
    settings = {"sqlalchemy.url": f"sqlite:///{db}", "jianxi.storage_dir": storage,
                "jianxi.session_secret": "bench-only-secret-0123456789abcdef0123456789",
                "jianxi.import_max_rows": "100000", "jianxi.import_max_mb": "20", "retry.attempts": "1"}
    app = make_app(settings, load_catalogue(*default_dirs()))
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    print(server.socket.getsockname()[1], flush=True)
    server.run()


def _multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def end_to_end(db: Path, storage: Path, path: Path, login: str) -> dict:
    """Start a server on db, log in, upload the file; seconds from request to answer and the server's peak RSS."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_batch_import", "serve", str(db), str(storage)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        port = int(proc.stdout.readline())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        from tests.factories import PASSWORD
        conn.request("POST", "/api/session", json.dumps({"kind": "unit", "login": login, "password": PASSWORD}),
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        body = json.loads(r.read())
        assert r.status == 200, body
        cookie = r.getheader("Set-Cookie").split(";", 1)[0]
        payload, ctype = _multipart(path.name, path.read_bytes())
        try:  # the login's argon2 hash is not part of the import: restart the peak-RSS count here
            with open(f"/proc/{proc.pid}/clear_refs", "w") as fh:
                fh.write("5")
        except OSError:
            pass
        started = time.perf_counter()
        conn.request("POST", "/api/items/match_report/imports", payload,
                     {"Content-Type": ctype, "Cookie": cookie, "X-CSRF-Token": body["csrf_token"]})
        r = conn.getresponse()
        answer = json.loads(r.read())
        seconds = time.perf_counter() - started
        with open(f"/proc/{proc.pid}/status") as fh:
            rss = next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:"))
        conn.close()
        return {"status": r.status, "seconds": seconds, "peak_rss_mib": rss, "answer": answer}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _cells(item):
    """The minimal conversion any path needs: Excel dates to ISO text, whole floats to ints."""
    from datetime import datetime
    keys = [f.key for f in item.fields]

    def row(values):
        d = {}
        for k, v in zip(keys, values):
            if v == "" or v is None:
                continue
            if isinstance(v, datetime):
                v = v.date().isoformat()
            elif isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            d[k] = v
        return d
    return row


def _target_case(db: str, info: dict):
    """A case to hang the rows on (batch_rows.case_id is a foreign key); not timed."""
    from engine.db import make_engine, make_session_factory
    from engine.loader import default_dirs, load_catalogue
    from engine.models import Account
    from engine.cases.lifecycle import new_case
    engine = make_engine(f"sqlite:///{db}")
    session = make_session_factory(engine)()
    catalogue = load_catalogue(*default_dirs())
    account = session.get(Account, info["account_id"])
    case = new_case(session, catalogue, catalogue.item("match_report"), account)
    session.commit()
    return engine, session, catalogue, case.id


def floor(db: str, path: str, info_json: str) -> None:
    """Child: calamine + conversion + fastjsonschema + Core executemany, one transaction."""
    import fastjsonschema
    import python_calamine

    from engine.batch.importer import fast_formats
    from engine.batch.store import row_key
    from engine.models import BatchRow
    from engine.rules import RuleContext
    info = json.loads(info_json)
    engine, session, catalogue, case_id = _target_case(db, info)
    item = catalogue.item("match_report")
    validator = fastjsonschema.compile(item.schema, formats=fast_formats(RuleContext(today=TODAY)))
    convert = _cells(item)
    data = Path(path).read_bytes()
    started = time.perf_counter()
    sheet = python_calamine.CalamineWorkbook.from_filelike(__import__("io").BytesIO(data)).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)
    clean = []
    for values in rows:
        d = convert(values)
        validator(d)
        clean.append(d)
    del sheet, rows
    insert = BatchRow.__table__.insert()
    with engine.begin() as conn:
        chunk = []
        for n, d in enumerate(clean, start=2):
            chunk.append({"case_id": case_id, "item_key": item.key, "unit_id": info["unit_id"], "row_number": n,
                          "row_key": row_key(item, d), "id_number": d["id_number"], "month": None,
                          "start_date": date.fromisoformat(d["start_date"]),
                          "end_date": date.fromisoformat(d["end_date"]), "position_id": None, "active": True,
                          "data": d})
            if len(chunk) == 5000:
                conn.execute(insert, chunk)
                chunk = []
        if chunk:
            conn.execute(insert, chunk)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": len(clean), "peak_rss_mib": _peak_rss_mib()}))


def naive(db: str, path: str, info_json: str) -> None:
    """Child: openpyxl normal mode + jsonschema per row + an ORM add per row."""
    import openpyxl
    from jsonschema import Draft202012Validator, FormatChecker

    from engine.batch.importer import fast_formats
    from engine.models import BatchRow
    from engine.rules import RuleContext
    info = json.loads(info_json)
    engine, session, catalogue, case_id = _target_case(db, info)
    item = catalogue.item("match_report")
    checker = FormatChecker(formats=())
    for name, fn in fast_formats(RuleContext(today=TODAY)).items():
        checker.checks(name)(fn)
    validator = Draft202012Validator(item.schema, format_checker=checker)
    convert = _cells(item)
    started = time.perf_counter()
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    n = 0
    for n, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        d = convert(values)
        errors = list(validator.iter_errors(d))
        assert not errors, errors
        session.add(BatchRow(case_id=case_id, item_key=item.key, unit_id=info["unit_id"], row_number=n,
                             row_key=f"{d['id_number']}|{d['start_date']}", id_number=d["id_number"],
                             start_date=date.fromisoformat(d["start_date"]),
                             end_date=date.fromisoformat(d["end_date"]), active=True, data=d))
    session.commit()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": n - 1, "peak_rss_mib": _peak_rss_mib()}))


def prepare(db: str, storage: str, n_rows: str) -> None:
    print(json.dumps(build_database(Path(db), Path(storage), int(n_rows))))


# ---- the run ---------------------------------------------------------------------------------

def run(args) -> dict:
    quick = getattr(args, "quick", False)
    n = int(os.environ.get("BENCH_BATCH_ROWS") or (2000 if quick else 100_000))
    repeats = int(os.environ.get("BENCH_REPEATS") or (1 if quick else 3))
    naive_repeats = min(repeats, int(os.environ.get("BENCH_NAIVE_REPEATS") or 2))
    work = Path(tempfile.mkdtemp(prefix="jx-bench-batch-"))
    t = time.time()
    clean, bad, expected_errors = make_files(work, n)
    generated = time.time() - t
    print(f"files generated in {generated:.1f}s ({clean.stat().st_size / 2**20:.1f} MiB)", flush=True)

    base_db, base_files = work / "base.sqlite", work / "base-files"
    info = _child(["prepare", str(base_db), str(base_files), str(n)])
    previous: list[Path] = []

    def fresh():
        """A copy of the prepared database (and its files) for one measurement; the last copy is removed."""
        import shutil
        for p in previous:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        db, files = work / "run.sqlite", work / "run-files"
        for extra in ("-wal", "-shm"):
            Path(str(db) + extra).unlink(missing_ok=True)
        shutil.copyfile(base_db, db)
        shutil.copytree(base_files, files)
        previous[:] = [db, files]
        return db, files

    # Interleaved repeats, best of each: the machine may be shared, and noise only ever adds time.
    e2e_runs, bad_runs, floor_runs, naive_runs = [], [], [], []
    for r in range(repeats):
        db, files = fresh()
        run_ = end_to_end(db, files, clean, info["login"])
        assert run_["status"] == 201 and run_["answer"]["rows"] == n, run_["answer"]
        e2e_runs.append(run_)
        db, files = fresh()
        run_ = end_to_end(db, files, bad, info["login"])
        assert run_["status"] == 422 and run_["answer"]["total"] == expected_errors, run_["answer"].get("total")
        bad_runs.append(run_)
        db, files = fresh()
        floor_runs.append(_child(["floor", str(db), str(clean), json.dumps(info)]))
        if r < naive_repeats:
            db, files = fresh()
            naive_runs.append(_child(["naive", str(db), str(clean), json.dumps(info)]))
        print(f"round {r + 1}: end to end {e2e_runs[-1]['seconds']:.2f}s ({e2e_runs[-1]['peak_rss_mib']:.0f} MiB), "
              f"1%-bad {bad_runs[-1]['seconds']:.2f}s, floor {floor_runs[-1]['seconds']:.2f}s"
              + (f", naive {naive_runs[-1]['seconds']:.2f}s" if r < naive_repeats else ""), flush=True)

    def best(runs):
        return min(runs, key=lambda x: x["seconds"])

    e2e, bad_run, fl, nv = best(e2e_runs), best(bad_runs), best(floor_runs), best(naive_runs)
    reported = bad_run["answer"]["total"]

    def fig(seconds, rss):
        return {"seconds": round(seconds, 2), "rows_per_second": round(n / seconds), "peak_rss_mib": round(rss, 1)}

    results = {
        "rows": n, "file_mib": round(clean.stat().st_size / 2**20, 2), "database": "sqlite",
        "repeats": {"end_to_end_and_floor": repeats, "naive": naive_repeats, "figure": "best of the repeats"},
        "all_seconds": {"end_to_end": [round(x["seconds"], 2) for x in e2e_runs],
                        "one_percent_bad": [round(x["seconds"], 2) for x in bad_runs],
                        "floor": [round(x["seconds"], 2) for x in floor_runs],
                        "naive": [round(x["seconds"], 2) for x in naive_runs]},
        "peak_rss_mib_all_end_to_end": [round(x["peak_rss_mib"], 1) for x in e2e_runs],
        "end_to_end_http": fig(e2e["seconds"], max(x["peak_rss_mib"] for x in e2e_runs)),
        "floor_calamine_fastjsonschema_core": fig(fl["seconds"], fl["peak_rss_mib"]),
        "naive_openpyxl_jsonschema_orm": fig(nv["seconds"], nv["peak_rss_mib"]),
        "one_percent_bad_http": {**fig(bad_run["seconds"], bad_run["peak_rss_mib"]), "errors_reported": reported,
                                 "errors_expected": expected_errors},
        "ratios": {
            "end_to_end_over_floor": round(e2e["seconds"] / fl["seconds"], 2),
            "naive_over_end_to_end": round(nv["seconds"] / e2e["seconds"], 1),
            "bad_over_clean": round(bad_run["seconds"] / e2e["seconds"], 2),
            # For reading the two targets together: end to end cannot be more than this many times faster than
            # naive without being faster than the floor.
            "naive_over_floor": round(nv["seconds"] / fl["seconds"], 1),
        },
        "targets": {"end_to_end_over_floor": "<= 1.5", "naive_over_end_to_end": ">= 8",
                    "peak_rss_mib": "<= 250", "bad_over_clean": "<= 2"},
        "files_generated_seconds": round(generated, 1),
    }
    if not getattr(args, "keep", False):
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    {"serve": serve, "floor": floor, "naive": naive, "prepare": prepare}[command](*rest)
