"""The hall's day in figures (SQLite and PostgreSQL): waits and service times by category and
hour, 过号, appointment use; the console page shows them to the hall's supervisor only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from sync import protocol
from sync.server import cli, queue
from sync.server.booking import statistics
from sync.server.demo import DEMO_PASSWORD
from tests.booking.site import cst, tomorrow, valid_id
from tests.console.site import form_token

BOOKERS = [valid_id(f"37070219850312{n:03d}") for n in range(1, 5)]


def serve(office, window: str, called: dt.datetime, minutes: int, outcome: str = "done") -> protocol.QueueTicket:
    """Call the next ticket at `called` and close it `minutes` later (done, or 过号 after 3 recalls)."""
    ticket = queue.call_next(office.sessions, office.org_code, "device", window, now=called).ticket
    assert ticket is not None
    body = protocol.TicketAction(window=window)
    if outcome == "no-show":
        for _ in range(queue.RECALLS_BEFORE_NO_SHOW):
            queue.act(office.sessions, office.org_code, ticket.id, "recall", body, now=called)
    later = called + dt.timedelta(minutes=minutes)
    return queue.act(office.sessions, office.org_code, ticket.id, outcome, body, now=later)


def a_day(office) -> dt.date:
    """Category A at 09:00–10:00: three walk-ins and one booking checked in; B at 10:00–11:00:
    one walk-in, called in vain (过号). Four bookings: one checked in, one cancelled, two
    never come (no-shows once their grace period is over)."""
    day = tomorrow()
    office.open_slots(day, first="09:00", last="09:00", capacity=4)
    [slot] = office.slots()
    codes = []
    for n, person in enumerate(BOOKERS):
        answer = office.book(slot["id"], "张三", person, f"1391234567{n}")
        assert answer.status_code == 200, answer.text
        codes.append(answer.json()["code"])
    assert office.post("cancel", {"code": codes[3], "phone": "13912345673"}).status_code == 200
    take = queue.take_ticket
    take(office.sessions, office.org_code, "A", now=cst(day, 9, 0))  # waits 10 min, served 20
    take(office.sessions, office.org_code, "A", now=cst(day, 9, 5))
    take(office.sessions, office.org_code, "A", id_number=BOOKERS[0], now=cst(day, 9, 8))  # checked in
    take(office.sessions, office.org_code, "B", now=cst(day, 10, 15))
    serve(office, "1", cst(day, 9, 10), 20)  # the booking first: waited 2, served 20
    serve(office, "1", cst(day, 9, 30), 10)  # A001: waited 30, served 10
    serve(office, "2", cst(day, 9, 35), 5)  # A002: waited 30, served 5
    serve(office, "2", cst(day, 10, 45), 1, "no-show")  # B001: 过号
    return day


def test_waits_service_times_no_shows_and_appointment_use(office):
    day = a_day(office)
    figures = statistics.hall_day(office.sessions, office.org_code, day, now=cst(day, 12, 0))
    rows = {(r.category, r.hour): r for r in figures.rows}
    assert set(rows) == {("A", 9), ("B", 10)}
    a = rows["A", 9]
    assert (a.issued, a.served, a.no_show, a.appointments) == (3, 3, 0, 1)
    assert a.average_wait_minutes == round((2 + 30 + 30) / 3, 1)
    assert a.average_service_minutes == round((20 + 10 + 5) / 3, 1)
    b = rows["B", 10]
    assert (b.issued, b.served, b.no_show, b.average_wait_minutes, b.average_service_minutes) == (1, 0, 1, 30.0, None)
    assert (figures.issued, figures.ticket_no_shows) == (4, 1)
    use = figures.appointments
    assert (use.booked, use.checked_in, use.no_show, use.cancelled) == (3, 1, 2, 1)


@contextmanager
def signed_in(office, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=office.url, follow_redirects=False, timeout=30) as client:
        answer = client.post(
            "/console/login", data={"csrf_token": form_token(client), "username": username, "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 303, answer.text
        yield client


def test_the_console_page_shows_the_day_to_the_supervisor_only(sqlite_office):
    office = sqlite_office
    day = a_day(office)
    with signed_in(office, "supervisor01") as client:
        page = client.get("/console/hall-stats", params={"day": day.isoformat()})
        assert page.status_code == 200, page.text
        assert "叫号与预约统计" in page.text
        # booked, checked in, no-show, cancelled: tomorrow's 09:00 is not over yet by the real clock
        assert "<td>3</td><td>1</td><td>0</td><td>1</td>" in page.text
        assert "<td>综合受理</td><td>09:00–10:00</td><td>3</td><td>3</td><td>0</td><td>1</td>" in page.text
        assert "取号 4，过号 1" in page.text
        assert client.get("/console/hall-stats", params={"day": "yesterday"}).status_code == 400
    with signed_in(office, "approver01") as client:
        refused = client.get("/console/hall-stats")
        assert refused.status_code == 403 and "您的账号角色不能查看" in refused.text


def test_the_command_line_sets_slots_and_prints_the_day(sqlite_office, capsys):
    office = sqlite_office
    day = tomorrow().isoformat()
    common = ["--db", office.db_url, "--org", office.org_code]
    args = ["booking", "slots", *common, "--day", day, "--category", "B", "--first", "14:00", "--last", "15:00"]
    assert cli.main([*args, "--every", "20", "--capacity", "3"]) == 0
    assert f"已设置 {day} B 类 4 个预约时段，每个时段 3 人" in capsys.readouterr().out
    assert [(s["category"], s["capacity"], s["free"]) for s in office.slots()] == [("B", 3, 3)] * 4
    assert cli.main([*args, "--every", "20", "--capacity", "0"]) == 1  # refused, in Chinese
    assert "时段设置有误" in capsys.readouterr().err
    assert cli.main(["booking", "stats", *common, "--day", day]) == 0
    assert "预约 0  已签到 0  爽约 0  已取消 0" in capsys.readouterr().out
