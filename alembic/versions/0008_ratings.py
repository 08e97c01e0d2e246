"""好差评: the applicants' ratings of finished cases (one per case) and the follow-ups a bad one opens

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("efficiency", sa.Integer(), nullable=False),
        sa.Column("guide", sa.Integer(), nullable=False),
        sa.Column("convenience", sa.Integer(), nullable=False),
        sa.Column("usability", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("bad", sa.Boolean(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("rated_month", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_ratings_account_id_accounts")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_ratings_case_id_cases")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_ratings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_ratings_case_id")),
    )
    op.create_index("ix_ratings_month_item", "ratings", ["rated_month", "item_key"], unique=False)
    op.create_index("ix_ratings_bad", "ratings", ["bad", "rated_at"], unique=False)
    op.create_table(
        "rating_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("overdue_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_rating_followups_case_id_cases")),
        sa.ForeignKeyConstraint(["closed_by"], ["accounts.id"], name=op.f("fk_rating_followups_closed_by_accounts")),
        sa.ForeignKeyConstraint(["rating_id"], ["ratings.id"], name=op.f("fk_rating_followups_rating_id_ratings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_followups")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_rating_followups_rating_id")),
    )
    op.create_index("ix_rating_followups_case_id", "rating_followups", ["case_id"], unique=False)
    op.create_index("ix_rating_followups_city", "rating_followups", ["city_code", "deadline_on"], unique=False)
    op.create_index("ix_rating_followups_county", "rating_followups", ["county_code", "deadline_on"], unique=False)
    op.create_index("ix_rating_followups_open", "rating_followups", ["closed_at", "deadline_on"], unique=False)


def downgrade() -> None:
    op.drop_table("rating_followups")
    op.drop_table("ratings")
