"""Back-office tables and the engine factory.

One schema for SQLite (the one-command default) and PostgreSQL (deployments):
only portable column types and SQL. The schema is made and upgraded by the alembic
migrations in `migrations/` (see `migrate`); these models must match their head.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Update,
    create_engine,
    event,
    false,
    select,
    text,
    update,
)
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000

# The values some text columns hold, as the wire (sync.protocol) spells them. The columns
# stay plain strings in the schema; what writes them checks the value first.
OrgLevel = Literal["county", "town", "village"]  # protocol.OrgUnitInfo.level
# LoginResponse.role, and department_head (approves extensions), who signs in only to the console.
Role = Literal["clerk", "social_worker", "bus_staff", "approver", "department_head", "supervisor", "admin"]
TicketStatus = Literal["waiting", "called", "done", "no_show"]  # protocol.QueueTicket.status
# A stored answer; "retry" is never stored. "held": a hand-over for a case not yet on the
# server, checked when the case arrives (sync.server.custody), answered "acked" meanwhile.
EventStatus = Literal["acked", "rejected", "held"]
# The states of a case awaiting a decision in the back office: the approvers' inbox
# (console.inbox_query) and its partial indexes below. Written out, not imported from
# client.domain.states, as the migration that made the indexes must keep the same list.
AWAITING_DECISION = ("submitted", "in_review", "supplement_requested", "suspended")


def utcnow() -> dt.datetime:
    """The server clock; everything the server orders or stamps uses it."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on both backends (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


def new_uuid() -> str:
    return str(uuid.uuid4())


class OrgUnit(Base):
    __tablename__ = "org_units"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12))
    level: Mapped[OrgLevel] = mapped_column(String(16), default="county")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("org_units.code"), default=None)
    # A hall configured so (a county hall, say) sees the cases of every unit below it.
    sees_subunits: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(String(32))
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Made by `init-demo` with the demo's published password: shown as 演示账号 everywhere.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    device_code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    wipe_ordered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    wiped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)  # the window's acknowledgement


class EnrolCode(Base):
    """A one-time enrolment code; only its SHA-256 is kept."""

    __tablename__ = "enrol_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    device_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


def _inbox_index(name: str, *columns: str) -> Index:
    """A partial index of the cases awaiting a decision, per department in one sort order: the
    inbox reads one range of it per department (migration 0010 makes the same ones)."""
    awaiting = text("status IN (" + ", ".join(f"'{state}'" for state in AWAITING_DECISION) + ")")
    return Index(name, "department_id", *columns, postgresql_where=awaiting, sqlite_where=awaiting)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        _inbox_index("ix_cases_inbox_due", "due", "case_no"),
        _inbox_index("ix_cases_inbox_received", "received_at", "case_no"),
        _inbox_index("ix_cases_inbox_case_no", "case_no"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the client's case_id
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"), default=None)
    matter_code: Mapped[str] = mapped_column(String(64))
    matter_name: Mapped[str] = mapped_column(String(200))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_type: Mapped[str] = mapped_column(String(32), default="身份证")
    applicant_id_number: Mapped[str] = mapped_column(String(64))
    # Who applied and who acted (payload revision 2); older windows leave a person acting alone.
    applicant_kind: Mapped[str] = mapped_column(String(16), default="person")  # person / organisation
    agent_name: Mapped[str | None] = mapped_column(String(200), default=None)
    agent_id_number: Mapped[str | None] = mapped_column(String(64), default=None)
    agent_relation: Mapped[str | None] = mapped_column(String(16), default=None)  # entrusted/statutory/staff/proxy
    status: Mapped[str] = mapped_column(String(32), index=True)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    promised_by: Mapped[dt.date | None] = mapped_column(Date, default=None)
    payload: Mapped[dict] = mapped_column(JSON)
    blobs_expected: Mapped[list] = mapped_column(JSON, default=list)
    result_name: Mapped[str | None] = mapped_column(String(200), default=None)
    result_no: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    delivered_to: Mapped[str | None] = mapped_column(String(200), default=None)
    e_licence: Mapped[bool] = mapped_column(Boolean, default=False)
    appeal_rights: Mapped[str | None] = mapped_column(Text, default=None)
    supplement: Mapped[list | None] = mapped_column(JSON, default=None)
    due: Mapped[dt.date | None] = mapped_column(Date, default=None)  # server-computed deadline
    # 法定办结期限 (§42 for a licence): moved by the head's extension and by suspensions like `due`.
    legal_due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    warning: Mapped[str | None] = mapped_column(String(16), default=None)  # last deadline warning sent
    # 一件事: every case of one bundle intake carries its number, so they are found together.
    bundle_no: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    # 承办科室 the case was routed to on arrival (or re-routed to); None: unrouted, an
    # administrator's to settle (sync.server.departments).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None, index=True)
    # SHA-256 (hex) of the public page's token the window printed in the QR (sync.server.rating_links);
    # never the token itself. None: an older window's case, which has no public page.
    public_token_sha: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class CaseBlob(Base):
    """Which blobs a case names: lets a finished upload find its cases with portable SQL."""

    __tablename__ = "case_blobs"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Department(Base):
    """A 承办科室 of one org unit: the matters whose catalog entry names its code are decided there."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("org_code", "code", name="uq_departments_org_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    code: Mapped[str] = mapped_column(String(32))  # client.domain.catalog.Matter.department_code
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffDepartment(Base):
    """An approver or department head working in a department (one person may be in several)."""

    __tablename__ = "staff_departments"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True, index=True)


class CaseRoute(Base):
    """A case moved to another department by hand: from where, to where, why, who and when."""

    __tablename__ = "case_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None)
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(Text)
    routed_by: Mapped[str] = mapped_column(String(64))
    routed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Event(Base):
    """Every event a device pushed, with the answer given (replayed on a retry)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    device_seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    device_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    server_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[EventStatus] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    # The window's audit chain at this event (its local seq, previous and own hash): the
    # anchor the window's `onewindow audit verify` checks its journal against. None from
    # windows that predate anchoring.
    chain_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    chain_prev: Mapped[str | None] = mapped_column(String(64), default=None)
    chain_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    __table_args__ = (Index("ix_events_device_chain_seq", "device_id", "chain_seq"),)


class ChainBreak(Base):
    """A pushed event whose chain does not continue what the back office anchored for its
    device (sync.server.audit_chain): the window's journal was cut, edited or forked."""

    __tablename__ = "chain_breaks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    chain_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # prev_mismatch / seq_reused
    anchored_hash: Mapped[str] = mapped_column(String(64))  # what the back office holds
    sent_hash: Mapped[str] = mapped_column(String(64))  # what the event claims
    found_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DecisionLink(Base):
    """The back office's own hash chain of decisions (sync.server.audit_chain): one row per
    decision, each hashing the one before."""

    __tablename__ = "decision_chain"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    case_no: Mapped[str | None] = mapped_column(String(40), default=None)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class Blob(Base):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    # The upload in progress belongs to the org unit and device that began it (sync.server.blobs).
    upload_org: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    upload_device: Mapped[str | None] = mapped_column(String(36), default=None)
    touched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)  # last byte kept


class BlobOwner(Base):
    """An org unit that proved it holds a blob (it sent every byte): only such an org unit
    learns that the server holds it; `size` counts against its quota."""

    __tablename__ = "blob_owners"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Change(Base):
    """The server-ordered feed devices pull; `seq` is the cursor.

    `seq` values come from `ChangeCounter` under a row lock held until commit, so
    seq order is commit order on PostgreSQL too and a puller never skips a change
    that commits late.
    """

    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    org_code: Mapped[str] = mapped_column(String(32), index=True)  # "*": every org unit
    device_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)  # one device only
    case_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)  # the case page reads by it
    case_no: Mapped[str | None] = mapped_column(String(40), default=None)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    server_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ChangeCounter(Base):
    """One row (id 1): the last change seq handed out."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)
    pruned_through: Mapped[int] = mapped_column(Integer, default=0)  # older cursors answer 410


class Publication(Base):
    """A published catalog version, calendar or notice template (newest id wins)."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(64), default="")
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Ticket(Base):
    """A queue ticket (叫号) of one hall (org unit) and one service day.

    `ticket_no` is what the holder's slip says and never changes; `id` order is the
    place in the queue, which a transfer keeps.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("org_code", "service_day", "ticket_no", name="uq_tickets_number"),
        Index("ix_tickets_queue", "org_code", "service_day", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    service_day: Mapped[dt.date] = mapped_column(Date)
    series: Mapped[str] = mapped_column(String(4))  # the prefix letter the number was drawn from
    number: Mapped[int] = mapped_column(Integer)
    ticket_no: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(4))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[TicketStatus] = mapped_column(String(16), default="waiting")
    window: Mapped[str | None] = mapped_column(String(16), default=None)  # who called it last
    target_window: Mapped[str | None] = mapped_column(String(16), default=None)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    called_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)  # first call
    last_called_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    called_by: Mapped[str | None] = mapped_column(String(36), default=None)  # device id
    case_no: Mapped[str | None] = mapped_column(String(40), default=None)
    booking_id: Mapped[int | None] = mapped_column(Integer, default=None)  # bookings.id: checked in by 预约


class BookingSlot(Base):
    """A time slot of a hall's 云叫号 booking: a category's start time on one day and how many
    people it takes (set by the hall, `onewindow-server booking slots`)."""

    __tablename__ = "booking_slots"
    __table_args__ = (UniqueConstraint("org_code", "category", "starts_at", name="uq_booking_slots_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    category: Mapped[str] = mapped_column(String(4))
    day: Mapped[dt.date] = mapped_column(Date, index=True)  # the hall's (CST) day
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)


class Booking(Base):
    """One person's appointment in a slot. The ID number, the phone and the confirmation code
    are kept only as digests: enough to recognise them, not to read them back."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_slot_status", "slot_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slots.id"))
    matter_code: Mapped[str | None] = mapped_column(String(40), default=None)
    matter_name: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(40))
    id_sha: Mapped[str] = mapped_column(String(64), index=True)
    phone_sha: Mapped[str] = mapped_column(String(64))
    code_sha: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked/checked_in/no_show/cancelled
    booked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)


class Shift(Base):
    """A clerk's shift at a window, as the window reported it (shift.opened / shift.closed)."""

    __tablename__ = "shifts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    window: Mapped[str] = mapped_column(String(16))
    clerk: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class OutreachRun(Base):
    """A planned day of the service bus (政务服务入户直通车): one area, one date, a crew."""

    __tablename__ = "outreach_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)  # who runs the bus
    area_code: Mapped[str] = mapped_column(String(32))  # org unit or region code visited
    area_name: Mapped[str] = mapped_column(String(200))
    run_date: Mapped[dt.date] = mapped_column(Date, index=True)
    crew: Mapped[list] = mapped_column(JSON, default=list)  # usernames
    note: Mapped[str] = mapped_column(Text, default="")
    planned_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutreachAppointment(Base):
    """One booked home visit (预约) of a run and, once recorded, what came of it."""

    __tablename__ = "outreach_appointments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    run_id: Mapped[str] = mapped_column(ForeignKey("outreach_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(32), default="")
    matter_code: Mapped[str] = mapped_column(String(64))
    matter_name: Mapped[str] = mapped_column(String(200))
    booked_via: Mapped[str] = mapped_column(String(32), default="电话")
    note: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")  # "" planned / concluded / collected / missed ...
    case_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    case_no: Mapped[str | None] = mapped_column(String(40), default=None)
    reason_code: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(String(64), default="")
    visited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    device_id: Mapped[str | None] = mapped_column(String(36), default=None)


class ConsoleSession(Base):
    """A signed-in staff member of the approvers' console; only the token's SHA-256 is kept.

    In the database, not in a process, so several stateless server processes share sessions.
    """

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)  # the absolute end


class StaffLockout(Base):
    """Wrong passwords in a row for one typed username (known or not), and the lock they earned."""

    __tablename__ = "staff_lockouts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)


class PublicHit(Base):
    """Requests to the public pages (/p/) per client address, kind and period: the rate limit
    shared by every app process (sync.server.public.limits). The address is kept as a digest."""

    __tablename__ = "public_hits"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    period_start: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class StaffAudit(Base):
    """What staff did in the console and what came of it: no passwords, no citizens' data."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)  # as typed: may name no account
    org_code: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    client: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")


class Rating(Base):
    """One 好差评 of one service of a case (一次一评 at the pad, 一事一评 online), tied to who
    served: the case's clerk, window, department and the channel it came by.

    `id` is the window's event id for a pad rating and a server-made one for an online rating,
    so a pushed event replayed never counts twice.
    """

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_org_rated", "org_code", "rated_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None, index=True)
    device_id: Mapped[str | None] = mapped_column(String(36), default=None)  # the window that served
    window: Mapped[str] = mapped_column(String(200), default="")  # that window's name, as enrolled
    clerk: Mapped[str] = mapped_column(String(64), default="")  # username of who served (谁办理谁负责)
    channel: Mapped[str] = mapped_column(String(16))  # client.domain.ratings.CHANNELS: pad / web
    # intake (受理) / delivery (出件) / case (一事一评, online)
    stage: Mapped[str] = mapped_column(String(16), default="intake")
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    indicators: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(32), default="")  # client.domain.ratings.BAD_REASONS code
    comment: Mapped[str] = mapped_column(Text, default="")  # online only, bounded
    round: Mapped[int] = mapped_column(Integer, default=1)  # 2: 二次评价 after rectification
    rated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class RectificationRule(Base):
    """How long a department has to close a 差评 in one org unit (provincial rules differ)."""

    __tablename__ = "rectification_rules"

    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), primary_key=True)
    working_days: Mapped[int] = mapped_column(Integer)  # call back, fix or explain within
    ledger_working_days: Mapped[int] = mapped_column(Integer)  # a problem put in the 台账
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class WorkOrder(Base):
    """The 差评整改 work order a 不满意/非常不满意 opens: assigned to the case's department
    with a deadline; the call-back, the fix or explanation, then the supervisor's close."""

    __tablename__ = "work_orders"
    __table_args__ = (Index("ix_work_orders_org_status", "org_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[str] = mapped_column(ForeignKey("ratings.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None, index=True)
    # sync.server.work_orders.STATES: open 待回访 / called_back 整改中 / ledger 列入台账 /
    # rectified 已整改 / explained 已解释 / closed 已办结 (reopened goes back to open)
    status: Mapped[str] = mapped_column(String(16), default="open")
    due: Mapped[dt.date] = mapped_column(Date)
    ledger_due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    called_back_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    called_back_by: Mapped[str | None] = mapped_column(String(64), default=None)
    call_back_note: Mapped[str] = mapped_column(Text, default="")
    rectification: Mapped[str] = mapped_column(Text, default="")  # what was fixed
    explanation: Mapped[str] = mapped_column(Text, default="")  # or why nothing needed fixing
    handled_by: Mapped[str | None] = mapped_column(String(64), default=None)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class WorkOrderStep(Base):
    """Every step of a work order, kept: who did what, when, and what they wrote."""

    __tablename__ = "work_order_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Escalation(Base):
    """电子监察: a case that turned yellow (near_due) or red (overdue), raised once per level and
    due date for its department's heads and its org unit's supervisors, with who acknowledged
    it, when, and the reason they gave (sync.server.escalations)."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("case_id", "level", "due", name="uq_escalations_case_level_due"),
        Index("ix_escalations_org_ack", "org_code", "acknowledged_at"),
        Index("ix_escalations_department_ack", "department_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    case_no: Mapped[str] = mapped_column(String(40))
    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None)
    level: Mapped[str] = mapped_column(String(16))  # near_due 黄牌 / overdue 红牌
    due: Mapped[dt.date] = mapped_column(Date)
    working_days_left: Mapped[int] = mapped_column(Integer)  # negative: overdue by that many
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), default=None)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")  # the explanation given on acknowledging


class HallDisplay(Base):
    """The key a hall's calling display (叫号显示屏) shows to be let in: only its SHA-256 is kept."""

    __tablename__ = "hall_displays"

    org_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), primary_key=True)
    key_sha: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class TicketLink(Base):
    """The token behind the QR on a kiosk's ticket (its live status page, /q/<token>): only its
    SHA-256 is kept, so a database dump opens no page."""

    __tablename__ = "ticket_links"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    token_sha: Mapped[str] = mapped_column(String(64), unique=True)
    made_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


ALL_ORGS = "*"


def append_change(
    session: Session,
    kind: str,
    org_code: str,
    *,
    case_id: str | None = None,
    case_no: str | None = None,
    data: dict | None = None,
    device_id: str | None = None,
) -> Change:
    """Add one change to the feed inside the caller's transaction."""
    seq = reserve_changes(session, 1)
    change = Change(
        seq=seq,
        kind=kind,
        org_code=org_code,
        case_id=case_id,
        case_no=case_no,
        data=dict(data or {}),
        server_time=utcnow(),
        device_id=device_id,
    )
    session.add(change)
    return change


def reserve_changes(session: Session, count: int) -> int:
    """Hand out `count` feed numbers at once; returns the last. The counter row stays
    locked until the caller commits, so seq order is commit order."""
    session.execute(update(ChangeCounter).where(ChangeCounter.id == 1).values(value=ChangeCounter.value + count))
    return session.execute(select(ChangeCounter.value).where(ChangeCounter.id == 1)).scalar_one()


def rows_matched(session: Session, statement: Update) -> int:
    """Run an UPDATE in the session; how many rows it matched. `Session.execute` answers DML
    with a CursorResult but is typed to return the plain Result, which has no rowcount."""
    return cast("CursorResult[()]", session.execute(statement)).rowcount


def _sqlite_setup(engine: Engine) -> None:
    """WAL + busy timeout + IMMEDIATE transactions: the CLI and the server share the file."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front so a read never has to upgrade (which fails
        # at once in WAL mode instead of waiting for busy_timeout).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


PG_POOL_SIZE = 10
PG_POOL_OVERFLOW = 30


def make_engine(db_url: str, *, create: bool = True) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, migrated to the newest schema."""
    if db_url.startswith("sqlite"):
        # hide_parameters: a failed statement's error (and so the log) never quotes the values.
        engine = create_engine(db_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)
        _sqlite_setup(engine)
    else:
        # No ping before each checkout: it is a round trip on every transaction, and a pull
        # every 30 s from every window is mostly that. A connection found dead (PostgreSQL
        # restarted) fails its one request and makes the pool drop every older connection,
        # so the window's next round finds fresh ones. The pool keeps 10 connections and
        # opens up to 30 more in a burst, 40 in all as the thread pool has workers (anyio's):
        # a request never waits for one, and ordinary load never opens and closes one (each
        # a PostgreSQL process).
        engine = create_engine(db_url, pool_size=PG_POOL_SIZE, max_overflow=PG_POOL_OVERFLOW, hide_parameters=True)
    if create:
        from .migrate import upgrade  # alembic only where a database is opened

        upgrade(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def engine_for(db: str | Engine) -> Iterator[Engine]:
    """Use a given engine, or open (and afterwards dispose) one for a URL."""
    if isinstance(db, Engine):
        yield db
        return
    engine = make_engine(db)
    try:
        yield engine
    finally:
        engine.dispose()
