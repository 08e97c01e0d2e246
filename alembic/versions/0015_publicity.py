"""公示 of approved claims: the period on subsidy_claims (publicity_from, publicity_to) and the public's
objections (claim_objections), decided by the claim's reviewers (engine/subsidy/publicity.py).

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publicity_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("publicity_to", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_subsidy_claims_publicity_to"), ["publicity_to"], unique=False)
    op.create_table(
        "claim_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["subsidy_claims.id"],
                                name=op.f("fk_claim_objections_claim_id_subsidy_claims")),
        sa.ForeignKeyConstraint(["decided_by"], ["accounts.id"], name=op.f("fk_claim_objections_decided_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_objections")),
    )
    op.create_index(op.f("ix_claim_objections_claim_id"), "claim_objections", ["claim_id"], unique=False)
    op.create_index(op.f("ix_claim_objections_status"), "claim_objections", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_objections_status"), table_name="claim_objections")
    op.drop_index(op.f("ix_claim_objections_claim_id"), table_name="claim_objections")
    op.drop_table("claim_objections")
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subsidy_claims_publicity_to"))
        batch_op.drop_column("publicity_to")
        batch_op.drop_column("publicity_from")
