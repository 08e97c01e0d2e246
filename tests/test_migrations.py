from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.models import Base


def _not_dialect_only(name, type_, parent_names):
    # Keyword-search structures made by raw SQL (SQLite FTS5 table + shadow tables, PostgreSQL trigram
    # index) cannot be described by the models; engine/search.py lists them.
    from engine.search import DIALECT_ONLY_OBJECTS
    return not (name or "").startswith(DIALECT_ONLY_OBJECTS)


def test_migrations_match_the_models(db_engine):
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": _not_dialect_only}),
                                Base.metadata)
    assert diff == []
