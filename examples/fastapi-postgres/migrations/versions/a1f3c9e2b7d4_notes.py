"""notes

Revision ID: a1f3c9e2b7d4
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "a1f3c9e2b7d4"
down_revision = None


def upgrade():
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.String(200), nullable=False),
    )


def downgrade():
    op.drop_table("notes")
