"""notes.author: who wrote it (seed 004's local_id rollout: a nullable column first)

Revision ID: c5d2e8f1a093
Revises: a1f3c9e2b7d4
"""
import sqlalchemy as sa
from alembic import op

revision = "c5d2e8f1a093"
down_revision = "a1f3c9e2b7d4"


def upgrade():
    op.add_column("notes", sa.Column("author", sa.String(80), nullable=True))


def downgrade():
    op.drop_column("notes", "author")
