"""Audit chains: the windows' chain anchored on their events, breaks found at intake, and the
back office's own chain of decisions.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable): events pushed before stay unanchored, nothing is rebuilt.
    op.add_column("events", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("chain_prev", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_events_device_chain_seq", "events", ["device_id", "chain_seq"])
    op.create_table(
        "chain_breaks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("anchored_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_hash", sa.String(length=64), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_chain_breaks_device_id", "chain_breaks", ["device_id"])
    op.create_table(
        "decision_chain",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("case_no", sa.String(length=40), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.create_index("ix_decision_chain_case_id", "decision_chain", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_decision_chain_case_id", table_name="decision_chain")
    op.drop_table("decision_chain")
    op.drop_index("ix_chain_breaks_device_id", table_name="chain_breaks")
    op.drop_table("chain_breaks")
    op.drop_index("ix_events_device_chain_seq", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("chain_hash")
        batch.drop_column("chain_prev")
        batch.drop_column("chain_seq")
