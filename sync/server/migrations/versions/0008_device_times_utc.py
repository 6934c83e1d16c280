"""Device-sent times stored 8 hours off (read as UTC, sent as China time) put right.

Windows sent their local wall time without a zone, a counter keeps China Standard Time,
and the back office stored the value as if it were UTC: every such instant is 8 hours
late. From this revision a time on the wire carries its offset and one without is read as
China time (sync.protocol.WireTime); this migration moves the stored values to the true
UTC instant, 8 hours earlier. The columns:

- `cases.received_at` (the intake's `received_at`);
- `cases.delivered_at` (`delivered_at` of case.delivered, `mailed_at` of case.mailed);
- `events.device_time` (every window event but shift.opened / shift.closed);
- `outreach_appointments.visited_at` (`visited_at` of outreach.visited / outreach.missed).

A value is moved only when the window's own copy of it, in the stored payload, has no
offset: the shift events (and so `shifts.opened_at` / `closed_at`) always carried one, and
a window of this release that synced with a back office not yet upgraded sent one too;
those were stored right. A payload without its copy is an old window's and is moved.

Untouched: the times the server stamps on its own clock, which were always aware UTC
(`created_at`, `updated_at`, `decided_at`, `suspended_at`, `events.server_time`,
`changes.server_time`, the queue tickets' times, `blobs.completed_at`, `published_at`,
the devices' and enrolment codes' times); and the JSON copies (`payload`, `changes.data`):
a time there without an offset is now read as China time, which is what it was.

Read-modify-write in batches keyed on the primary key, so the same code runs on SQLite
and PostgreSQL and never holds a whole table in memory. Downgrade moves the same rows
8 hours later, back to what the older back office expects.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHINA_OFFSET = dt.timedelta(hours=8)
BATCH = 1000

# The payload field that holds the window's copy of each event's time.
_TIME_FIELD = {
    "case.accepted": "received_at",
    "case.notified": "received_at",
    "case.refused": "received_at",
    "case.delivered": "delivered_at",
    "case.supplemented": "supplemented_at",
    "case.mailed": "mailed_at",
    "case.withdrawn": "withdrawn_at",
    "case.rated": "rated_at",
    "outreach.visited": "visited_at",
    "outreach.missed": "visited_at",
    "originals.dispatched": "at",
    "originals.received": "at",
}
_ALWAYS_ZONED = ("shift.opened", "shift.closed")
_DELIVERIES = ("case.delivered", "case.mailed")
_VISITS = ("outreach.visited", "outreach.missed")

_events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("type", sa.String),
    sa.column("case_id", sa.String),
    sa.column("status", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("device_time", sa.DateTime),
)
_cases = sa.table(
    "cases",
    sa.column("id", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("received_at", sa.DateTime),
    sa.column("delivered_at", sa.DateTime),
)
_appointments = sa.table(
    "outreach_appointments",
    sa.column("id", sa.String),
    sa.column("visited_at", sa.DateTime),
)


def _naive(payload: Any, field: str) -> bool:
    """True when the window's copy of the time has no offset (or is missing): an old window's."""
    text = payload.get(field) if isinstance(payload, dict) else None
    if not isinstance(text, str):
        return True
    try:
        return dt.datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return True


def _pages(conn: sa.Connection, table: Any, key: str, columns: list[str]) -> Iterator[Sequence[Any]]:
    """The table's rows in primary-key order, BATCH at a time."""
    pk = table.c[key]
    last: Any = None
    while True:
        query = sa.select(pk, *(table.c[c] for c in columns)).order_by(pk).limit(BATCH)
        if last is not None:
            query = query.where(pk > last)
        rows = conn.execute(query).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _shift(conn: sa.Connection, table: Any, key: str, column: str, rows: list[tuple[Any, dt.datetime]]) -> None:
    if rows:
        conn.execute(
            sa.update(table).where(table.c[key] == sa.bindparam("row_key")).values({column: sa.bindparam("moved")}),
            [{"row_key": k, "moved": v} for k, v in rows],
        )


def _move(by: dt.timedelta) -> None:
    conn = op.get_bind()
    delivered_naive: set[str] = set()  # cases whose delivered_at came from an old window
    visited_naive: set[str] = set()  # appointments whose visited_at did
    for rows in _pages(conn, _events, "id", ["type", "case_id", "status", "payload", "device_time"]):
        moved = []
        for event_id, type_, case_id, status, payload, device_time in rows:
            if type_ in _ALWAYS_ZONED or not _naive(payload, _TIME_FIELD.get(type_, "")):
                continue
            if device_time is not None:
                moved.append((event_id, device_time + by))
            if status == "acked" and type_ in _DELIVERIES:
                delivered_naive.add(case_id)
            if status == "acked" and type_ in _VISITS and isinstance(payload, dict):
                visited_naive.add(str(payload.get("appointment_id", "")))
        _shift(conn, _events, "id", "device_time", moved)
    for rows in _pages(conn, _cases, "id", ["payload", "received_at", "delivered_at"]):
        received, delivered = [], []
        for case_id, payload, received_at, delivered_at in rows:
            if received_at is not None and _naive(payload, "received_at"):
                received.append((case_id, received_at + by))
            if delivered_at is not None and case_id in delivered_naive:
                delivered.append((case_id, delivered_at + by))
        _shift(conn, _cases, "id", "received_at", received)
        _shift(conn, _cases, "id", "delivered_at", delivered)
    for rows in _pages(conn, _appointments, "id", ["visited_at"]):
        visited = [(a, at + by) for a, at in rows if at is not None and a in visited_naive]
        _shift(conn, _appointments, "id", "visited_at", visited)


def upgrade() -> None:
    _move(-CHINA_OFFSET)


def downgrade() -> None:
    _move(CHINA_OFFSET)
