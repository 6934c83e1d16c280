"""Outreach runs and appointments on the bus laptop; case events may name an appointment.

An `outreach.missed` event belongs to an appointment, not a case, so the journal's
`case_id` loses its foreign key. SQLite cannot drop a constraint: the table is copied
aside, dropped, made again and refilled. `defer_foreign_keys` lets the outbox rows
point at the table while it is briefly gone; the checks run at commit, when every
event is back. The append-only triggers are dropped and made again around it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = "seq, event_id, case_id, type, payload, clerk, device_id, device_time, prev_hash, hash"
_TRIGGERS = (
    "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END",
    "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END",
)


def _rebuild_case_events(case_fk: bool) -> None:
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute(f"CREATE TEMPORARY TABLE case_events_copy AS SELECT {_COLUMNS} FROM case_events")
    op.execute("DROP TRIGGER case_events_no_update")
    op.execute("DROP TRIGGER case_events_no_delete")
    op.drop_index("ix_case_events_case_id", "case_events")
    op.drop_table("case_events")
    case_id = (
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False)
        if case_fk
        else sa.Column("case_id", sa.String(36), nullable=False)
    )
    op.create_table(
        "case_events",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        case_id,
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("device_time", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.execute(f"INSERT INTO case_events ({_COLUMNS}) SELECT {_COLUMNS} FROM case_events_copy ORDER BY seq")
    op.execute("DROP TABLE case_events_copy")
    for trigger in _TRIGGERS:
        op.execute(trigger)


def upgrade() -> None:
    op.create_table(
        "outreach_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("org_code", sa.String(32), nullable=False),
        sa.Column("area_code", sa.String(32), nullable=False),
        sa.Column("area_name", sa.String(200), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("crew", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_outreach_runs_run_date", "outreach_runs", ["run_date"])
    op.create_table(
        "outreach_appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("run_id", sa.String(36), sa.ForeignKey("outreach_runs.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("matter_code", sa.String(64), nullable=False),
        sa.Column("matter_name", sa.String(200), nullable=False),
        sa.Column("booked_via", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("visited_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outreach_appointments_run_id", "outreach_appointments", ["run_id"])
    op.create_index("ix_outreach_appointments_case_id", "outreach_appointments", ["case_id"])
    _rebuild_case_events(case_fk=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE event_id IN (SELECT event_id FROM case_events WHERE type LIKE 'outreach.%')")
    op.execute("DROP TRIGGER case_events_no_delete")
    op.execute("DELETE FROM case_events WHERE type LIKE 'outreach.%'")
    op.execute(_TRIGGERS[1])
    _rebuild_case_events(case_fk=True)
    op.drop_table("outreach_appointments")
    op.drop_table("outreach_runs")
