"""The kiosk ticket's status page: one token per ticket, kept as its SHA-256.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_links",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("token_sha", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("ticket_id"),
        sa.UniqueConstraint("token_sha"),
    )


def downgrade() -> None:
    op.drop_table("ticket_links")
