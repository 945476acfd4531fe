"""people's rights: the privacy notice version consented to, closed organisations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:15:00

Each person's consent names the version of the privacy notice they agreed to; an
organisation closed by its admin keeps when it was closed and when its people's data was
erased; an organisation whose last person left is flagged for the secretariat.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


STATUSES_BEFORE = ("pending", "verified", "rejected", "suspended")
STATUSES_AFTER = (*STATUSES_BEFORE, "closed")
CHECK = "ck_organisation_organisation_status"


def _in_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _set_statuses(values, old_values) -> None:
    """The organisation status CHECK allows ``values``. On SQLite, the table is not rebuilt
    (dropping it would cascade to the rows that reference it): the constraint's text is
    changed in the schema, as SQLite's documentation describes for loosening a CHECK."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'organisation'"
        ).scalar()
        old = f"status IN ({_in_list(old_values)})"
        if old not in sql:
            raise RuntimeError(f"{CHECK}: expected {old!r} in the organisation table")
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'organisation'",
            (sql.replace(old, f"status IN ({_in_list(values)})"),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    else:
        op.drop_constraint(op.f(CHECK), "organisation", type_="check")
        op.create_check_constraint(op.f(CHECK), "organisation", f"status IN ({_in_list(values)})")


def upgrade():
    _set_statuses(STATUSES_AFTER, STATUSES_BEFORE)
    # Nullable columns: added in place on SQLite too, without rebuilding the tables.
    op.add_column("user", sa.Column("privacy_notice_version", sa.String(length=32), nullable=True))
    op.add_column("organisation", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.add_column("organisation", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.add_column("organisation", sa.Column("no_people_since", sa.DateTime(), nullable=True))
    op.create_index(
        op.f("ix_organisation_no_people_since"), "organisation", ["no_people_since"], unique=False
    )


def downgrade():
    op.execute("UPDATE organisation SET status = 'suspended' WHERE status = 'closed'")
    _set_statuses(STATUSES_BEFORE, STATUSES_AFTER)
    op.drop_index(op.f("ix_organisation_no_people_since"), table_name="organisation")
    op.drop_column("organisation", "no_people_since")
    op.drop_column("organisation", "erased_at")
    op.drop_column("organisation", "closed_at")
    op.drop_column("user", "privacy_notice_version")

