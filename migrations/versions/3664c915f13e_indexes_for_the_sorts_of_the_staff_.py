"""Indexes for the sorts of the staff applications list

Each sort of a challenge's applications list (newest or oldest submitted, school name,
status) gets an index in its order, ending in the tie-break on id, so a page is read off
the index instead of sorting every application of the challenge. The status index
replaces the (challenge_id, status) one, which it extends (counts by status still use it).

Revision ID: 3664c915f13e
Revises: 93d9a6b9590a
Create Date: 2026-12-01 20:58:57.258188

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3664c915f13e'
down_revision = '4de4e9b87788'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_challenge_status')
        batch_op.create_index('ix_applications_challenge_status', ['challenge_id', 'status', sa.literal_column('submitted_at DESC'), sa.literal_column('id DESC')], unique=False)
        batch_op.create_index('ix_applications_challenge_submitted', ['challenge_id', 'submitted_at', 'id'], unique=False)
        # An expression index: alembic cannot compare these on SQLite, so it is written by hand.
        batch_op.create_index('ix_applications_challenge_school', ['challenge_id', sa.literal_column('lower(school_name)'), 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_challenge_school')
        batch_op.drop_index('ix_applications_challenge_submitted')
        batch_op.drop_index('ix_applications_challenge_status')
        batch_op.create_index('ix_applications_challenge_status', ['challenge_id', 'status'], unique=False)
