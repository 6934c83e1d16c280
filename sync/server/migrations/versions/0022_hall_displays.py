"""The hall's calling display: one key per hall, kept as its SHA-256.

Revision ID: 0022
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hall_displays",
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("key_sha", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_code"], ["org_units.code"]),
        sa.PrimaryKeyConstraint("org_code"),
    )


def downgrade() -> None:
    op.drop_table("hall_displays")
