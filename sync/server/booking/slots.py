"""The hall's booking slots: set from the command line (a day, or every working day of a range,
a first and a last start, the spacing and the capacity), listed for the public page with the
places still free."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.deadlines import WorkCalendar
from client.domain.tickets import CATEGORIES
from sync import protocol

from ..db import Booking, BookingSlot, OrgUnit
from ..publishing import current_calendar
from .rules import ACTIVE, BookingError

MAX_RANGE_DAYS = 92  # a quarter at a time: a typo in a year cannot open thousands of slots


@dataclass(frozen=True)
class OpenedDays:
    """What a range opened: the working days and the slots set on them."""

    days: tuple[dt.date, ...]
    slots: int


@dataclass(frozen=True)
class Slot:
    """A slot as the public sees it: when, which category, how many places are left."""

    id: int
    category: str
    day: dt.date
    starts_at: dt.datetime  # UTC
    capacity: int
    free: int

    @property
    def label(self) -> str:
        return f"{self.starts_at.astimezone(protocol.CST):%H:%M}"


def set_slots(
    sessions: sessionmaker[Session],
    org_code: str,
    category: str,
    day: dt.date,
    first: dt.time,
    last: dt.time,
    every_minutes: int,
    capacity: int,
) -> int:
    """Open (or resize) the slots of one day; returns how many were set. A slot keeps its
    bookings when resized: the capacity only limits new ones."""
    category = category.strip().upper()
    if category not in CATEGORIES:
        raise BookingError("bad_category", f"没有“{category}”类号")
    if capacity < 1 or every_minutes < 5 or last < first:
        raise BookingError("bad_slots", "时段设置有误：容量至少为1，间隔至少5分钟，结束不早于开始")
    starts: list[dt.datetime] = []
    at = dt.datetime.combine(day, first, protocol.CST)
    end = dt.datetime.combine(day, last, protocol.CST)
    while at <= end:
        starts.append(at.astimezone(dt.UTC))
        at += dt.timedelta(minutes=every_minutes)
    with sessions() as session, session.begin():
        if session.get(OrgUnit, org_code) is None:
            raise BookingError("unknown_org", f"没有机构 {org_code}")
        for start in starts:
            row = session.execute(
                select(BookingSlot).where(
                    BookingSlot.org_code == org_code, BookingSlot.category == category, BookingSlot.starts_at == start
                )
            ).scalar_one_or_none()
            if row is None:
                session.add(
                    BookingSlot(org_code=org_code, category=category, day=day, starts_at=start, capacity=capacity)
                )
            else:
                row.capacity = capacity
    return len(starts)


def set_working_days(
    sessions: sessionmaker[Session],
    org_code: str,
    category: str,
    first_day: dt.date,
    last_day: dt.date,
    first: dt.time,
    last: dt.time,
    every_minutes: int,
    capacity: int,
    calendar: WorkCalendar | None = None,
) -> OpenedDays:
    """The same slots on every working day from `first_day` to `last_day`: weekends and
    holidays skipped and 调休 Saturdays opened, by the calendar the back office publishes
    (`calendar` given only by tests)."""
    if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise BookingError("bad_range", f"日期范围有误：结束日期不早于开始日期，一次最多{MAX_RANGE_DAYS}天")
    if calendar is None:
        with sessions() as session:
            calendar = current_calendar(session)
    days = tuple(
        day
        for day in (first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1))
        if calendar.is_working_day(day)
    )
    total = sum(set_slots(sessions, org_code, category, day, first, last, every_minutes, capacity) for day in days)
    return OpenedDays(days, total)


def open_slots(session: Session, org_code: str, now: dt.datetime, days: int, category: str | None = None) -> list[Slot]:
    """Slots not yet started in the next `days` days, with their free places (full ones too)."""
    taken = (
        select(Booking.slot_id, func.count().label("n"))
        .where(Booking.status.in_(ACTIVE))
        .group_by(Booking.slot_id)
        .subquery()
    )
    query = (
        select(BookingSlot, func.coalesce(taken.c.n, 0))
        .outerjoin(taken, taken.c.slot_id == BookingSlot.id)
        .where(
            BookingSlot.org_code == org_code,
            BookingSlot.starts_at > now,
            BookingSlot.starts_at < now + dt.timedelta(days=days),
        )
        .order_by(BookingSlot.starts_at, BookingSlot.category)
    )
    if category:
        query = query.where(BookingSlot.category == category)
    return [
        Slot(s.id, s.category, s.day, s.starts_at, s.capacity, max(0, s.capacity - n))
        for s, n in session.execute(query).all()
    ]
