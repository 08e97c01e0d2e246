"""见习补贴: a claim's computation (subsidy_claims) and its lines (claim_lines), amounts in fen

"No trainee-month is ever paid twice" is held by the database: a partial unique index on (id_number, month)
over the counted lines (paid lines of submitted claims; a rejection or a return uncounts them), the same on
SQLite and PostgreSQL.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTED = "counted"


def upgrade() -> None:
    op.create_table(
        "subsidy_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("scheme_key", sa.String(length=40), nullable=False),
        sa.Column("scheme_versions", sa.JSON(), nullable=False),
        sa.Column("period_from", sa.String(length=7), nullable=False),
        sa.Column("period_to", sa.String(length=7), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("paid_count", sa.Integer(), nullable=False),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_subsidy_claims_case_id_cases")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_subsidy_claims_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_claims")),
        sa.UniqueConstraint("case_id", name=op.f("uq_subsidy_claims_case_id")),
    )
    op.create_index(op.f("ix_subsidy_claims_unit_id"), "subsidy_claims", ["unit_id"], unique=False)
    op.create_table(
        "claim_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("agreement_start", sa.Date(), nullable=False),
        sa.Column("scheme_version", sa.Integer(), nullable=True),
        sa.Column("flag", sa.String(length=12), nullable=True),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("paid_fen", sa.Integer(), nullable=True),
        sa.Column("subsidy_fen", sa.Integer(), nullable=False),
        sa.Column("mentor_fen", sa.Integer(), nullable=False),
        sa.Column("insurance_fen", sa.Integer(), nullable=False),
        sa.Column("retention_fen", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["subsidy_claims.id"], name=op.f("fk_claim_lines_claim_id_subsidy_claims")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_claim_lines_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_lines")),
    )
    op.create_index(op.f("ix_claim_lines_claim_id"), "claim_lines", ["claim_id"], unique=False)
    op.create_index("ix_claim_lines_person", "claim_lines", ["id_number", "agreement_start"], unique=False)
    op.create_index("uq_claim_lines_counted", "claim_lines", ["id_number", "month"], unique=True,
                    sqlite_where=sa.text(COUNTED), postgresql_where=sa.text(COUNTED))


def downgrade() -> None:
    op.drop_index("uq_claim_lines_counted", table_name="claim_lines")
    op.drop_index("ix_claim_lines_person", table_name="claim_lines")
    op.drop_index(op.f("ix_claim_lines_claim_id"), table_name="claim_lines")
    op.drop_table("claim_lines")
    op.drop_index(op.f("ix_subsidy_claims_unit_id"), table_name="subsidy_claims")
    op.drop_table("subsidy_claims")
