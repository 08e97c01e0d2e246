"""A server killed (SIGKILL) in the middle of a 100,000-row import: afterwards all of it or none of it, and the app serves."""
import http.client
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from engine.batch.template import filled_workbook
from engine.models import BatchImport, BatchRow, Case, Position
from tests import factories as f
from tests.data import batch_rows
from tests.system.conftest import Client, wait_for

ROWS = 100_000
POSITIONS = [f"见习岗位{i:03d}" for i in range(ROWS // 999 + 2)]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory, catalogue) -> Path:
    path = tmp_path_factory.mktemp("import") / "match-100k.xlsx"
    path.write_bytes(filled_workbook(catalogue.item("match_report"), batch_rows.match_rows(ROWS, POSITIONS), POSITIONS))
    return path


@pytest.fixture
def unit(dbsession, catalogue, storage):
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    account = f.unit_account(dbsession, name="山西晋阳智能科技有限公司")
    f.approved_unit(dbsession, catalogue, storage, account, province)
    for name in POSITIONS:
        f.published_position(dbsession, catalogue, account, province, position_name=name, openings=999)
    dbsession.commit()
    return account


def _start_import(process, unit, big_file, headers=None):
    """The upload in a thread, as a browser would send it; returns the thread and what it got back."""
    client = Client()
    client.login(process.url, "unit", unit.login_name, f.PASSWORD)
    outcome = {}

    def run():
        try:
            outcome["answer"] = client.upload(process.url + "/api/items/match_report/imports", "file", big_file.name,
                                              big_file.read_bytes(), headers=headers, timeout=300)
        except (OSError, http.client.HTTPException) as e:  # the server dies under it: that is the point
            outcome["error"] = e
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _rows_being_inserted(db_engine, is_postgres, database) -> bool:
    """True once the import's transaction holds uncommitted batch rows."""
    if is_postgres:
        with db_engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE 'INSERT INTO batch_rows%'")))
    wal = Path(database.removeprefix("sqlite:///") + "-wal")
    return wal.exists() and wal.stat().st_size > 4 * 1024 * 1024   # several chunks of rows in the log, not committed


def _nothing_written(dbsession, unit):
    dbsession.rollback()
    assert dbsession.scalar(select(func.count()).select_from(BatchRow)) == 0
    assert dbsession.scalar(select(func.count()).select_from(BatchImport)) == 0
    assert dbsession.scalar(select(func.count()).select_from(Case).where(Case.item_key == "match_report")) == 0
    assert set(dbsession.scalars(select(Position.matched).where(Position.unit_id == unit.unit_id))) == {0}


@pytest.mark.parametrize("moment", ["while inserting rows", "after every row, before the commit"])
def test_server_killed_mid_import_keeps_none_of_it_and_the_next_import_lands(
        moment, spawn, fault_marker, dbsession, unit, big_file, db_engine, is_postgres, database):
    if not is_postgres:  # an empty write-ahead log, so its growth shows the import's own inserts
        dbsession.rollback()
        with db_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0] == 0
    a = spawn()
    if moment == "while inserting rows":
        thread, outcome = _start_import(a, unit, big_file)
        deadline = time.time() + 240
        while not _rows_being_inserted(db_engine, is_postgres, database):
            assert time.time() < deadline and thread.is_alive(), f"the import never reached its inserts: {outcome}"
            time.sleep(0.02)
    else:
        thread, outcome = _start_import(a, unit, big_file, headers={"X-Jianxi-Pause-Before-Commit": "30"})
        wait_for(fault_marker, "/api/items/match_report/imports", timeout=240)
    a.kill()
    thread.join(30)
    assert "answer" not in outcome, "the import finished before the kill; nothing was tested"

    _nothing_written(dbsession, unit)
    b = spawn()  # restart on the same database: it serves, and the same file imports in full
    client = Client()
    client.login(b.url, "unit", unit.login_name, f.PASSWORD)
    status, body = client.upload(b.url + "/api/items/match_report/imports", "file", big_file.name,
                                 big_file.read_bytes(), timeout=300)
    assert status == 201, body
    assert body["rows"] == ROWS
    dbsession.rollback()  # a new snapshot: the one read above predates the import
    assert dbsession.scalar(select(func.count()).select_from(BatchRow).where(BatchRow.active.is_(True))) == ROWS
    assert dbsession.scalar(select(func.sum(Position.matched)).where(Position.unit_id == unit.unit_id)) == ROWS
