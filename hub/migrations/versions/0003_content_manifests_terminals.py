"""Content (items, their published revisions, blobs), the signed manifests of each centre, the
events every worker follows, terminals and their stats batches (issue #13). Generated from
hub/db.py, then read through."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mime', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs'))
    )
    op.create_table('hub_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_events'))
    )
    op.create_table('items',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=True),
    sa.Column('draft_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('draft_by', sa.String(length=100), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('published_sha256', sa.String(length=64), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('guide', 'disclosure', 'notice', 'slide', 'centre', 'ticket_service')", name=op.f('ck_items_kind')),
    sa.ForeignKeyConstraint(['target'], ['org_nodes.id'], name=op.f('fk_items_target_org_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_target'), ['target'], unique=False)

    op.create_table('manifests',
    sa.Column('centre_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('signature', sa.String(length=88), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['org_nodes.id'], name=op.f('fk_manifests_centre_id_org_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_id'], ['signing_keys.id'], name=op.f('fk_manifests_key_id_signing_keys'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('centre_id', 'seq', name=op.f('pk_manifests'))
    )
    op.create_table('terminals',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('centre_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('hardware', sa.JSON(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=100), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.JSON(), nullable=True),
    sa.Column('version_shown', sa.String(length=64), nullable=True),
    sa.Column('app_version', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('screenshot_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('screenshot_sha256', sa.String(length=64), nullable=True),
    sa.Column('screenshot_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['org_nodes.id'], name=op.f('fk_terminals_centre_id_org_nodes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terminals')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_terminals_token_hash'))
    )
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terminals_centre_id'), ['centre_id'], unique=False)

    op.create_table('item_revisions',
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('blob_refs', sa.JSON(), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_revisions_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'revision', name=op.f('pk_item_revisions'))
    )
    op.create_table('stats_batches',
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['terminal_id'], ['terminals.id'], name=op.f('fk_stats_batches_terminal_id_terminals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('terminal_id', 'batch_id', name=op.f('pk_stats_batches'))
    )


def downgrade() -> None:
    op.drop_table('stats_batches')
    op.drop_table('item_revisions')
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terminals_centre_id'))

    op.drop_table('terminals')
    op.drop_table('manifests')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_target'))

    op.drop_table('items')
    op.drop_table('hub_events')
    op.drop_table('blobs')
