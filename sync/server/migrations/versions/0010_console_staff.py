"""The approvers' console: staff sign-in sessions, failed attempts and lock-outs, the staff audit,
and the partial indexes of the approvers' inbox.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# As sync.server.db.AWAITING_DECISION was when this revision was written.
AWAITING = sa.text("status IN ('submitted', 'in_review', 'supplement_requested', 'suspended')")
INBOX_INDEXES = (
    ("ix_cases_inbox_due", ("due", "case_no")),
    ("ix_cases_inbox_received", ("received_at", "case_no")),
    ("ix_cases_inbox_case_no", ("case_no",)),
)


def upgrade() -> None:
    # New tables only: nothing existing is rebuilt, so SQLite's foreign keys stay untouched.
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_index("ix_console_sessions_expires_at", "console_sessions", ["expires_at"])
    op.create_table(
        "staff_lockouts",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_index("ix_staff_lockouts_last_failure_at", "staff_lockouts", ["last_failure_at"])
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"])
    op.create_index("ix_staff_audit_username", "staff_audit", ["username"])
    # The approvers' inbox: per department, the cases awaiting a decision in each sort order.
    for name, columns in INBOX_INDEXES:
        op.create_index(name, "cases", ["department_id", *columns], postgresql_where=AWAITING, sqlite_where=AWAITING)


def downgrade() -> None:
    for name, _columns in reversed(INBOX_INDEXES):
        op.drop_index(name, table_name="cases")
    op.drop_index("ix_staff_audit_username", table_name="staff_audit")
    op.drop_index("ix_staff_audit_at", table_name="staff_audit")
    op.drop_table("staff_audit")
    op.drop_index("ix_staff_lockouts_last_failure_at", table_name="staff_lockouts")
    op.drop_table("staff_lockouts")
    op.drop_index("ix_console_sessions_expires_at", table_name="console_sessions")
    op.drop_index("ix_console_sessions_user_id", table_name="console_sessions")
    op.drop_table("console_sessions")
