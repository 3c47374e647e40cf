"""The staff web pages (issue #14): browser sessions, every heartbeat for a terminal's history,
each node's monthly disclosure day (三务公开)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure_days',
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint('day BETWEEN 1 AND 28', name=op.f('ck_disclosure_days_day')),
    sa.ForeignKeyConstraint(['node_id'], ['org_nodes.id'], name=op.f('fk_disclosure_days_node_id_org_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', name=op.f('pk_disclosure_days'))
    )
    op.create_table('staff_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_staff_sessions'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('heartbeat_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['terminal_id'], ['terminals.id'], name=op.f('fk_heartbeat_log_terminal_id_terminals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_heartbeat_log'))
    )
    with op.batch_alter_table('heartbeat_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_heartbeat_log_terminal_id_at'), ['terminal_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('heartbeat_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_heartbeat_log_terminal_id_at'))

    op.drop_table('heartbeat_log')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))

    op.drop_table('staff_sessions')
    op.drop_table('disclosure_days')
