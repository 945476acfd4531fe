"""outputs: joint outputs of the working groups, with paragraphs, comments, sign-offs, endorsements, follow-up

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 06:10:06
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('joint_output',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('declaration', 'recommendation', 'report', name='output_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_ru', sa.String(length=300), nullable=True),
    sa.Column('title_kk', sa.String(length=300), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'adopted', 'sent_eu', 'sent_kz', 'answered', 'closed', name='output_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_joint_output_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_joint_output_group_id_working_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_joint_output_meeting_id_meeting'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_output'))
    )
    with op.batch_alter_table('joint_output', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_output_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_output_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_output_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_output_state'), ['state'], unique=False)

    op.create_table('output_endorsement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_output_endorsement_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_output_endorsement_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['joint_output.id'], name=op.f('fk_output_endorsement_output_id_joint_output'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_endorsement')),
    sa.UniqueConstraint('output_id', 'organisation_id', name=op.f('uq_output_endorsement_output_id_organisation_id'))
    )
    with op.batch_alter_table('output_endorsement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_output_endorsement_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_output_endorsement_output_id'), ['output_id'], unique=False)

    op.create_table('output_paragraph',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('text_ru', sa.Text(), nullable=False),
    sa.Column('text_kk', sa.Text(), nullable=False),
    sa.Column('status_en', sa.Enum('draft', 'validated', name='paragraph_status_en', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status_ru', sa.Enum('draft', 'validated', name='paragraph_status_ru', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status_kk', sa.Enum('draft', 'validated', name='paragraph_status_kk', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.ForeignKeyConstraint(['output_id'], ['joint_output.id'], name=op.f('fk_output_paragraph_output_id_joint_output'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_paragraph'))
    )
    with op.batch_alter_table('output_paragraph', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_output_paragraph_output_id'), ['output_id'], unique=False)

    op.create_table('output_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_name', sa.String(length=300), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("side IN ('eu', 'kz')", name=op.f('ck_output_signoff_side_eu_or_kz')),
    sa.ForeignKeyConstraint(['output_id'], ['joint_output.id'], name=op.f('fk_output_signoff_output_id_joint_output'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_output_signoff_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_signoff')),
    sa.UniqueConstraint('output_id', 'side', name=op.f('uq_output_signoff_output_id_side'))
    )
    with op.batch_alter_table('output_signoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_output_signoff_output_id'), ['output_id'], unique=False)

    op.create_table('output_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.Enum('draft', 'adopted', 'sent_eu', 'sent_kz', 'answered', 'closed', name='output_transition_from', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('to_state', sa.Enum('draft', 'adopted', 'sent_eu', 'sent_kz', 'answered', 'closed', name='output_transition_to', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('answer_url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_output_transition_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['output_id'], ['joint_output.id'], name=op.f('fk_output_transition_output_id_joint_output'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_transition'))
    )
    with op.batch_alter_table('output_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_output_transition_output_id'), ['output_id'], unique=False)

    op.create_table('output_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paragraph_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_output_comment_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_output_comment_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['paragraph_id'], ['output_paragraph.id'], name=op.f('fk_output_comment_paragraph_id_output_paragraph'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_comment'))
    )
    with op.batch_alter_table('output_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_output_comment_paragraph_id'), ['paragraph_id'], unique=False)



def downgrade():
    with op.batch_alter_table('output_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_output_comment_paragraph_id'))

    op.drop_table('output_comment')
    with op.batch_alter_table('output_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_output_transition_output_id'))

    op.drop_table('output_transition')
    with op.batch_alter_table('output_signoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_output_signoff_output_id'))

    op.drop_table('output_signoff')
    with op.batch_alter_table('output_paragraph', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_output_paragraph_output_id'))

    op.drop_table('output_paragraph')
    with op.batch_alter_table('output_endorsement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_output_endorsement_output_id'))
        batch_op.drop_index(batch_op.f('ix_output_endorsement_organisation_id'))

    op.drop_table('output_endorsement')
    with op.batch_alter_table('joint_output', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_output_state'))
        batch_op.drop_index(batch_op.f('ix_joint_output_published_at'))
        batch_op.drop_index(batch_op.f('ix_joint_output_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_joint_output_group_id'))

    op.drop_table('joint_output')
