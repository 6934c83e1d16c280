"""Both clocks on the case: the device's and the back office's, as far as the window knew it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy would drop `cases`, which the journal's keys point at.
    # Cases taken before are left unknown (NULL): nobody compared the clocks then.
    op.add_column("cases", sa.Column("clock_offset_s", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "clock_offset_s")
