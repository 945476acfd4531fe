"""opportunities: the partner search's posts, their answers, the weekly digest's subscribers

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:10:34

New tables only, so the migration runs the same on SQLite and PostgreSQL.
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "partners",
                "place",
                "exchange",
                "call",
                name="opportunity_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("sectors_text", sa.Text(), nullable=False),
        sa.Column("countries_text", sa.Text(), nullable=False),
        sa.Column("regions_text", sa.Text(), nullable=False),
        sa.Column("languages_text", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column(
            "audience",
            sa.Enum(
                "everyone",
                "members",
                name="opportunity_audience",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "partnership_formed",
                "no_partner_found",
                "deadline_passed",
                name="opportunity_outcome",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_opportunity_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_group.id"],
            name=op.f("fk_opportunity_group_id_working_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["user.id"],
            name=op.f("fk_opportunity_hidden_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_opportunity_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity")),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index("ix_opportunity_closes", ["closed_at", "deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_opportunity_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "opportunity_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_opportunity_digest_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_digest")),
        sa.UniqueConstraint("user_id", name=op.f("uq_opportunity_digest_user_id")),
    )
    op.create_table(
        "opportunity_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "in_contact",
                "not_a_fit",
                name="opportunity_answer_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_opportunity_answer_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_opportunity_answer_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_opportunity_answer_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_answer")),
    )
    with op.batch_alter_table("opportunity_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_answer_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_answer_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("opportunity_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_answer_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_answer_opportunity_id"))

    op.drop_table("opportunity_answer")
    op.drop_table("opportunity_digest")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_group_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_deadline"))
        batch_op.drop_index(batch_op.f("ix_opportunity_created_at"))
        batch_op.drop_index("ix_opportunity_closes")

    op.drop_table("opportunity")
