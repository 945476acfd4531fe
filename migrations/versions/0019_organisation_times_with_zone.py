"""organisation times with their zone: closed_at, erased_at and no_people_since as timestamptz

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:45:00

Migration 0011 made these three columns plain timestamps, where the model (and every other time
of the platform) keeps an instant in UTC with its zone. On PostgreSQL a plain timestamp takes an
instant in the connection's time zone: on a server not set to UTC, a time written was read back
shifted by the server's offset. The values are read as UTC, as the platform wrote them on a
server in UTC. SQLite keeps no zone: nothing changes there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ("closed_at", "erased_at", "no_people_since")


def _retype(zone: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in COLUMNS:
        op.alter_column(
            "organisation",
            name,
            existing_type=sa.DateTime(timezone=not zone),
            type_=sa.DateTime(timezone=zone),
            existing_nullable=True,
            postgresql_using=f"{name} AT TIME ZONE 'UTC'",
        )


def upgrade():
    _retype(zone=True)


def downgrade():
    _retype(zone=False)
