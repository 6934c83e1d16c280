"""When a wipe was ordered for a device and when the window acknowledged it had erased itself.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch:
        batch.add_column(sa.Column("wipe_ordered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("wiped_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch:
        batch.drop_column("wiped_at")
        batch.drop_column("wipe_ordered_at")
