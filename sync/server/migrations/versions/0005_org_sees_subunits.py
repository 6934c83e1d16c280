"""Org units: a hall may be configured to see the cases of the units below it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: a batch (copy-and-drop) rebuild of
    # org_units fails on SQLite once users and devices reference it under foreign keys.
    op.add_column("org_units", sa.Column("sees_subunits", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_column("sees_subunits")
