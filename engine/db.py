"""Engine and session factories for SQLite (embedded default) and PostgreSQL (production)."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker


def database_url(settings: dict | None = None) -> str:
    """DATABASE_URL wins over the ini, so one build serves a laptop and a cluster."""
    url = os.environ.get("DATABASE_URL") or (settings or {}).get("sqlalchemy.url")
    if not url:
        raise RuntimeError("未配置数据库：请设置 DATABASE_URL 或 ini 中的 sqlalchemy.url")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, **kw) -> Engine:
    # A database error's text never carries the values bound to its statement: they are ID numbers,
    # mobiles and password hashes, and the text ends up in the server log (docs/privacy.md).
    kw.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # Reads through the OS page cache shared by every pooled connection, instead of each
            # connection's small private cache (position search scans ~100k index entries).
            cur.execute("PRAGMA mmap_size=268435456")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock up front and queue behind busy_timeout; a deferred
            # transaction that read first would instead fail at once when another process commits.
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kw.setdefault("pool_pre_ping", True)
    kw.setdefault("pool_size", 10)
    return create_engine(url, **kw)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def writer_engine(engine: Engine) -> Engine:
    """The same pool, marked so that SQLite transactions begin IMMEDIATE (no effect on PostgreSQL)."""
    return engine.execution_options(sqlite_immediate=True)
