"""orders.customer (nullable first, as seed 004's local_id rollout did)

Revision ID: 7c1d4e9f2a35
Revises: 3b8f2a6c9d01
"""
import sqlalchemy as sa
from alembic import op

revision = "7c1d4e9f2a35"
down_revision = "3b8f2a6c9d01"


def upgrade():
    op.add_column("orders", sa.Column("customer", sa.String(80), nullable=True))


def downgrade():
    op.drop_column("orders", "customer")
