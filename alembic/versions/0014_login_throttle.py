"""Login throttling moves to rate_limits (engine/throttle.py, engine/accounts/login.py): the per-name lock's
table login_attempts is dropped, with the rows older releases left in it (typed names, some of them ID
numbers or a password typed into the name field). The audit log gets an index on (actor_id, at): a name
past its failures asks whether this account signed in from this address lately, and that must not scan
a month of entries for each attempt.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor_id", "at"], unique=False)
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_name_at")
    op.drop_table("login_attempts")


def downgrade() -> None:
    # The table comes back empty: nothing reads it any more.
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login_name", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_name_at", ["login_name", "at"], unique=False)
    op.drop_index("ix_audit_log_actor_at", table_name="audit_log")
