"""Applicant memory: people and organisations (by USCC) the counter has seen, with the last agent.

Existing cases seed it, so a store upgraded in the field already recognises the
applicants it holds cases for.

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
        "known_parties",
        sa.Column("id_type", sa.String(16), primary_key=True),
        sa.Column("id_number", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("legal_rep", sa.String(64), nullable=False),
        sa.Column("agent", sa.JSON(), nullable=True),
        sa.Column("last_case_id", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    # SQLite takes the bare columns from the row holding MAX(received_at): the latest case.
    op.execute(
        "INSERT INTO known_parties (id_type, id_number, kind, name, phone, address, legal_rep, agent, "
        "last_case_id, updated_at) "
        "SELECT id_type, id_number, CASE WHEN id_type = '统一社会信用代码' THEN 'organisation' ELSE 'person' END, "
        "name, phone, '', '', NULL, id, received_at FROM ("
        "SELECT applicant_id_type AS id_type, applicant_id_number AS id_number, applicant_name AS name, "
        "applicant_phone AS phone, id, MAX(received_at) AS received_at FROM cases "
        "GROUP BY applicant_id_type, applicant_id_number)"
    )


def downgrade() -> None:
    op.drop_table("known_parties")
