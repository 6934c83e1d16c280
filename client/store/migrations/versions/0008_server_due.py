"""The back office's deadline on the local case (issue 16, point 5): pulled with the status.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy would drop `cases`, which the journal's keys point at.
    op.add_column("cases", sa.Column("server_due", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "server_due")
