"""Fixtures shared by the whole suite.

The database is SQLite by default; with DATABASE_URL pointing at a PostgreSQL server the suite
creates its own database there, migrates it with Alembic, and drops it at the end. Data is
committed for real (as in production) and every table but the reference data is emptied after
each test.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
os.environ.setdefault("JIANXI_FAST_PASSWORD_HASH", "1")  # before engine.accounts.passwords is imported

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from engine.db import database_url, make_engine, make_session_factory
from engine.loader import default_dirs, load_catalogue
from engine.models import Base

ROOT = Path(__file__).resolve().parent.parent
KEEP = {"regions", "alembic_version", "search_versions"}  # search_versions: one counter row, seeded by 0002


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """URL of a fresh, migrated database for this run."""
    given = os.environ.get("DATABASE_URL")
    if given and given.startswith(("postgres", "postgresql")):
        base = database_url({"sqlalchemy.url": given})
        name = f"jx_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + "/" + name
    else:
        admin, name = None, None
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")
    yield url
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def db_engine(database):
    engine = make_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(database) -> bool:
    return database.startswith("postgresql")


def _empty_tables(engine) -> None:
    from sqlalchemy import inspect
    present = set(inspect(engine).get_table_names())
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP and t.name in present]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def session_factory(db_engine):
    yield make_session_factory(db_engine)
    _empty_tables(db_engine)


@pytest.fixture
def dbsession(session_factory):
    session = session_factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(*default_dirs())


@pytest.fixture(scope="session")
def storage_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("storage")


@pytest.fixture(scope="session")
def app_settings(database, storage_dir):
    return {
        "sqlalchemy.url": database,
        "jianxi.storage_dir": str(storage_dir),
        "jianxi.session_secret": "testing-only-secret-0123456789abcdef0123456789",
        "jianxi.session_idle_minutes": "30",
        # Staff sign in with a password here; tests/webapp/test_second_factor.py builds apps that require codes.
        "jianxi.staff_totp": "optional",
        "jianxi.import_max_rows": "100000",
        "jianxi.import_max_mb": "20",
        "retry.attempts": "3",
    }


@pytest.fixture(scope="session")
def wsgi_app(app_settings, catalogue):
    from webapp import make_app
    app = make_app(dict(app_settings), catalogue)
    yield app
    # Pooled connections closed here, not by the garbage collector (a ResourceWarning on PostgreSQL).
    app.registry["db_engine"].dispose()


@pytest.fixture
def testapp(wsgi_app, session_factory):
    from webtest import TestApp
    return TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def storage(storage_dir):
    from engine.storage import FileStorage
    return FileStorage(storage_dir)


@pytest.fixture
def clock_at():
    """clock_at(datetime) makes engine.clock pretend it is that time (naive = UTC) for the rest of the test."""
    from engine import clock
    yield clock.set_now
    clock.set_now(None)


@pytest.fixture
def real_clock_at(monkeypatch):
    """real_clock_at(datetime) makes engine.clock.real_utcnow (session timers) answer that naive UTC time."""
    from engine import clock
    state = {"at": clock.real_utcnow()}    # held at the moment the test started until moved
    monkeypatch.setattr(clock, "real_utcnow", lambda: state["at"])

    def move(when):
        state["at"] = when
    return move


# ---- notices: a real SMTP server and a fake SMS gateway on 127.0.0.1, and a worker's round in process ----

@pytest.fixture
def smtp_server():
    from tests.mailboxes import SmtpServer
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def sms_gateway():
    from tests.mailboxes import FakeSmsGateway
    gateway = FakeSmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def notice_settings(smtp_server, sms_gateway):
    """The settings of a worker that sends to this test's SMTP server and SMS gateway, retrying at once."""
    from engine.notices.config import from_settings
    return from_settings({"jianxi.public_url": "http://jianxi.test", **smtp_server.settings(),
                          **sms_gateway.settings(), "jianxi.notices.retry_base_seconds": "0"}, environ={})


@pytest.fixture
def deliver(session_factory, notice_settings):
    """deliver() sends everything due, as one worker would; returns how many deliveries it handled."""
    from engine.notices.delivery import deliver_all

    def run(settings=None):
        return deliver_all(session_factory, settings or notice_settings)
    return run


# ---- the unified login: a real OpenID provider on 127.0.0.1 (tests/oidc_provider.py) ----

@pytest.fixture(scope="session")
def oidc_app_port():
    """The port the browser suite serves its unified-login app on, registered at the provider beforehand."""
    from tests.oidc_provider import free_port
    return free_port()


@pytest.fixture(scope="session")
def oidc_provider(oidc_app_port):
    from tests.oidc_provider import OidcProvider
    browser = f"http://127.0.0.1:{oidc_app_port}"
    provider = OidcProvider([f"http://localhost/login/unified/callback", f"{browser}/login/unified/callback"],
                            ["http://localhost/", f"{browser}/"]).start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(oidc_provider):
    """The provider, answering as it should at the start and the end of the test."""
    oidc_provider.mode()
    yield oidc_provider
    oidc_provider.mode()
