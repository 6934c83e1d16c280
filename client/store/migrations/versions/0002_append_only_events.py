"""Case events become append-only in the database itself; the home list gets its index.

The triggers stop an ordinary UPDATE or DELETE of the audit trail (a bug or a careless
tool); a deliberate attacker who drops them is still caught by the hash chain.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_received_at", "cases", ["received_at"])
    op.execute(
        "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
        "BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
        "BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER case_events_no_delete")
    op.execute("DROP TRIGGER case_events_no_update")
    op.drop_index("ix_cases_received_at", "cases")
