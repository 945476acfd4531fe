"""organisation names: the look-alike key (UTS #39 skeleton), invisible characters aside

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00

``name_skeleton`` is added, unique, and ``name_key`` computed again without format and other
invisible characters (organisations/name_keys.py), for every organisation. Organisations
registered before under names that now share a key with an earlier one (a look-alike, or
the same name with a zero-width space) keep their rows: their keys get their id after a
space, which no key holds otherwise, so that the secretariat can merge or rename them.
"""

import sqlalchemy as sa
from alembic import op

from eukz_platform.core.name_keys import name_key, name_skeleton

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAME_KEY_MAX = 200
NAME_SKELETON_MAX = 400

organisation = sa.table(
    "organisation",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("name_skeleton", sa.String),
)


def _keys() -> list[dict]:
    """The new keys of every organisation, the earliest registered keeping them plain."""
    rows = op.get_bind().execute(
        sa.select(organisation.c.id, organisation.c.name).order_by(organisation.c.id)
    )
    keys, skeletons, updates = set(), set(), []
    for org_id, name in rows:
        key, skeleton = name_key(name), name_skeleton(name)
        if (
            key in keys
            or skeleton in skeletons
            or len(key) > NAME_KEY_MAX
            or len(skeleton) > NAME_SKELETON_MAX
        ):
            suffix = f" {org_id}"
            key = key[: NAME_KEY_MAX - len(suffix)] + suffix
            skeleton = skeleton[: NAME_SKELETON_MAX - len(suffix)] + suffix
        keys.add(key)
        skeletons.add(skeleton)
        updates.append({"org_id": org_id, "key": key, "skeleton": skeleton})
    return updates


def upgrade():
    # Added NOT NULL with a blank default, then filled, then made unique: on SQLite, without
    # rebuilding the table (a rebuild would delete the rows that reference it).
    op.add_column(
        "organisation",
        sa.Column(
            "name_skeleton",
            sa.String(length=NAME_SKELETON_MAX),
            nullable=False,
            server_default="",
        ),
    )
    updates = _keys()
    if updates:
        # Old keys out of the way first: a new key may be another organisation's old one.
        op.execute(
            organisation.update().values(
                name_key=sa.literal("#") + sa.cast(organisation.c.id, sa.String)
            )
        )
        op.get_bind().execute(
            organisation.update()
            .where(organisation.c.id == sa.bindparam("org_id"))
            .values(name_key=sa.bindparam("key"), name_skeleton=sa.bindparam("skeleton")),
            updates,
        )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("organisation", "name_skeleton", server_default=None)
    op.create_index(
        op.f("ix_organisation_name_skeleton"), "organisation", ["name_skeleton"], unique=True
    )


def downgrade():
    op.drop_index(op.f("ix_organisation_name_skeleton"), table_name="organisation")
    op.execute("ALTER TABLE organisation DROP COLUMN name_skeleton")
