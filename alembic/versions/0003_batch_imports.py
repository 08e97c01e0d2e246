"""Batch imports: each uploaded workbook, its errors and the case it became

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('definition_version', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('errors_key', sa.String(length=80), nullable=True),
    sa.Column('errorbook_key', sa.String(length=80), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_batch_imports_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_batch_imports_case_id_cases')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_batch_imports_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_imports')),
    sa.UniqueConstraint('token', name=op.f('uq_batch_imports_token'))
    )
    with op.batch_alter_table('batch_imports', schema=None) as batch_op:
        batch_op.create_index('ix_batch_imports_account', ['account_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_imports_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('batch_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_imports_case_id'))
        batch_op.drop_index('ix_batch_imports_account')
    op.drop_table('batch_imports')
