"""Reviewer queue indexes: region + state + submitted_at + id, with item and month inside the index;
case_events.at for the audit log

The three (region, state, submitted_at) indexes of 0001 become prefixes of wider ones: with the state
fixed, the queue's counts per state and its pages (ordered by submitted_at, id; filtered by item and
申办月份) are each one index-only range scan, on SQLite and PostgreSQL alike.

Revision ID: 0004
Revises: 0001
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

QUEUE = ["submitted_at", "id", "item_key", "submitted_month"]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_state_submitted")
        batch_op.drop_index("ix_cases_city_state")
        batch_op.drop_index("ix_cases_county_state")
        batch_op.create_index("ix_cases_state_queue", ["state", *QUEUE], unique=False)
        batch_op.create_index("ix_cases_city_queue", ["city_code", "state", *QUEUE], unique=False)
        batch_op.create_index("ix_cases_county_queue", ["county_code", "state", *QUEUE], unique=False)
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_at")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_county_queue")
        batch_op.drop_index("ix_cases_city_queue")
        batch_op.drop_index("ix_cases_state_queue")
        batch_op.create_index("ix_cases_county_state", ["county_code", "state", "submitted_at"], unique=False)
        batch_op.create_index("ix_cases_city_state", ["city_code", "state", "submitted_at"], unique=False)
        batch_op.create_index("ix_cases_state_submitted", ["state", "submitted_at"], unique=False)
