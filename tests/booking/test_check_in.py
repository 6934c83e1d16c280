"""Check-in on a real back office (SQLite and PostgreSQL): a booking made through the API is
checked in by a ticket request carrying its ID number within the slot's grace period, and is
called ahead of the walk-ins of its category; a full slot is refused; a booking not checked in
by the end of its grace period is recorded as a no-show."""

from __future__ import annotations

import datetime as dt

import httpx

from sync import protocol
from sync.server import queue
from sync.server.booking import slots, statistics
from tests.booking.site import MATTER, cst, tomorrow, valid_id

BOOKER = valid_id("37070219850312001")
ELDERLY = valid_id("37070219450101003")
LATE = valid_id("37070219900101004")
WALK_IN = valid_id("37070220000101005")


def ticket_request(office, id_number: str | None = None, category: str = "A") -> dict:
    """What the kiosk sends after reading an ID card (or a touch on a category)."""
    answer = httpx.post(
        f"{office.url}{protocol.API}/queue/tickets",
        json={"category": category, "id_number": id_number},
        headers={"Authorization": f"Bearer {office.token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_checked_in_booking_is_called_ahead_of_the_walk_ins_of_its_slot(office):
    day = tomorrow()
    office.open_slots(day, first="09:00", last="09:30", capacity=1, category="B")
    nine, half_past = office.slots()
    booked = office.book(nine["id"], "张三", BOOKER, "13912345678", matter_code=MATTER)
    assert booked.status_code == 200, booked.text
    assert office.book(half_past["id"], "李四", LATE, "13812345678").status_code == 200
    full = office.book(nine["id"], "王五", WALK_IN, "13712345678")
    assert (full.status_code, full.json()["message"]) == (409, "该时段已约满，请选择其他时段")

    at = cst(day, 8, 40)  # the walk-ins come early; the booker within the 15 minutes before 09:00
    sessions = office.sessions
    first = queue.take_ticket(sessions, office.org_code, "B", now=at)
    second = queue.take_ticket(sessions, office.org_code, "B", id_number=WALK_IN, now=at + dt.timedelta(minutes=1))
    too_early = queue.take_ticket(sessions, office.org_code, "B", id_number=LATE, now=at + dt.timedelta(minutes=2))
    assert too_early.appointment is None  # 09:30 opens at 09:15: a walk-in's ticket now
    mine = queue.take_ticket(sessions, office.org_code, "A", id_number=BOOKER, now=cst(day, 8, 50))
    assert mine.category == "B"  # the booking's category, whatever was touched
    assert mine.appointment is not None and mine.appointment.matter_code == MATTER
    assert mine.appointment.starts_at == dt.datetime.fromisoformat(nine["starts_at"]).replace(tzinfo=dt.UTC)
    assert mine.waiting_ahead == 0  # the three walk-ins wait behind a checked-in booking

    called = queue.call_next(sessions, office.org_code, "device", "3", now=cst(day, 9, 0)).ticket
    assert called is not None and called.ticket_no == mine.ticket_no  # ahead of the three walk-ins
    assert called.appointment is not None and called.appointment.matter_name  # what the window shows
    queue.act(sessions, office.org_code, called.id, "done", protocol.TicketAction(window="3"), now=cst(day, 9, 10))
    nxt = queue.call_next(sessions, office.org_code, "device", "3", now=cst(day, 9, 11)).ticket
    assert nxt is not None and nxt.ticket_no == first.ticket_no and nxt.appointment is None
    assert second.ticket_no != mine.ticket_no

    # 09:30's booking was never checked in: at 09:46 its grace period is over.
    figures = statistics.hall_day(sessions, office.org_code, day, now=cst(day, 9, 46))
    assert (figures.appointments.booked, figures.appointments.checked_in, figures.appointments.no_show) == (2, 1, 1)
    assert office.statuses() == ["checked_in", "no_show"]


def test_an_elderly_booker_gets_a_priority_ticket_that_keeps_the_booking(office):
    """爱心 priority ranks first; the booking still shows at the window."""
    day = tomorrow()
    office.open_slots(day, first="10:00", last="10:00", capacity=2)
    [ten] = office.slots()
    assert office.book(ten["id"], "赵老", ELDERLY, "13912345678").status_code == 200
    walk_in = queue.take_ticket(office.sessions, office.org_code, "A", now=cst(day, 9, 40))
    elderly = queue.take_ticket(office.sessions, office.org_code, "A", id_number=ELDERLY, now=cst(day, 10, 10))
    assert elderly.priority and elderly.ticket_no.startswith("P") and elderly.appointment is not None
    called = queue.call_next(office.sessions, office.org_code, "device", "1", now=cst(day, 10, 11)).ticket
    assert called is not None and called.id == elderly.id and called.id != walk_in.id


def test_the_kiosk_request_checks_in_today(sqlite_office):
    """Over HTTP, as the kiosk asks: a slot starting in a few minutes, checked in by the ID number."""
    office = sqlite_office
    start = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(protocol.CST).replace(second=0, microsecond=0)
    )
    slots.set_slots(office.sessions, office.org_code, "A", start.date(), start.time(), start.time(), 30, 1)
    [slot] = office.slots()
    assert office.book(slot["id"], "张三", BOOKER, "13912345678").status_code == 200
    walk_in = ticket_request(office)
    ticket = ticket_request(office, BOOKER)
    assert ticket["appointment"] is not None and walk_in["appointment"] is None
    answer = httpx.post(
        f"{office.url}{protocol.API}/queue/call",
        json={"window": "2"},
        headers={"Authorization": f"Bearer {office.token}"},
        timeout=30,
    )
    assert answer.json()["ticket"]["ticket_no"] == ticket["ticket_no"]
