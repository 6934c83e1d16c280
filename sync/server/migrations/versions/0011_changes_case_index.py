"""The change feed indexed by case: the console's case page reads one case's changes.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_changes_case_id", "changes", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_changes_case_id", table_name="changes")
