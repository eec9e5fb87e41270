"""orders

Revision ID: 3b8f2a6c9d01
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "3b8f2a6c9d01"
down_revision = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item", sa.String(120), nullable=False),
    )


def downgrade():
    op.drop_table("orders")
