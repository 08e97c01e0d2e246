"""cases.change_of: a change application names the case in force it changes

An item declaring `change` is held once per owner; a later case of it is a change of the case in force
(engine/cases/standing.py). The link is set by the engine when the change is started, never from input,
so it is a column rather than a key in the case's data (which holds only the item's fields).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


FK = "fk_cases_change_of_cases"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES in place; a batch copy of `cases` would have to drop a
        # table every other table points at (foreign keys are on).
        op.execute(f"ALTER TABLE cases ADD COLUMN change_of INTEGER CONSTRAINT {FK} REFERENCES cases (id)")
    else:
        op.add_column("cases", sa.Column("change_of", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "cases", "cases", ["change_of"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE cases DROP COLUMN change_of")   # SQLite 3.35+
    else:
        op.drop_constraint(FK, "cases", type_="foreignkey")
        op.drop_column("cases", "change_of")
