"""user locale: each person's language, for their pages and their mail

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:40:00

Null until the person chooses a language or signs in (languages.py); their mail goes out in
the site's default language until then.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column: added in place on SQLite too, without rebuilding the table.
    op.add_column("user", sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade():
    # In place as well: rebuilding the table on SQLite would delete the rows that reference it.
    op.drop_column("user", "locale")
