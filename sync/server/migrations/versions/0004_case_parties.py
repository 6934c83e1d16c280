"""Who applied and who acted: applicant kind (person / organisation by USCC) and the agent.

Cases recorded before are a person acting alone; their stored payloads already say so.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_kind", sa.String(length=16), nullable=False, server_default="person"))
        batch_op.add_column(sa.Column("agent_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("agent_id_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("agent_relation", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("agent_relation")
        batch_op.drop_column("agent_id_number")
        batch_op.drop_column("agent_name")
        batch_op.drop_column("applicant_kind")
