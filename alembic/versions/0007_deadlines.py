"""Time limits: each case's running clock (deadline_on, clock, clock_round) with partial indexes for the
queue by deadline and for the scan; the crossings recorded by the scan; the administrators' calendar days

deadline_on is set only while a clock runs, so the (region, state, deadline_on, id, ...) indexes hold only
waiting cases and stay small beside the million finished ones. Cases already waiting when this runs get
their clock from `jianxi deadlines-scan` (docs/operations.md), which reads the time limits in workflows/.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RUNNING = "deadline_on IS NOT NULL"
QUEUE = ["deadline_on", "id", "submitted_at", "item_key", "submitted_month"]
REGIONS = (("state", []), ("city", ["city_code"]), ("county", ["county_code"]))


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("clock", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("clock_round", sa.Integer(), server_default="0", nullable=False))
    for name, lead in REGIONS:
        op.create_index(f"ix_cases_{name}_deadline", "cases", [*lead, "state", *QUEUE], unique=False,
                        sqlite_where=sa.text(RUNNING), postgresql_where=sa.text(RUNNING))
    op.create_index("ix_cases_deadline", "cases", ["deadline_on"], unique=False,
                    sqlite_where=sa.text(RUNNING), postgresql_where=sa.text(RUNNING))
    op.create_table(
        "deadline_crossings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock_round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_deadline_crossings_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_crossings")),
        sa.UniqueConstraint("case_id", "clock_round", "kind", name="uq_deadline_crossings_case_round_kind"),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["accounts.id"], name=op.f("fk_calendar_days_updated_by_accounts")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )


def downgrade() -> None:
    op.drop_table("calendar_days")
    op.drop_table("deadline_crossings")
    op.drop_index("ix_cases_deadline", table_name="cases")
    for name, _ in reversed(REGIONS):
        op.drop_index(f"ix_cases_{name}_deadline", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("clock_round")
        batch_op.drop_column("clock")
        batch_op.drop_column("deadline_on")
