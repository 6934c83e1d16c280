"""The public progress and rating pages: each case's token digest, and the per-address counts
the pages are rate-limited by (shared by every app process).

Cases taken before have no token (their paper carries none), so they stay without a page.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of `cases` would rebuild the table many others point at.
    op.add_column("cases", sa.Column("public_token_sha", sa.String(length=64), nullable=True))
    op.create_index("ix_cases_public_token_sha", "cases", ["public_token_sha"])
    op.create_table(
        "public_hits",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_public_hits_period_start", "public_hits", ["period_start"])


def downgrade() -> None:
    op.drop_index("ix_public_hits_period_start", table_name="public_hits")
    op.drop_table("public_hits")
    op.drop_index("ix_cases_public_token_sha", table_name="cases")
    op.drop_column("cases", "public_token_sha")
