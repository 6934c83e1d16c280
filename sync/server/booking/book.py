"""Booking, cancelling and changing an appointment, checking it in, and recording no-shows.

A booking holds the slot's row lock (FOR UPDATE on PostgreSQL; SQLite has one writer) while
it counts the places taken, so two people can never both take a slot's last place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from client.domain.catalog import Catalog
from client.domain.validators import check_mobile, check_resident_id
from sync import protocol

from ..db import Booking, BookingSlot, Ticket
from .rules import (
    ACTIVE,
    BOOKED,
    CANCELLED,
    CHECKED_IN,
    GRACE_AFTER,
    GRACE_BEFORE,
    NO_SHOW,
    BookingError,
    digest,
    new_code,
    normal_code,
)

MAX_NAME = 40
SAME_DAY = dt.timedelta(hours=12)  # "today's" bookings for a check-in, midnight or not


@dataclass(frozen=True)
class Person:
    """Who books, checked: the name as typed, the ID number and phone normalised."""

    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class Booked:
    """A booking as its holder sees it (`code` only right after booking or changing)."""

    org_code: str
    category: str
    starts_at: dt.datetime
    matter_code: str | None
    matter_name: str
    status: str
    code: str = ""

    @property
    def when(self) -> str:
        return f"{self.starts_at.astimezone(protocol.CST):%Y-%m-%d %H:%M}"


def check_person(name: str, id_number: str, phone: str, today: dt.date) -> Person:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise BookingError("bad_name", "请填写姓名（不超过40个字）")
    if any(ord(char) < 32 or 0xD800 <= ord(char) <= 0xDFFF or char == "\x7f" for char in name):
        raise BookingError("bad_name", "姓名中含有无法识别的字符，请重新输入")  # nothing a database could refuse
    id_check = check_resident_id(id_number or "", today)
    if not id_check.ok:
        raise BookingError("invalid_id_number", id_check.message)
    phone_check = check_mobile(phone or "")
    if not phone_check.ok:
        raise BookingError("bad_phone", phone_check.message)
    return Person(name, id_check.value, phone_check.value)


def _matter(catalog: Catalog, code: str | None) -> tuple[str | None, str]:
    code = (code or "").strip()
    if not code:
        return None, ""
    try:
        return code, catalog.get(code).name
    except KeyError:
        raise BookingError("unknown_matter", f"事项目录中没有事项“{code}”") from None


def _take_place(session: Session, org_code: str, slot_id: int, id_sha: str, now: dt.datetime) -> BookingSlot:
    """The slot, locked, if this person may have a place in it; else the refusal."""
    slot = session.execute(
        select(BookingSlot).where(BookingSlot.id == slot_id, BookingSlot.org_code == org_code).with_for_update()
    ).scalar_one_or_none()
    if slot is None:
        raise BookingError("unknown_slot", "没有这个预约时段，请重新选择", 404)
    if slot.starts_at <= now:
        raise BookingError("past_slot", "该时段已过，不能预约过去的日期或时间，请选择以后的时段")
    taken = session.execute(
        select(func.count()).select_from(Booking).where(Booking.slot_id == slot.id, Booking.status.in_(ACTIVE))
    ).scalar_one()
    twice = session.execute(
        select(Booking.id).where(Booking.slot_id == slot.id, Booking.id_sha == id_sha, Booking.status.in_(ACTIVE))
    ).first()
    if twice is not None:
        raise BookingError("already_booked", "您已预约了这个时段，同一人同一时段只能预约一次", 409)
    if taken >= slot.capacity:
        raise BookingError("slot_full", "该时段已约满，请选择其他时段", 409)
    return slot


def book(
    sessions: sessionmaker[Session],
    catalog: Catalog,
    org_code: str,
    slot_id: int,
    person: Person,
    matter_code: str | None,
    now: dt.datetime,
) -> Booked:
    matter, matter_name = _matter(catalog, matter_code)
    code = new_code()
    id_sha = digest("id", person.id_number)
    with sessions() as session, session.begin():
        slot = _take_place(session, org_code, slot_id, id_sha, now)
        session.add(
            Booking(
                org_code=org_code,
                slot_id=slot.id,
                matter_code=matter,
                matter_name=matter_name,
                name=person.name,
                id_sha=id_sha,
                phone_sha=digest("phone", person.phone),
                code_sha=digest("code", code),
                status=BOOKED,
                booked_at=now,
            )
        )
        return Booked(org_code, slot.category, slot.starts_at, matter, matter_name, BOOKED, code)


def _mine(session: Session, code: str, phone: str) -> Booking:
    """The booking of this code and phone, locked; both must match (one answer for either wrong)."""
    row = session.execute(
        select(Booking).where(Booking.code_sha == digest("code", normal_code(code or ""))).with_for_update()
    ).scalar_one_or_none()
    mobile = check_mobile(phone or "")
    if row is None or not mobile.ok or row.phone_sha != digest("phone", mobile.value):
        raise BookingError("unknown_code", "预约码或手机号不正确，未找到该预约", 404)
    return row


def _shown(session: Session, row: Booking, code: str = "") -> Booked:
    slot = session.get_one(BookingSlot, row.slot_id)
    return Booked(row.org_code, slot.category, slot.starts_at, row.matter_code, row.matter_name, row.status, code)


def look_up(sessions: sessionmaker[Session], code: str, phone: str) -> Booked:
    with sessions() as session, session.begin():
        return _shown(session, _mine(session, code, phone))


def cancel(sessions: sessionmaker[Session], code: str, phone: str, now: dt.datetime) -> Booked:
    with sessions() as session, session.begin():
        row = _mine(session, code, phone)
        if row.status != BOOKED:
            raise BookingError("not_cancellable", "该预约已签到、已取消或已过期，不能取消", 409)
        row.status = CANCELLED
        return _shown(session, row)


def change(sessions: sessionmaker[Session], code: str, phone: str, slot_id: int, now: dt.datetime) -> Booked:
    """Move a booking to another slot of its hall; the code stays the same."""
    with sessions() as session, session.begin():
        row = _mine(session, code, phone)
        if row.status != BOOKED:
            raise BookingError("not_changeable", "该预约已签到、已取消或已过期，不能改约", 409)
        if slot_id == row.slot_id:
            raise BookingError("same_slot", "新时段与原时段相同", 409)
        slot = _take_place(session, row.org_code, slot_id, row.id_sha, now)
        row.slot_id = slot.id
        session.flush()
        return _shown(session, row, normal_code(code))


def record_no_shows(session: Session, org_code: str, now: dt.datetime) -> int:
    """Bookings whose check-in closed without them become no-shows."""
    late = select(BookingSlot.id).where(BookingSlot.org_code == org_code, BookingSlot.starts_at < now - GRACE_AFTER)
    result = session.execute(
        update(Booking)
        .where(Booking.org_code == org_code, Booking.status == BOOKED, Booking.slot_id.in_(late))
        .values(status=NO_SHOW)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def check_in(session: Session, org_code: str, id_number: str, now: dt.datetime) -> Booking | None:
    """The booking this ID number checks in now (within its slot's grace period), marked
    checked in; None when there is none. Runs in the ticket's transaction, under the hall's lock."""
    record_no_shows(session, org_code, now)
    row = session.execute(
        select(Booking)
        .join(BookingSlot, BookingSlot.id == Booking.slot_id)
        .where(
            Booking.org_code == org_code,
            Booking.id_sha == digest("id", id_number),
            Booking.status == BOOKED,
            BookingSlot.starts_at <= now + GRACE_BEFORE,
            BookingSlot.starts_at >= now - GRACE_AFTER,
        )
        .order_by(BookingSlot.starts_at)
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    row.status, row.checked_in_at = CHECKED_IN, now
    return row


def window_check_in(
    session: Session, org_code: str, now: dt.datetime, *, id_number: str = "", code: str = ""
) -> Booking:
    """The booking a clerk checks in at the window, found by its holder's ID number or its
    confirmation code among those within half a day of now; refused in words the clerk can
    pass on (too early, too late, already checked in, none). Runs in the ticket's
    transaction, under the hall's lock."""
    record_no_shows(session, org_code, now)
    key = Booking.id_sha == digest("id", id_number) if id_number else Booking.code_sha == digest("code", code)
    rows = session.execute(
        select(Booking, BookingSlot)
        .join(BookingSlot, BookingSlot.id == Booking.slot_id)
        .where(
            Booking.org_code == org_code,
            key,
            BookingSlot.starts_at >= now - SAME_DAY,
            BookingSlot.starts_at <= now + SAME_DAY,
        )
        .order_by(BookingSlot.starts_at)
    ).all()
    open_now = [
        b for b, s in rows if b.status == BOOKED and s.starts_at - GRACE_BEFORE <= now <= s.starts_at + GRACE_AFTER
    ]
    if open_now:
        open_now[0].status, open_now[0].checked_in_at = CHECKED_IN, now
        return open_now[0]
    clock = lambda t: f"{t.astimezone(protocol.CST):%H:%M}"  # noqa: E731
    for status in (BOOKED, CHECKED_IN, NO_SHOW):
        for booking, slot in rows:
            if booking.status != status:
                continue
            if status == BOOKED:
                raise BookingError(
                    "too_early",
                    f"预约时段为{clock(slot.starts_at)}，请于{clock(slot.starts_at - GRACE_BEFORE)}以后签到",
                    409,
                )
            if status == CHECKED_IN:
                ticket = session.execute(select(Ticket.ticket_no).where(Ticket.booking_id == booking.id)).scalar()
                number = f"，号码{ticket}" if ticket else ""
                when = clock(booking.checked_in_at) if booking.checked_in_at else ""
                raise BookingError("already_checked_in", f"该预约已于{when}签到{number}，请等候叫号", 409)
            raise BookingError(
                "too_late",
                f"预约时段{clock(slot.starts_at)}的签到时间已过（开始后15分钟内），已记为未到，请现场取号",
                409,
            )
    raise BookingError("no_booking", "未找到今天的预约，请核对身份证号或确认码（已取消的预约不能签到）", 404)


def appointment_of(session: Session, booking_id: int) -> protocol.QueueAppointment | None:
    """What the window shows of a called ticket's booking."""
    row = session.get(Booking, booking_id)
    if row is None:
        return None
    slot = session.get_one(BookingSlot, row.slot_id)
    return protocol.QueueAppointment(starts_at=slot.starts_at, matter_code=row.matter_code, matter_name=row.matter_name)
