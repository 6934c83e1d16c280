"""A hall's day in figures, for the supervisor: waits and service times by category and hour
of issue, 过号 (tickets called in vain) and appointment use (booked, checked in, no-shows).
No-shows are recorded first, so a day just past shows them all."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol

from ..db import Booking, BookingSlot, Ticket, utcnow
from .book import record_no_shows
from .rules import CANCELLED, CHECKED_IN, NO_SHOW


@dataclass(frozen=True)
class HourRow:
    """The tickets of one category issued in one hour (CST) of the day."""

    category: str
    hour: int
    issued: int
    served: int
    no_show: int  # 过号
    appointments: int  # of which checked in by a booking
    average_wait_minutes: float | None  # issue → first call
    average_service_minutes: float | None  # first call → done


@dataclass(frozen=True)
class AppointmentUse:
    booked: int  # not cancelled
    checked_in: int
    no_show: int
    cancelled: int


@dataclass(frozen=True)
class HallDay:
    org_code: str
    day: dt.date
    rows: tuple[HourRow, ...]
    appointments: AppointmentUse

    @property
    def issued(self) -> int:
        return sum(r.issued for r in self.rows)

    @property
    def ticket_no_shows(self) -> int:
        return sum(r.no_show for r in self.rows)


def _average(spans: list[dt.timedelta]) -> float | None:
    return round(sum(s.total_seconds() for s in spans) / len(spans) / 60, 1) if spans else None


def hall_day(sessions: sessionmaker[Session], org_code: str, day: dt.date, now: dt.datetime | None = None) -> HallDay:
    with sessions() as session, session.begin():
        record_no_shows(session, org_code, now or utcnow())
        tickets = list(
            session.execute(select(Ticket).where(Ticket.org_code == org_code, Ticket.service_day == day)).scalars()
        )
        counts = dict(
            session.execute(
                select(Booking.status, func.count())
                .join(BookingSlot, BookingSlot.id == Booking.slot_id)
                .where(Booking.org_code == org_code, BookingSlot.day == day)
                .group_by(Booking.status)
            ).all()
        )
    groups: dict[tuple[str, int], list[Ticket]] = defaultdict(list)
    for t in tickets:
        groups[(t.category, t.issued_at.astimezone(protocol.CST).hour)].append(t)
    rows = tuple(
        HourRow(
            category,
            hour,
            len(group),
            sum(t.status == "done" for t in group),
            sum(t.status == "no_show" for t in group),
            sum(t.booking_id is not None for t in group),
            _average([t.called_at - t.issued_at for t in group if t.called_at]),
            _average([t.done_at - t.called_at for t in group if t.status == "done" and t.called_at and t.done_at]),
        )
        for (category, hour), group in sorted(groups.items())
    )
    cancelled = counts.get(CANCELLED, 0)
    use = AppointmentUse(sum(counts.values()) - cancelled, counts.get(CHECKED_IN, 0), counts.get(NO_SHOW, 0), cancelled)
    return HallDay(org_code, day, rows, use)
