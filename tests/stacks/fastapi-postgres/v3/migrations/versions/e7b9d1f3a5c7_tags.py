"""tags

Revision ID: e7b9d1f3a5c7
Revises: c5d2e8f1a093
"""
import sqlalchemy as sa
from alembic import op

revision = "e7b9d1f3a5c7"
down_revision = "c5d2e8f1a093"


def upgrade():
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note_id", sa.Integer, sa.ForeignKey("notes.id")),
    )


def downgrade():
    op.drop_table("tags")
