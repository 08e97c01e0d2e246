"""数据统计: stats_rollup holds each figure's counts per series, month, and city and county (and city alone), recounted from the rows by the
workers' statistics_rollup job (engine/stats/rollup.py); the page reads it instead of a million rows.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=6), nullable=False),
        sa.Column("figure", sa.String(length=20), nullable=False),
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollup")),
    )
    op.create_index("ix_stats_rollup_read", "stats_rollup", ["level", "month", "city_code", "county_code"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_stats_rollup_read", table_name="stats_rollup")
    op.drop_table("stats_rollup")
