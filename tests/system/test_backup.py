"""docs/operations.md, run: pg_dump + storage copy, restore into a new database, find everything again."""
import hashlib
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from engine.models import Attachment, Case, CaseEvent
from engine.storage import FileStorage
from tests import factories as f


def test_backup_and_restore_keep_every_case_event_and_file(dbsession, catalogue, storage, database, is_postgres,
                                                           tmp_path):
    if not is_postgres:
        pytest.skip("pg_dump / pg_restore need PostgreSQL; runs in .ci/run's PostgreSQL pass")
    province = f.reviewer(dbsession, login="sheng", jurisdiction="140000")
    for i in range(3):
        unit = f.unit_account(dbsession, name=f"备份测试单位{i}")
        case = f.submitted_unit_application(dbsession, catalogue, storage, unit)
        if i:
            from engine.cases.lifecycle import transition
            transition(dbsession, catalogue, case, "approve", province, comment=f"同意{i}")
    dbsession.commit()
    cases = {c.id: (c.state, c.reference) for c in dbsession.scalars(select(Case))}
    events = dbsession.scalar(select(func.count()).select_from(CaseEvent))
    files = {a.storage_key: a.sha256 for a in dbsession.scalars(select(Attachment))}
    assert len(cases) == 3 and len(files) == 9

    libpq_url = database.replace("postgresql+psycopg://", "postgresql://")
    dump = tmp_path / "jianxi.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq_url], check=True)
    storage_copy = tmp_path / "storage-copy"
    shutil.copytree(storage.root, storage_copy)

    name = f"jx_restore_{uuid.uuid4().hex[:8]}"
    server = libpq_url.rsplit("/", 1)[0]
    admin = create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={server}/{name}", str(dump)], check=True)
        restored = create_engine(database.rsplit("/", 1)[0] + "/" + name)
        with restored.connect() as conn:
            got = {row.id: (row.state, row.reference) for row in conn.execute(select(Case.id, Case.state, Case.reference))}
            assert got == cases
            assert conn.scalar(select(func.count()).select_from(CaseEvent)) == events
            keys = dict(conn.execute(select(Attachment.storage_key, Attachment.sha256)).all())
        restored.dispose()
        assert keys == files
        restored_store = FileStorage(storage_copy)
        for key, sha in keys.items():
            assert hashlib.sha256(restored_store.read(key)).hexdigest() == sha
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
