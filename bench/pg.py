"""A throw-away PostgreSQL database for a benchmark's PostgreSQL half, on the server the environment names; migrating
a benchmark's database."""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.db import database_url

DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_server() -> str:
    """BENCH_PG_URL, else DATABASE_URL if it names PostgreSQL, else the local server."""
    given = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL") or DEFAULT
    if not given.startswith(("postgres", "postgresql")):
        given = DEFAULT
    return database_url({"sqlalchemy.url": given})


class NoServer(Exception):
    """No PostgreSQL server could be reached: the benchmark reports its PostgreSQL half as skipped."""


@contextmanager
def throwaway_database():
    """The URL of a new, empty database, dropped afterwards. NoServer if the database cannot be created."""
    base = pg_server()
    name = f"jx_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001 - any failure to reach the server means the same here
        admin.dispose()
        raise NoServer(f"no PostgreSQL server reachable ({type(e).__name__})") from e
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_both(measure, filename: str, what: str = "") -> dict:
    """A benchmark's two halves: {"sqlite": measure(url, folder), "postgresql": measure(url, folder)}, each on a
    database made for it (an SQLite file in a temporary folder, a throw-away PostgreSQL database), the
    PostgreSQL half reported as skipped when no server can be reached."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="jx-bench-") as tmp:
        print(f"sqlite: {what}…", flush=True)
        out["sqlite"] = measure(f"sqlite:///{Path(tmp) / filename}", tmp)
        try:
            with throwaway_database() as pg:
                print(f"postgresql: {what}…", flush=True)
                out["postgresql"] = measure(pg, tmp)
        except NoServer as e:
            out["postgresql"] = {"skipped": str(e)}
    return out


def migrate(url: str) -> None:
    """Bring a benchmark's database (SQLite or PostgreSQL) to the newest schema with Alembic."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    root = Path(__file__).resolve().parent.parent
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "heads")
