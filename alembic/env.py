"""Alembic owns the schema. URL: DATABASE_URL, else sqlalchemy.url of the ini named by `-x ini=...`."""
from __future__ import annotations

from configparser import ConfigParser
from pathlib import Path

from alembic import context

from engine.db import database_url, make_engine
from engine.models import Base

config = context.config


def _settings() -> dict:
    ini = context.get_x_argument(as_dictionary=True).get("ini", "development.ini")
    path = Path(ini)
    if not path.exists():
        return {}
    parser = ConfigParser(defaults={"here": str(path.resolve().parent)})
    parser.read(path, encoding="utf-8")
    return dict(parser.items("app:main")) if parser.has_section("app:main") else {}


def run_migrations_online() -> None:
    url = config.attributes.get("url") or database_url(_settings())
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
