"""Transfer slips (流转单) of proxy cases: who holds the paper originals now.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_slips",
        sa.Column("slip_no", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("forward_to", sa.String(128), nullable=False),
        sa.Column("holder", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("received_by", sa.String(128), nullable=False),
    )
    op.create_index("ix_transfer_slips_case_id", "transfer_slips", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_transfer_slips_case_id", "transfer_slips")
    op.drop_table("transfer_slips")
