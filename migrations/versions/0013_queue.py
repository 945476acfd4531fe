"""failed mail: messages the mail queue's worker could not send after every attempt

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 03:20:00

Kept whole (recipients, subject, body), so that the secretariat can see to whom a message was
going and send it again from the console.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "failed_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("sender", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("resent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resent_by_id"],
            ["user.id"],
            name=op.f("fk_failed_mail_resent_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_mail")),
    )
    with op.batch_alter_table("failed_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_mail_failed_at"), ["failed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("failed_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_mail_failed_at"))
    op.drop_table("failed_mail")
