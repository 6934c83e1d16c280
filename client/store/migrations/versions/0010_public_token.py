"""The public page's token on the case: printed in the QR of its receipt and notices.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy would drop `cases`, which the journal's keys point at.
    # Cases taken before have none: their paper had no public page, and reprints keep it so.
    op.add_column("cases", sa.Column("public_token", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "public_token")
