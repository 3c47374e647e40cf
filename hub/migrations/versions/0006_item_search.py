"""The content list's search (issue #14): each item's title, keywords and category with their
pinyin and initials in `items.search` (hub.item_search), filled here for the items already there."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search', sa.Text(), nullable=True))

    from hub.item_search import fill

    # the tables as they are at this revision (not hub.db's, which may have moved on)
    items = sa.table('items', sa.column('id', sa.String), sa.column('revision', sa.Integer),
                     sa.column('draft', sa.JSON), sa.column('search', sa.Text))
    revisions = sa.table('item_revisions', sa.column('item_id', sa.String), sa.column('revision', sa.Integer),
                         sa.column('document', sa.Text))
    fill(op.get_bind(), items, revisions)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('search')
