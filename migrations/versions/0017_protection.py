"""protection: an organisation's region, its protection choices, and who viewed its contacts

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 06:30:00

An organisation in Kazakhstan may give its region (an ISO 3166-2:KZ code); its admins may make
it visible to platform members only and hide its working-group memberships from the public.
The search documents copy the three (visibility.py decides on them), and a table records which
accounts of other organisations were shown its members-only contact details.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    # Columns added in place on SQLite too (rebuilding search_document would drop the FTS
    # triggers, rebuilding organisation the rows that reference it).
    op.add_column("organisation", sa.Column("region", sa.String(length=8), nullable=True))
    op.add_column(
        "organisation",
        sa.Column("members_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "organisation",
        sa.Column("hide_memberships", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("search_document", sa.Column("region", sa.String(length=8), nullable=True))
    op.add_column(
        "search_document",
        sa.Column("org_members_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "search_document",
        sa.Column("org_hides_groups", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "contact_details_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("viewer_id", sa.Integer(), nullable=True),
        sa.Column("viewer_organisation_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_contact_details_view_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["user.id"],
            name=op.f("fk_contact_details_view_viewer_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_contact_details_view_viewer_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_details_view")),
    )
    op.create_index(
        op.f("ix_contact_details_view_organisation_id"),
        "contact_details_view",
        ["organisation_id", "viewed_at"],
    )
    op.create_index(
        op.f("ix_contact_details_view_viewer_id"), "contact_details_view", ["viewer_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_contact_details_view_viewer_id"), table_name="contact_details_view")
    op.drop_index(
        op.f("ix_contact_details_view_organisation_id"), table_name="contact_details_view"
    )
    op.drop_table("contact_details_view")
    for table, columns in (
        ("search_document", ("org_hides_groups", "org_members_only", "region")),
        ("organisation", ("hide_memberships", "members_only", "region")),
    ):
        for column in columns:
            op.drop_column(table, column)
