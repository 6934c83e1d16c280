"""Outreach runs of the service bus (政务服务入户直通车) and their appointments.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outreach_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=False),
        sa.Column("area_name", sa.String(length=200), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("crew", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("planned_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_code"], ["org_units.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outreach_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outreach_runs_org_code"), ["org_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_outreach_runs_run_date"), ["run_date"], unique=False)
    op.create_table(
        "outreach_appointments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_number", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("matter_code", sa.String(length=64), nullable=False),
        sa.Column("matter_name", sa.String(length=200), nullable=False),
        sa.Column("booked_via", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("case_no", sa.String(length=40), nullable=True),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("visited_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["outreach_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outreach_appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outreach_appointments_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outreach_appointments_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outreach_appointments")
    op.drop_table("outreach_runs")
