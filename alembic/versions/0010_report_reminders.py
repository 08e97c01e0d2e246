"""Monthly reports' due dates: the reminders sent to units (once per unit, item, month and kind), and two
partial indexes on batch_rows for who reported which month and who is on which roster when.

The indexes make the 缺报名单 and the reminder job index-only ranges at a province's scale (10k units, 100k
agreements, a report row per trainee and month); each row enters at most one of them: a monthly report's
row has a month and no end date, an agreement an end date and no month. `active` is the last column so
that SQLite reads the index alone (it checks the partial condition's terms against the row otherwise).

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FILED = "active AND month IS NOT NULL"
AGREED = "active AND end_date IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "report_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_report_reminders_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reminders")),
        sa.UniqueConstraint("unit_id", "item_key", "month", "kind", name="uq_report_reminders_unit_item_month_kind"),
    )
    op.create_index("ix_batch_rows_filed", "batch_rows", ["item_key", "month", "unit_id", "id_number", "active"],
                    unique=False, sqlite_where=sa.text(FILED), postgresql_where=sa.text(FILED))
    op.create_index("ix_batch_rows_agreed", "batch_rows", ["item_key", "end_date", "start_date", "unit_id",
                                                           "id_number", "active"],
                    unique=False, sqlite_where=sa.text(AGREED), postgresql_where=sa.text(AGREED))


def downgrade() -> None:
    op.drop_index("ix_batch_rows_agreed", table_name="batch_rows")
    op.drop_index("ix_batch_rows_filed", table_name="batch_rows")
    op.drop_table("report_reminders")
