"""Cases: the legal date (法定办结期限) beside the promised one, tracked per case.

A licence's case is held to §42 (20 working days, 10 more with the head's approval); the
promised date (`due`) is the office's shorter promise. The extension and a suspension move
both. Cases taken before keep NULL: their legal date was never computed.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: no table rebuild, so SQLite's foreign keys stay untouched.
    op.add_column("cases", sa.Column("legal_due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("legal_due")
