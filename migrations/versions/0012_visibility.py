"""user calendar key: the random key of each person's private calendar address

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:30:00

Null until the person makes a private calendar address (groups/private_feed.py); a new key
makes the old address stop working.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column: added in place on SQLite too, without rebuilding the table.
    op.add_column("user", sa.Column("calendar_key", sa.String(length=64), nullable=True))


def downgrade():
    # In place as well: rebuilding the table on SQLite would delete the rows that reference it.
    op.drop_column("user", "calendar_key")
