"""SQLAlchemy models of the local store.

A case, its materials, its audit events and its outbox entries live in one SQLite
file so they can be written in one transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """Small key/value facts about this installation (device identity, cursor)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Monotonic series: case numbers per day, notice numbers per kind and year."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class CachedUser(Base):
    """Verifier of a clerk who logged in online, for a bounded offline login."""

    __tablename__ = "cached_users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    salt: Mapped[str] = mapped_column(String(64))
    verifier: Mapped[str] = mapped_column(String(128))
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    matter_code: Mapped[str] = mapped_column(String(64))
    matter_name: Mapped[str] = mapped_column(String(128))
    catalog_version: Mapped[str] = mapped_column(String(32))
    applicant_name: Mapped[str] = mapped_column(String(64))
    applicant_id_type: Mapped[str] = mapped_column(String(16))
    applicant_id_number: Mapped[str] = mapped_column(String(32), index=True)
    applicant_phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(32), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    promised_by: Mapped[dt.date] = mapped_column(Date)
    # The back office's own deadline (moved by suspensions, counted on its clock); None until pulled.
    server_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True, default=None)
    # The device's clock minus the back office's when the case was taken (seconds, as the window
    # last measured it); None: never compared. The back office's time then is received_at minus it.
    clock_offset_s: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    # The public page's token (背靠背 rating by QR): printed as <query_url><token> on the receipt and
    # every notice, sent with the intake event; the back office keeps only its digest. None: an
    # older case, whose paper has no public page.
    public_token: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    clerk: Mapped[str] = mapped_column(String(64))
    notice_no: Mapped[str] = mapped_column(String(64), default="")
    result_name: Mapped[str] = mapped_column(String(128), default="")
    result_no: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    materials: Mapped[list[Material]] = relationship(back_populates="case", order_by="Material.position")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", primaryjoin="Case.id == foreign(CaseEvent.case_id)"
    )


class Material(Base):
    __tablename__ = "materials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(256))
    form: Mapped[str] = mapped_column(String(16))
    copies: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    pages: Mapped[list] = mapped_column(JSON, default=list)  # SHA-256 of each page
    case: Mapped[Case] = relationship(back_populates="materials")


class KnownParty(Base):
    """Applicant memory: what earlier cases taught the counter about a person or an organisation.

    Filled in with every recorded case (accepted, notified or refused) so a returning
    applicant types nothing twice; an organisation is keyed by its USCC. Lives in the
    encrypted store like the cases it comes from.
    """

    __tablename__ = "known_parties"
    id_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")  # person / organisation
    name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(256), default="")
    legal_rep: Mapped[str] = mapped_column(String(64), default="")
    # The agent who acted last time: {"name", "id_type", "id_number", "relation", "phone"}.
    agent: Mapped[dict | None] = mapped_column(JSON, nullable=True, default=None)
    last_case_id: Mapped[str] = mapped_column(String(36), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CaseEvent(Base):
    """Append-only audit trail; `hash` chains every event to the one before.

    `case_id` names the case, or for an outreach visit that produced none (outreach.missed)
    the appointment: hence no foreign key to cases.
    """

    __tablename__ = "case_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    clerk: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36))
    device_time: Mapped[dt.datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    case: Mapped[Case] = relationship(back_populates="events", primaryjoin="foreign(CaseEvent.case_id) == Case.id")


class OutboxEntry(Base):
    """An event waiting for the back office's answer; removed from the queue only on ack."""

    __tablename__ = "outbox"
    event_id: Mapped[str] = mapped_column(ForeignKey("case_events.event_id"), primary_key=True)
    device_seq: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True, default="pending")  # pending/acked/rejected
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class BlobEntry(Base):
    """A scanned page that must reach the server; content-addressed."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending/done


class ServerChange(Base):
    """Changes pulled from the back office, kept for the case timeline."""

    __tablename__ = "server_changes"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON)
    server_time: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("seq"),)


class Shift(Base):
    """A clerk's shift at a window (开班 … 交班) on this machine, with what the queue did in it.

    `synced` says which of its two events the back office has acknowledged: "", "opened", "closed".
    """

    __tablename__ = "shifts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    window: Mapped[str] = mapped_column(String(16))
    clerk: Mapped[str] = mapped_column(String(64))  # username
    clerk_name: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    tickets_served: Mapped[int] = mapped_column(Integer, default=0)
    tickets_no_show: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    synced: Mapped[str] = mapped_column(String(16), default="")


class OutreachRun(Base):
    """A service-bus run loaded from the back office before leaving (政务服务入户直通车)."""

    __tablename__ = "outreach_runs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(32))
    area_name: Mapped[str] = mapped_column(String(200))
    run_date: Mapped[dt.date] = mapped_column(Date, index=True)
    crew: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OutreachAppointment(Base):
    """One booked home visit; `outcome` and the rest are filled on the bus, offline."""

    __tablename__ = "outreach_appointments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("outreach_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(32), default="")
    matter_code: Mapped[str] = mapped_column(String(64))
    matter_name: Mapped[str] = mapped_column(String(200))
    booked_via: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")  # "" / concluded / collected / missed / ...
    case_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    case_no: Mapped[str] = mapped_column(String(32), default="")
    reason_code: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(String(64), default="")  # SHA-256 of the signature page
    visited_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class TransferSlip(Base):
    """流转单 of a proxy case (帮办代办): where its paper originals are now.

    At the station the slip is made with the case; at the hall a row is made when the
    slip's code is scanned in. `holder` is one of sync.protocol.HOLDERS.
    """

    __tablename__ = "transfer_slips"
    slip_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    case_no: Mapped[str] = mapped_column(String(32))
    forward_to: Mapped[str] = mapped_column(String(128), default="")
    holder: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    received_by: Mapped[str] = mapped_column(String(128), default="")


class Draft(Base):
    """An intake in progress (未完成的受理), saved as the clerk goes so nothing typed is lost.

    `data` is the snapshot as JSON (applicant, matter, answers, material states, page refs);
    `pages` repeats the SHA-256 of every page it refers to, so a cleanup can keep them.
    """

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clerk: Mapped[str] = mapped_column(String(64), index=True)  # username: a clerk sees only their own
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    data: Mapped[str] = mapped_column(Text)
    pages: Mapped[list] = mapped_column(JSON, default=list)
