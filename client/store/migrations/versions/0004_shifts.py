"""Shifts (开班/交班): who served at which window, and what the queue did meanwhile.

(The ticket a case was taken for is in its first event's payload, `ticket_no`.)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("window", sa.String(16), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("clerk_name", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("tickets_served", sa.Integer(), nullable=False),
        sa.Column("tickets_no_show", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("synced", sa.String(16), nullable=False),
    )
    op.create_index("ix_shifts_opened_at", "shifts", ["opened_at"])


def downgrade() -> None:
    op.drop_index("ix_shifts_opened_at", "shifts")
    op.drop_table("shifts")
