"""Position search: listed-position indexes, keyword search structures, one active intent, position history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:00:00

SQLite: an FTS5 table ``positions_fts`` over ``positions.search_tokens`` (bigrams, see engine/search.py),
kept in sync by triggers on ``positions``. A later batch migration that recreates ``positions`` on SQLite
(move and copy) drops these triggers: such a migration must recreate them (``_sqlite_fts_triggers``,
``_sqlite_version_triggers``).
Both: ``search_versions``, a counter raised by triggers on every change to positions (and unit names),
which keys the search result cache.
PostgreSQL: a GIN index over ``string_to_array(search_tokens, ' ')`` (the same bigrams). pg_trgm was
considered (and ``CREATE EXTENSION pg_trgm`` works on our server) but has no trigram for the two-character
words most Chinese searches are.
"""
import sqlalchemy as sa
from alembic import op

from engine.search import BIGRAM_INDEX, FTS_TABLE, search_tokens, search_text

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

LISTED_SQL = "status = 'open' AND matched < openings"
_F = ('city_code', 'county_code', 'education', 'industry', 'period_months', 'allowance')
# Partial indexes over listed positions, each carrying every filter column (engine.models.LISTED_INDEXES).
LISTED_INDEXES = (
    ('new', ('published_at', 'deadline', *_F)),
    ('city', ('city_code', 'published_at', 'deadline', 'county_code', 'education', 'industry', 'period_months',
              'allowance')),
    ('county', ('county_code', 'published_at', 'deadline', 'city_code', 'education', 'industry', 'period_months',
                'allowance')),
    ('education', ('education', 'published_at', 'deadline', 'city_code', 'county_code', 'industry',
                   'period_months', 'allowance')),
    ('allowance', ('allowance', 'published_at', 'deadline', 'city_code', 'county_code', 'education', 'industry',
                   'period_months')),
    ('id', ('id', 'published_at', 'deadline', *_F)),
    ('deadline', ('deadline',)),
)


def _sqlite_fts_triggers() -> list[str]:
    return [
        f"""CREATE TRIGGER positions_fts_ai AFTER INSERT ON positions BEGIN
              INSERT INTO {FTS_TABLE}(rowid, search_tokens) VALUES (new.id, new.search_tokens);
            END""",
        f"""CREATE TRIGGER positions_fts_ad AFTER DELETE ON positions BEGIN
              INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_tokens)
                VALUES ('delete', old.id, old.search_tokens);
            END""",
        f"""CREATE TRIGGER positions_fts_au AFTER UPDATE OF search_tokens ON positions BEGIN
              INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_tokens)
                VALUES ('delete', old.id, old.search_tokens);
              INSERT INTO {FTS_TABLE}(rowid, search_tokens) VALUES (new.id, new.search_tokens);
            END""",
    ]


BUMP = "UPDATE search_versions SET version = version + 1 WHERE name = 'positions'"
SQLITE_VERSION_TRIGGERS = ("positions_version_ai", "positions_version_au", "positions_version_ad",
                           "units_version_au")


def _sqlite_version_triggers() -> list[str]:
    """Cached search results are keyed by this counter; the writer's own transaction raises it."""
    return [
        f"CREATE TRIGGER positions_version_ai AFTER INSERT ON positions BEGIN {BUMP}; END",
        f"CREATE TRIGGER positions_version_au AFTER UPDATE ON positions BEGIN {BUMP}; END",
        f"CREATE TRIGGER positions_version_ad AFTER DELETE ON positions BEGIN {BUMP}; END",
        f"CREATE TRIGGER units_version_au AFTER UPDATE OF name ON units BEGIN {BUMP}; END",
    ]


def _postgresql_version_triggers() -> list[str]:
    return [
        f"""CREATE FUNCTION jx_bump_search_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {BUMP}; RETURN NULL; END $$""",
        """CREATE TRIGGER positions_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON positions
            FOR EACH STATEMENT EXECUTE FUNCTION jx_bump_search_version()""",
        """CREATE TRIGGER units_version AFTER UPDATE OF name ON units
            FOR EACH STATEMENT EXECUTE FUNCTION jx_bump_search_version()""",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_tokens', sa.Text(), nullable=False, server_default=''))
    for name, cols in LISTED_INDEXES:
        op.create_index(f'ix_positions_listed_{name}', 'positions', list(cols), unique=False,
                        sqlite_where=sa.text(LISTED_SQL), postgresql_where=sa.text(LISTED_SQL))

    op.create_index('uq_intents_active', 'intents', ['position_id', 'account_id'], unique=True,
                    sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('position_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['accounts.id'], name=op.f('fk_position_events_actor_id_accounts')),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_position_events_position_id_positions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_events'))
    )
    with op.batch_alter_table('position_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_position_events_position_id'), ['position_id'], unique=False)

    op.create_table('search_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_search_versions'))
    )
    op.bulk_insert(sa.table('search_versions', sa.column('name'), sa.column('version')),
                   [{'name': 'positions', 'version': 0}])

    _backfill_search_columns()

    if dialect == 'sqlite':
        op.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_tokens, content='', "
                   "tokenize='unicode61')")
        op.execute(f"INSERT INTO {FTS_TABLE}(rowid, search_tokens) SELECT id, search_tokens FROM positions")
        for ddl in _sqlite_fts_triggers() + _sqlite_version_triggers():
            op.execute(ddl)
    elif dialect == 'postgresql':
        for ddl in _postgresql_version_triggers():
            op.execute(ddl)
        op.execute(f"CREATE INDEX {BIGRAM_INDEX} ON positions USING gin (string_to_array(search_tokens, ' '))")


def _backfill_search_columns() -> None:
    """Rows published before this revision: normalise search_text and compute its tokens."""
    bind = op.get_bind()
    positions = sa.table('positions', sa.column('id'), sa.column('search_text'), sa.column('search_tokens'))
    rows = bind.execute(sa.select(positions.c.id, positions.c.search_text)).all()
    for row in rows:
        normalized = search_text(row.search_text)
        bind.execute(positions.update().where(positions.c.id == row.id).values(
            search_text=normalized, search_tokens=search_tokens(normalized)))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ('positions_fts_ai', 'positions_fts_ad', 'positions_fts_au', *SQLITE_VERSION_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == 'postgresql':
        op.execute(f"DROP INDEX IF EXISTS {BIGRAM_INDEX}")
        op.execute("DROP TRIGGER IF EXISTS positions_version ON positions")
        op.execute("DROP TRIGGER IF EXISTS units_version ON units")
        op.execute("DROP FUNCTION IF EXISTS jx_bump_search_version()")
    op.drop_table('search_versions')
    with op.batch_alter_table('position_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_position_events_position_id'))
    op.drop_table('position_events')
    op.drop_index('uq_intents_active', table_name='intents')
    for name, _cols in reversed(LISTED_INDEXES):
        op.drop_index(f'ix_positions_listed_{name}', table_name='positions')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('search_tokens')
