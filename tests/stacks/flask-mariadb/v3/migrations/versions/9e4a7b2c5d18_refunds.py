"""refunds

Revision ID: 9e4a7b2c5d18
Revises: 7c1d4e9f2a35
"""
import sqlalchemy as sa
from alembic import op

revision = "9e4a7b2c5d18"
down_revision = "7c1d4e9f2a35"


def upgrade():
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id")),
    )


def downgrade():
    op.drop_table("refunds")
