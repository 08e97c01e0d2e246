"""见习补贴 payment: the reviewers' 拨付权限 (accounts.finance) and a paid claim's date and voucher

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("finance", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("subsidy_claims") as batch:
        batch.add_column(sa.Column("paid_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("voucher", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("paid_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subsidy_claims") as batch:
        batch.drop_column("paid_by")
        batch.drop_column("voucher")
        batch.drop_column("paid_on")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("finance")
