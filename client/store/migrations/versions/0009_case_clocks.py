"""Both clocks on the case: the device's and the back office's, as far as the window knew it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the work that owns this revision


def downgrade() -> None:
    pass
