"""Device-sent times stored 8 hours off (read as UTC, sent as China time) put right.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the work that owns this revision


def downgrade() -> None:
    pass
