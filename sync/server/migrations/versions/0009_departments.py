"""Departments (承办科室), the staff who belong to them, and the department each case is routed to.

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
