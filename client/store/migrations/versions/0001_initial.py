"""The schema as the first release created it with `create_all`.

Stores made before migrations existed have exactly these tables and no
`alembic_version`; start-up stamps them at this revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cached_users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("verifier", sa.String(128), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("matter_code", sa.String(64), nullable=False),
        sa.Column("matter_name", sa.String(128), nullable=False),
        sa.Column("catalog_version", sa.String(32), nullable=False),
        sa.Column("applicant_name", sa.String(64), nullable=False),
        sa.Column("applicant_id_type", sa.String(16), nullable=False),
        sa.Column("applicant_id_number", sa.String(32), nullable=False),
        sa.Column("applicant_phone", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("promised_by", sa.Date(), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("notice_no", sa.String(64), nullable=False),
        sa.Column("result_name", sa.String(128), nullable=False),
        sa.Column("result_no", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_cases_case_no", "cases", ["case_no"], unique=True)
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_applicant_id_number", "cases", ["applicant_id_number"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_table(
        "server_changes",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("server_time", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("ix_server_changes_case_id", "server_changes", ["case_id"])
    op.create_table(
        "materials",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pages", sa.JSON(), nullable=False),
    )
    op.create_index("ix_materials_case_id", "materials", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("device_time", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(36), sa.ForeignKey("case_events.event_id"), primary_key=True),
        sa.Column("device_seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])


def downgrade() -> None:
    for table in (
        "outbox",
        "case_events",
        "materials",
        "server_changes",
        "blobs",
        "cases",
        "cached_users",
        "counters",
        "settings",
    ):
        op.drop_table(table)
