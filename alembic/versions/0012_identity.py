"""Unified login (OpenID Connect) and agents acting for a unit: who a federated login is (identities), the
unit administrator flag on accounts, and the administrator's invitations of further agents (经办人)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = "accepted_at IS NULL AND cancelled_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_admin", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Each unit's first account (the one that registered it) becomes its administrator.
    op.execute("UPDATE accounts SET unit_admin = true WHERE role = 'unit' AND id IN "
               "(SELECT MIN(id) FROM accounts WHERE role = 'unit' AND unit_id IS NOT NULL GROUP BY unit_id)")
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_identities_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("issuer", "subject", "account_id", name="uq_identities_subject_account"),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identities_account_id"), ["account_id"], unique=False)
    op.create_table(
        "unit_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_unit_invitations_account_id_accounts")),
        sa.ForeignKeyConstraint(["invited_by"], ["accounts.id"], name=op.f("fk_unit_invitations_invited_by_accounts")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_invitations_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_invitations")),
    )
    with op.batch_alter_table("unit_invitations", schema=None) as batch_op:
        batch_op.create_index("uq_unit_invitations_open", ["unit_id", "id_number"], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_table("unit_invitations")
    op.drop_table("identities")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("unit_admin")
