"""Check-in at the window (SQLite and PostgreSQL): a clerk checks a booking in by the holder's
ID number or the confirmation code; the ticket takes the booking's category and is called
ahead of the walk-ins; too early, too late, twice, unknown and malformed entries are refused in
words and change nothing."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from sync import protocol
from sync.server import queue
from sync.server.errors import ApiError
from tests.booking.site import MATTER, cst, tomorrow, valid_id

BOOKER = valid_id("37070219850312001")
ELDERLY = valid_id("37070219450101003")
OTHER = valid_id("37070219900101004")


def refused(fn, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as caught:
        fn(**kwargs)
    return caught.value


def test_by_code_or_by_id_number_within_the_grace_period(office):
    day = tomorrow()
    office.open_slots(day, first="09:00", last="09:00", capacity=3, category="B")
    [nine] = office.slots()
    code = office.book(nine["id"], "张三", BOOKER, "13912345678", matter_code=MATTER).json()["code"]
    assert office.book(nine["id"], "王奶奶", ELDERLY, "13812345678").status_code == 200
    sessions, org = office.sessions, office.org_code
    walk_in = queue.take_ticket(sessions, org, "B", now=cst(day, 8, 30))

    def check_in(at: dt.datetime, **entry: str) -> protocol.QueueTicket:
        return queue.check_in_ticket(sessions, org, now=at, **entry)

    early = refused(check_in, at=cst(day, 8, 44), code=code)
    assert (early.status, early.code, early.message) == (409, "too_early", "预约时段为09:00，请于08:45以后签到")
    assert office.statuses() == ["booked", "booked"]
    mine = check_in(cst(day, 8, 45), code=f"{code[:4].lower()}-{code[4:].lower()}")  # as read out
    assert (mine.category, mine.priority, mine.waiting_ahead) == ("B", False, 0)
    assert mine.appointment is not None and mine.appointment.matter_code == MATTER
    again = refused(check_in, at=cst(day, 8, 50), id_number=BOOKER)
    assert (again.code, again.message) == (
        "already_checked_in",
        f"该预约已于08:45签到，号码{mine.ticket_no}，请等候叫号",
    )
    grandma = check_in(cst(day, 9, 15), id_number=ELDERLY)  # the last minute of the grace period
    assert grandma.priority and grandma.ticket_no.startswith("P") and grandma.appointment is not None
    assert office.statuses() == ["checked_in", "checked_in"]

    order = [queue.call_next(sessions, org, "device", str(3 + i), now=cst(day, 9, 20 + i)).ticket for i in range(3)]
    assert [t.ticket_no for t in order if t] == [grandma.ticket_no, mine.ticket_no, walk_in.ticket_no]


def test_refusals_say_why_and_store_nothing(office):
    day = tomorrow()
    office.open_slots(day, first="09:00", last="09:00", capacity=2)
    [nine] = office.slots()
    code = office.book(nine["id"], "张三", BOOKER, "13912345678").json()["code"]
    sessions, org = office.sessions, office.org_code

    def check_in(at: dt.datetime, **entry: str) -> protocol.QueueTicket:
        return queue.check_in_ticket(sessions, org, now=at, **entry)

    nine_o_clock, day_before = cst(day, 9, 0), cst(day - dt.timedelta(days=1), 9, 0)
    cases: list[tuple[dt.datetime, dict[str, str], int, str]] = [
        (nine_o_clock, {"id_number": OTHER}, 404, "no_booking"),
        (nine_o_clock, {"code": "23456789"}, 404, "no_booking"),
        (nine_o_clock, {"code": "ABC"}, 400, "bad_code"),
        (nine_o_clock, {"id_number": "370702198503120010"}, 400, "invalid_id_number"),
        (nine_o_clock, {}, 400, "bad_check_in"),
        (nine_o_clock, {"id_number": BOOKER, "code": code}, 400, "bad_check_in"),
        (day_before, {"code": code}, 404, "no_booking"),  # a day early
    ]
    for at, entry, status, reason in cases:
        error = refused(check_in, at=at, **entry)
        assert (error.status, error.code) == (status, reason), entry
        assert error.message and not error.message.isascii()
    assert office.statuses() == ["booked"] and queue.list_tickets(sessions, org, day) == []

    late = refused(check_in, at=cst(day, 9, 16), id_number=BOOKER)
    assert (late.code, late.message) == (
        "too_late",
        "预约时段09:00的签到时间已过（开始后15分钟内），已记为未到，请现场取号",
    )
    assert queue.list_tickets(sessions, org, day) == []


def test_the_window_checks_in_over_http(office):
    """The route the clerk's window calls, on real time: a slot starting in ten minutes."""
    start = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).astimezone(protocol.CST).replace(second=0, microsecond=0)
    )
    office.open_slots(start.date(), first=f"{start:%H:%M}", last=f"{start:%H:%M}", capacity=1)
    [slot] = office.slots()
    code = office.book(slot["id"], "张三", BOOKER, "13912345678").json()["code"]
    url, auth = f"{office.url}{protocol.API}/queue/check-in", {"Authorization": f"Bearer {office.token}"}

    bad_window = httpx.post(url, json={"window": "三号窗口", "code": code}, headers=auth, timeout=30)
    assert (bad_window.status_code, bad_window.json()["code"]) == (400, "bad_window")
    assert httpx.post(url, json={"window": "3", "code": code}, timeout=30).status_code == 401
    too_long = httpx.post(url, json={"window": "3", "code": "X" * 40}, headers=auth, timeout=30)
    assert too_long.status_code == 422
    answer = httpx.post(url, json={"window": "3号窗口", "code": code}, headers=auth, timeout=30)
    assert answer.status_code == 200, answer.text
    ticket = protocol.QueueTicket.model_validate(answer.json())
    assert ticket.appointment is not None and ticket.appointment.starts_at == start
    assert office.statuses() == ["checked_in"]
