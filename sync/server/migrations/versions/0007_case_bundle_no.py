"""Cases: the 一件事 bundle number its linked cases share.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: no table rebuild, so SQLite's foreign keys stay untouched.
    op.add_column("cases", sa.Column("bundle_no", sa.String(length=40), nullable=True))
    op.create_index("ix_cases_bundle_no", "cases", ["bundle_no"])


def downgrade() -> None:
    op.drop_index("ix_cases_bundle_no", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("bundle_no")
