"""The hall's queue (叫号 tickets) and the windows' shifts (开班/交班).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("series", sa.String(length=4), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("ticket_no", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=4), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("priority_reason", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("window", sa.String(length=16), nullable=True),
        sa.Column("target_window", sa.String(length=16), nullable=True),
        sa.Column("recalls", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("last_called_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("called_by", sa.String(length=36), nullable=True),
        sa.Column("case_no", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_code"],
            ["org_units.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_code", "service_day", "ticket_no", name="uq_tickets_number"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_queue", ["org_code", "service_day", "status"], unique=False)
    op.create_table(
        "shifts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("window", sa.String(length=16), nullable=False),
        sa.Column("clerk", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_code"],
            ["org_units.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_org_code"), ["org_code"], unique=False)


def downgrade() -> None:
    op.drop_table("shifts")
    op.drop_table("tickets")
