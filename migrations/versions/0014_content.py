"""content: announcements and meetings in Russian and Kazakh beside English

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 03:20:00

Optional texts: a reader sees the one in their language where it is given, else the English.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = {
    "announcement": (("title", sa.String(length=200)), ("body", sa.Text())),
    "meeting": (("title", sa.String(length=200)), ("agenda", sa.Text())),
}


def upgrade():
    # Nullable columns: added in place on SQLite too, without rebuilding the tables.
    for table, columns in COLUMNS.items():
        for name, type_ in columns:
            for locale in ("ru", "kk"):
                op.add_column(table, sa.Column(f"{name}_{locale}", type_, nullable=True))


def downgrade():
    for table, columns in COLUMNS.items():
        for name, _type in columns:
            for locale in ("ru", "kk"):
                op.drop_column(table, f"{name}_{locale}")
