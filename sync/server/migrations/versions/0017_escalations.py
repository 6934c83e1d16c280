"""电子监察: the escalations raised when a case turns yellow (临近到期) or red (已超期), for the
case's department heads and its org unit's supervisors, kept with their acknowledgement.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=False),
        sa.Column("org_code", sa.String(length=32), sa.ForeignKey("org_units.code"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("working_days_left", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "level", "due", name="uq_escalations_case_level_due"),
    )
    op.create_index("ix_escalations_case_id", "escalations", ["case_id"])
    op.create_index("ix_escalations_org_ack", "escalations", ["org_code", "acknowledged_at"])
    op.create_index("ix_escalations_department_ack", "escalations", ["department_id", "acknowledged_at"])


def downgrade() -> None:
    op.drop_index("ix_escalations_department_ack", table_name="escalations")
    op.drop_index("ix_escalations_org_ack", table_name="escalations")
    op.drop_index("ix_escalations_case_id", table_name="escalations")
    op.drop_table("escalations")
