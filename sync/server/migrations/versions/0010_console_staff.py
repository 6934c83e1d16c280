"""The approvers' console: staff sign-in sessions, failed attempts and lock-outs.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder: filled in by the work that owns this revision


def downgrade() -> None:
    pass
