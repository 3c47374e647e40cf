"""The hub's first schema: organisation tree, users, role grants, API tokens, audit log, signing
keys, enrolment codes (issue #13). Generated from hub/db.py, then read through."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_target'), ['target'], unique=False)

    op.create_table('org_nodes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('district', 'street', 'community')", name=op.f('ck_org_nodes_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['org_nodes.id'], name=op.f('fk_org_nodes_parent_id_org_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_nodes'))
    )
    with op.batch_alter_table('org_nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_nodes_parent_id'), ['parent_id'], unique=False)

    op.create_table('signing_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('public_key', sa.String(length=44), nullable=False),
    sa.Column('file', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('rotation_signature', sa.String(length=88), nullable=True),
    sa.CheckConstraint('(previous_id IS NULL) = (rotation_signature IS NULL)', name=op.f('ck_signing_keys_rotation')),
    sa.ForeignKeyConstraint(['previous_id'], ['signing_keys.id'], name=op.f('fk_signing_keys_previous_id_signing_keys'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
    sa.UniqueConstraint('file', name=op.f('uq_signing_keys_file')),
    sa.UniqueConstraint('public_key', name=op.f('uq_signing_keys_public_key'))
    )
    op.create_index('uq_signing_keys_active', 'signing_keys', ['active'], unique=True,
                    sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('enrolment_codes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('centre_id', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['org_nodes.id'], name=op.f('fk_enrolment_codes_centre_id_org_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_enrolment_codes_code_hash'))
    )
    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('node_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'admin' AND node_id IS NULL) OR (role IN ('editor', 'viewer') AND node_id IS NOT NULL)", name=op.f('ck_role_grants_role_node')),
    sa.ForeignKeyConstraint(['node_id'], ['org_nodes.id'], name=op.f('fk_role_grants_node_id_org_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    sa.UniqueConstraint('user_id', 'role', 'node_id', name=op.f('uq_role_grants_user_id_role_node_id'))
    )


def downgrade() -> None:
    op.drop_table('role_grants')
    op.drop_table('enrolment_codes')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_index('uq_signing_keys_active', table_name='signing_keys')
    op.drop_table('signing_keys')
    with op.batch_alter_table('org_nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_nodes_parent_id'))

    op.drop_table('org_nodes')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_target'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
